import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { apiClient } from '../../api.js';
import { CliError, type Ctx } from '../../context.js';
import { formatDate, json, table } from '../../format.js';

// keys, keys:add, keys:remove.

interface Key {
  id: string;
  fingerprint: string;
  public_key: string;
  comment: string;
  created_at: string;
}

/** The public keys keys:add tries, in order, when no file is given. */
export function defaultKeyFiles(home: string): string[] {
  return [join(home, '.ssh', 'id_ed25519.pub'), join(home, '.ssh', 'id_rsa.pub')];
}

async function readKey(files: string[]): Promise<{ file: string; text: string } | undefined> {
  for (const file of files) {
    try {
      return { file, text: await readFile(file, 'utf8') };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new CliError(`Cannot read ${file}: ${(err as Error).message}`);
    }
  }
  return undefined;
}

/** The fingerprint keys:remove deletes: the argument if it is one, else the one key with that comment. */
export function keyToRemove(keys: readonly Pick<Key, 'fingerprint' | 'comment'>[], arg: string): string {
  if (/^SHA256:[A-Za-z0-9+/]{43}=?$/.test(arg)) return arg;
  const matches = keys.filter((k) => k.comment !== '' && k.comment === arg);
  if (matches.length === 1) return matches[0]!.fingerprint;
  if (matches.length > 1) throw new CliError(`Several of your keys have the comment ${arg}; remove one by its fingerprint (see \`paas keys\`).`);
  throw new CliError(`No SSH key of yours has the fingerprint or comment ${arg} (see \`paas keys\`).`);
}

export function registerKeys(program: Command, ctx: Ctx): void {
  program
    .command('keys')
    .description('list your SSH keys')
    .option('--json', 'output as JSON')
    .addHelpText('after', '\nExample:\n  $ paas keys\n  Fingerprint                                         Comment     Added')
    .action(async (opts: { json?: boolean }) => {
      const keys = await (await apiClient(ctx)).get<Key[]>('/account/keys');
      if (opts.json) return ctx.out(json(keys));
      if (keys.length === 0) return ctx.out('You have no SSH keys. Add one with `paas keys:add`.');
      ctx.out(table(keys.map((k) => [k.fingerprint, k.comment, formatDate(k.created_at)]), ['Fingerprint', 'Comment', 'Added']));
    });

  program
    .command('keys:add [file]')
    .description('add an SSH public key (default ~/.ssh/id_ed25519.pub, then ~/.ssh/id_rsa.pub)')
    .addHelpText('after', '\nExample:\n  $ paas keys:add ~/.ssh/id_ed25519.pub\n  Uploading /home/me/.ssh/id_ed25519.pub SSH key... done')
    .action(async (file: string | undefined) => {
      const key = await readKey(file ? [file] : defaultKeyFiles(ctx.home));
      if (!key) {
        throw new CliError(
          file ? `No such file: ${file}` : `No SSH public key found (${defaultKeyFiles(ctx.home).join(', ')}). Create one with: ssh-keygen -t ed25519`,
        );
      }
      const added = await (await apiClient(ctx)).post<Key>('/account/keys', { public_key: key.text });
      ctx.out(`Uploading ${key.file} SSH key... done (${added.fingerprint})`);
    });

  program
    .command('keys:remove <key>')
    .description("remove one of your SSH keys, by its fingerprint (SHA256:...) or its comment")
    .addHelpText('after', '\nExample:\n  $ paas keys:remove SHA256:uJ0F2mUTGx7BEyQ8mOvkSuvnWLb/PNNozbazVeA5iHk\n  Removing SHA256:uJ0F2mUTGx7BEyQ8mOvkSuvnWLb/PNNozbazVeA5iHk SSH key... done\n  $ paas keys:remove me@laptop')
    .action(async (arg: string) => {
      const api = await apiClient(ctx);
      const fingerprint = keyToRemove(arg.startsWith('SHA256:') ? [] : await api.get<Key[]>('/account/keys'), arg);
      await api.request<Key>('DELETE', `/account/keys/${encodeURIComponent(fingerprint)}`);
      ctx.out(`Removing ${fingerprint} SSH key... done`);
    });
}
