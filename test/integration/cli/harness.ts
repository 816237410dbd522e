import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { paasInProcess, type CliResult } from '../../support/cli.js';
import { startController, type Harness } from '../controller/harness.js';

// The CLI's integration tests: the real controller in-process (real etcd),
// a temp dir as the CLI's working directory with a home and a config dir in
// it, and `paas` run in-process against that controller.

export interface CliHarness {
  h: Harness;
  /** The temp dir: the CLI's working directory. */
  tmp: string;
  home: string;
  /** The environment `paas` runs with, as `token` (default the admin), its config in `<tmp>/<configDir>`. */
  env(token?: string, configDir?: string): Record<string, string>;
  /** `paas ARGS` in-process, as `token` (default the admin). */
  paas(args: string[], token?: string): Promise<CliResult>;
  /** Creates apps through the API as `token`; throws unless each answers 201. */
  createApps(token: string, names: readonly string[]): Promise<void>;
  /** Stops the controller, removes its keys and the temp dir. */
  close(): Promise<void>;
}

/** `controllerEnv`: settings of the controller under test (startController). */
export async function startCli(name: string, controllerEnv: Record<string, string> = {}): Promise<CliHarness> {
  const tmp = mkdtempSync(join(tmpdir(), `paas-${name}-`));
  const home = join(tmp, 'home');
  mkdirSync(home, { recursive: true });
  let h: Harness;
  try {
    h = await startController(name, controllerEnv);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  const env = (token = h.adminToken, configDir = 'config') => ({
    HOME: home,
    PAAS_CONFIG_DIR: join(tmp, configDir),
    PAAS_API_URL: h.url,
    PAAS_TOKEN: token,
  });
  return {
    h,
    tmp,
    home,
    env,
    paas: (args, token) => paasInProcess(args, { env: env(token), cwd: tmp, home }),
    async createApps(token, names) {
      for (const app of names) {
        const res = await h.call('POST', '/apps', { token, body: { name: app } });
        if (res.status !== 201) throw new Error(`POST /apps: ${res.status}`);
      }
    },
    async close() {
      await h.close();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}
