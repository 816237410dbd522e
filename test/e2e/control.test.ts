import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpGet, must, waitFor } from '../support/run.js';
import { e2eUser, env, httpPort, signUp } from './user.js';

// The control plane on a running platform, as a user drives it: config:set
// redeploys with the new environment, ps:scale runs distinct containers,
// rollback serves the old config, and apps:destroy leaves no container,
// route, repo or image behind. Needs a platform brought up by scripts/up
// (scripts/test does it and exports PAAS_ENV_FILE).

const stateDir = env.PAAS_STATE_DIR ?? '/var/lib/paas';
const cluster = env.PAAS_CLUSTER ?? 'paas';
const u = e2eUser('ctl');
const { appName, host, appDir, gitEnv, paas } = u;
const docker = new Docker();

const ok = async (args: string[]) => {
  const r = await paas(args);
  expect(r.code, `paas ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
};
const body = async (path: string) => (await httpGet(httpPort, host, path)).body.trim();
const answers = (path: string, text: string) =>
  waitFor(`${host}${path} to answer "${text}"`, 60_000, async () => ((await body(path)) === text ? true : undefined));
const containersOfApp = async () => docker.listContainers({ all: true, filters: { label: [`paas.cluster=${cluster}`, `paas.app=${appName}`] } });

describe('the control plane on a running app', () => {
  beforeAll(async () => {
    await signUp(u);
    await ok(['apps:create', appName]);
    await must('git', ['push', 'paas', 'main'], { cwd: appDir, env: gitEnv });
    expect(await body('/greeting')).toBe('no greeting');
  });

  afterAll(() => u.remove());

  it('config:set makes a release that serves the new environment', async () => {
    const out = await ok(['config:set', 'GREETING=hello from config']);
    expect(out).toMatch(/done, v2/);
    await answers('/greeting', 'hello from config');
    expect(await ok(['config:get', 'GREETING'])).toBe('hello from config\n');
  });

  it('ps:scale web=2 runs two distinct containers behind the router', async () => {
    await ok(['ps:scale', 'web=2']);
    const seen = new Set<string>();
    await waitFor('both dynos to answer', 60_000, async () => {
      seen.add(await body('/dyno'));
      return seen.has('web.1') && seen.has('web.2') ? true : undefined;
    });
    const ps = JSON.parse(await ok(['ps', '--json'])) as { name: string; state: string }[];
    expect(ps.filter((d) => d.name.startsWith('web.')).map((d) => d.state)).toEqual(['up', 'up']);
  });

  it('rollback to v1 serves v1\'s config again', async () => {
    expect(await ok(['rollback', 'v1'])).toMatch(/done, v3/);
    await answers('/greeting', 'no greeting');
  });

  it('apps:destroy leaves no container, route, repo or image behind', async () => {
    expect((await paas(['apps:destroy'])).code).toBe(1); // no --confirm
    expect((await containersOfApp()).length).toBeGreaterThan(0);
    await ok(['apps:destroy', '--confirm', appName]);
    await waitFor('containers gone', 60_000, async () => ((await containersOfApp()).length === 0 ? true : undefined));
    expect((await httpGet(httpPort, host)).status).toBe(404);
    await waitFor('repo and images gone', 90_000, async () => {
      const images = await docker.listImages({ filters: { label: [`paas.app=${appName}`] } });
      return images.length === 0 && !existsSync(join(stateDir, 'repos', `${appName}.git`)) ? true : undefined;
    });
    expect((await paas(['apps:info'])).code).toBe(1);
  });
});
