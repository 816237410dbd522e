import { spawn } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, httpGet, must, waitFor } from '../support/run.js';
import { e2eUser, env, httpPort, signUp } from './user.js';

// The README's promises as one story, lived by a new user of a platform
// brought up by scripts/up (scripts/test does it and exports PAAS_ENV_FILE):
// the admin makes the user and a token, the user logs in, adds a key,
// creates an app with a web and a worker process, pushes, opens it, sets
// config, scales, runs a one-off, reads the logs, survives a broken push,
// rolls back, toggles maintenance, is invisible to a second user, and
// destroys the app leaving nothing behind. Each step builds on the last.

const stateDir = env.PAAS_STATE_DIR ?? '/var/lib/paas';
const cluster = env.PAAS_CLUSTER ?? 'paas';
const u = e2eUser('journey');
const stranger = e2eUser('stranger');
const { appName, host, appDir, gitEnv, paas } = u;
const docker = new Docker();

const ok = async (args: string[]) => {
  const r = await paas(args);
  expect(r.code, `paas ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
};
const get = (path: string) => httpGet(httpPort, host, path);
const body = async (path: string) => (await get(path)).body.trim();
const answers = (path: string, text: string) =>
  waitFor(`${host}${path} to answer "${text}"`, 60_000, async () => ((await body(path)) === text ? true : undefined));
/** The machine's engine and those of the Docker hosts scripts/hosts made for this platform (their dynos count too). */
const engines = () => [
  docker,
  ...(existsSync(join(stateDir, 'hosts')) ? readdirSync(join(stateDir, 'hosts')) : [])
    .map((k) => join(stateDir, 'hosts', k, 'docker.sock'))
    .filter((sock) => existsSync(sock))
    .map((socketPath) => new Docker({ socketPath })),
];
/** The app's containers on every engine (a host's engine that does not answer has none to count). */
const containersOfApp = async () =>
  (
    await Promise.all(
      engines().map((e) =>
        e
          .listContainers({ all: true, filters: { label: [`paas.cluster=${cluster}`, `paas.app=${appName}`] } })
          .catch((err: unknown) => (e === docker ? Promise.reject(err) : [])),
      ),
    )
  ).flat();
const commit = (message: string) => must('git', ['commit', '-qam', message], { cwd: appDir, env: gitEnv });

describe('the journey of a new user', () => {
  beforeAll(async () => {
    await signUp(u);
    // A web and a worker process: the worker writes a line a second.
    writeFileSync(
      join(appDir, 'worker.js'),
      'let n = 0;\nsetInterval(() => console.log(`worker tick ${++n}`), 1000);\n',
    );
    writeFileSync(join(appDir, 'Procfile'), 'web: npm start\nworker: node worker.js\n');
    await must('git', ['add', '.'], { cwd: appDir });
    await commit('a worker process');
  });

  afterAll(() => {
    u.remove();
    stranger.remove();
  });

  it('apps:create, git push, and the app answers at its URL', async () => {
    expect(await ok(['apps:create', appName])).toMatch(new RegExp(`http://${host.replace(/\./g, '\\.')}(:\\d+)?/`));
    const push = await u.git(['push', 'paas', 'main']);
    expect(push.code, push.stderr).toBe(0);
    expect(push.stderr).toMatch(/Launching\.\.\. done, v1 is serving/);
    expect(await body('/')).toBe('hello v1');
  });

  it('config:set serves the new value', async () => {
    expect(await ok(['config:set', 'GREETING=hello from the journey'])).toMatch(/done, v2/);
    await answers('/greeting', 'hello from the journey');
  });

  it('ps:scale web=3 worker=1: three distinct web containers answer and the worker runs', async () => {
    await ok(['ps:scale', 'web=3', 'worker=1']);
    const seen = new Set<string>();
    await waitFor('web.1, web.2 and web.3 to answer', 90_000, async () => {
      seen.add(await body('/dyno'));
      return seen.size === 3 ? true : undefined;
    });
    expect([...seen].sort()).toEqual(['web.1', 'web.2', 'web.3']);
    await waitFor('every dyno up', 60_000, async () => {
      const ps = JSON.parse(await ok(['ps', '--json'])) as { name: string; state: string }[];
      const states = Object.fromEntries(ps.map((d) => [d.name, d.state]));
      return ['web.1', 'web.2', 'web.3', 'worker.1'].every((n) => states[n] === 'up') ? true : undefined;
    });
    const ids = new Set(
      (await containersOfApp())
        .filter((c) => c.State === 'running' && c.Labels['paas.type'] === 'web')
        .map((c) => c.Id),
    );
    expect(ids.size).toBeGreaterThanOrEqual(3);
  });

  it("paas run runs a one-off with the app's config and returns its exit code", async () => {
    const r = await paas([
      'run',
      '--no-tty',
      '--',
      'node',
      '-e',
      'console.log(`one-off says ${process.env.GREETING} on ${process.env.DYNO}`)',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^one-off says hello from the journey on run\.\d+$/m);
    const failed = await paas(['run', '--no-tty', '--', 'sh', '-c', 'exit 3']);
    expect(failed.code).toBe(3);
  });

  it('logs show app, router and platform lines', async () => {
    expect((await get('/')).status).toBe(200); // at least one router line
    await waitFor('app, router and paas lines in the log', 30_000, async () => {
      const out = await ok(['logs', '-n', '1500']);
      const has = (re: RegExp) => re.test(out);
      return has(/ app\[worker\.1\]: worker tick \d+$/m) &&
        has(/ app\[web\.\d\]: /m) &&
        has(/ router: at=info method=GET path="\/" .* dyno=web\.\d /m) &&
        has(/ paas\[api\]: /m)
        ? true
        : undefined;
    });
    const workerOnly = await ok(['logs', '-n', '50', '--ps', 'worker']);
    expect(
      workerOnly
        .trim()
        .split('\n')
        .every((l) => / (app|paas)\[worker\.1\]: /.test(l)),
    ).toBe(true);
  });

  it('a broken push fails and the running release keeps serving', async () => {
    writeFileSync(join(appDir, 'package.json'), '{ "name": "broken", ');
    await commit('broken package.json');
    const push = await u.git(['push', 'paas', 'main']);
    expect(push.code).not.toBe(0);
    expect(await body('/greeting')).toBe('hello from the journey');
    await must('git', ['reset', '-q', '--hard', 'HEAD~1'], { cwd: appDir });
    const releases = JSON.parse(await ok(['releases', '--json'])) as { version: number }[];
    expect(Math.max(...releases.map((r) => r.version))).toBe(2);
  });

  it("rollback serves the previous release's config", async () => {
    expect(await ok(['rollback', 'v1'])).toMatch(/done, v3/);
    await answers('/greeting', 'no greeting');
  });

  it('maintenance:on answers 503 with a maintenance page; off serves again', async () => {
    await ok(['maintenance:on']);
    await waitFor('the maintenance page', 30_000, async () => ((await get('/')).status === 503 ? true : undefined));
    expect((await get('/')).body.toLowerCase()).toContain('maintenance');
    await ok(['maintenance:off']);
    await answers('/', 'hello v1');
  });

  it('logs --tail keeps streaming across a redeploy, from the old worker to the new one', async () => {
    const tail = spawn(process.execPath, [CLI, 'logs', '--tail', '--ps', 'worker', '-n', '1'], {
      cwd: appDir,
      env: { ...process.env, PAAS_CONFIG_DIR: join(u.work, 'config'), PAAS_API_URL: undefined, PAAS_TOKEN: undefined },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    tail.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => tail.on('close', (code) => resolve(code)));
    const ticks = () => [...out.matchAll(/ app\[worker\.1\]: worker tick (\d+)$/gm)].map((m) => Number(m[1]));
    try {
      await waitFor('ticks of the running worker', 30_000, async () => (ticks().length >= 2 ? true : undefined));
      const before = Math.max(...ticks());
      await ok(['config:set', 'TAIL_TEST=1']); // a new release: new worker container, counting from 1 again
      await waitFor('ticks of the new worker on the same tail', 90_000, async () => {
        const t = ticks();
        const restart = t.findIndex((n, i) => i > 0 && n < (t[i - 1] as number));
        return restart > 0 && t.length - restart >= 2 ? true : undefined;
      });
      expect(Math.max(...ticks())).toBeGreaterThanOrEqual(before);
      expect(tail.exitCode).toBeNull(); // still streaming
    } finally {
      tail.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  });

  it('a second user cannot see the app', async () => {
    await signUp(stranger);
    const info = await stranger.paas(['apps:info', '-a', appName]);
    expect(info.code).toBe(1);
    expect(info.stderr).toMatch(/not found|no such app|couldn't find/i);
    const list = await stranger.paas(['apps', '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as { name: string }[]).map((a) => a.name)).not.toContain(appName);
    expect((await stranger.paas(['config:set', 'X=1', '-a', appName])).code).toBe(1);
  });

  it('apps:destroy leaves no container, route, repo or image behind', async () => {
    expect((await paas(['apps:destroy'])).code).toBe(1); // no --confirm
    await ok(['apps:destroy', '--confirm', appName]);
    await waitFor('containers gone', 60_000, async () => ((await containersOfApp()).length === 0 ? true : undefined));
    expect((await get('/')).status).toBe(404);
    await waitFor('repo and images gone', 90_000, async () => {
      // the builder's engine, and each host's (its agent removes what it fetched: agent/imagecleanup.ts)
      const images = (
        await Promise.all(
          engines().map((e) =>
            e
              .listImages({ filters: { label: [`paas.app=${appName}`] } })
              .catch((err: unknown) => (e === docker ? Promise.reject(err) : [])),
          ),
        )
      ).flat();
      return images.length === 0 && !existsSync(join(stateDir, 'repos', `${appName}.git`)) ? true : undefined;
    });
    expect((await paas(['apps:info'])).code).toBe(1);
  });
});
