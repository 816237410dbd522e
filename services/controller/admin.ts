import { parseArgs } from 'node:util';
import { Store } from '../core/store.js';
import { loadConfig } from './config.js';
import { Repo } from './repo.js';
import { ensureAdmin } from './users/users.js';

// Operator commands, run with the controller's environment:
//   node dist/services/controller/admin.js ensure-admin --email EMAIL
// prints ONLY a new API token for that admin on stdout (scripts/up logs the CLI in with it).

const USAGE = 'usage: admin.js ensure-admin --email EMAIL\n';

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    options: { email: { type: 'string' } },
    allowPositionals: true,
  });
  if (positionals[0] !== 'ensure-admin' || positionals.length !== 1 || !values.email) {
    process.stderr.write(USAGE);
    return 2;
  }
  const config = loadConfig(process.env);
  const store = Store.connect(config.etcdEndpoints, config.etcdPrefix);
  try {
    const { token } = await ensureAdmin(new Repo(store), values.email);
    process.stdout.write(`${token}\n`);
    return 0;
  } finally {
    store.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`admin: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
