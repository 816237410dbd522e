import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { platformEnv } from '../support/env.js';
import { CLI, REPO_DIR, httpGet, must, run, waitFor } from '../support/run.js';

// No single point of failure (issue 19), as a user sees it. The test
// platform is switched to the HA topology (scripts/up --ha: etcd x3, two
// controllers, schedulers, builders and routers, the git remote proxied to
// both builders by both routers' nginx) for this file only, and back to the
// default topology at its end (scripts/up), so every other test runs against
// what `scripts/up` gives a user. Then an app is pushed, and one instance of
// each service is taken down in turn (kill -9, its supervisor told not to
// start it again until the step ends): with controller 1 down, config:set,
// run and logs still work through the CLI (PAAS_API_URL names both); a push
// in flight when builder 1 dies fails, and its retry through the proxy builds
// on builder 2 (whose repo of the app did not exist); builder 1 back, its
// stale repo takes the next push; with router 1 and its nginx down the app
// answers through router 2, and the remote through router 2's proxy; with the
// leading scheduler killed a ps:scale still lands. Timings are printed.

const state = process.env.PAAS_STATE_DIR ?? '';
const upEnv = { PAAS_TEST_SKIP_BUILD: undefined, PAAS_API_URL: undefined, PAAS_TOKEN: undefined, PAAS_HA: undefined };
const adminConfig = process.env.PAAS_CONFIG_DIR ?? platformEnv().PAAS_CONFIG_DIR;
const work = mkdtempSync(join(tmpdir(), 'paas-ha-'));
const appName = `ha-${randomBytes(3).toString('hex')}`;
const appDir = join(work, 'app');
const key = join(work, 'id_ed25519');
const gitEnv = {
  GIT_SSH_COMMAND: `ssh -i ${key} -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR`,
  GIT_AUTHOR_NAME: 'e2e',
  GIT_AUTHOR_EMAIL: 'e2e@example.com',
  GIT_COMMITTER_NAME: 'e2e',
  GIT_COMMITTER_EMAIL: 'e2e@example.com',
};
let env: Record<string, string> = {};
const port = (name: string) => Number(env[name]);
/** The ports of the second instances (scripts/lib/ha.sh: ha_port N = PAAS_API_PORT + 20 + N). */
const haPort = (n: number) => port('PAAS_API_PORT') + 20 + n;
const host = () => `${appName}.${env.PAAS_DOMAIN ?? 'localhost'}`;
const timings: Record<string, number> = {};
const downNow = new Set<string>();

const paas = (args: string[], configDir = join(work, 'config')) =>
  run('node', [CLI, ...args], {
    cwd: existsSync(appDir) ? appDir : work,
    env: { PAAS_CONFIG_DIR: configDir, PAAS_API_URL: undefined, PAAS_TOKEN: undefined },
  });
const ok = async (args: string[], configDir?: string) => {
  const r = await paas(args, configDir);
  expect(r.code, `paas ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
};
const git = (args: string[]) => run('git', args, { cwd: appDir, env: gitEnv });
const commitText = async (text: string) => {
  writeFileSync(join(appDir, 'message.json'), JSON.stringify({ text }) + '\n');
  await must('git', ['commit', '-qam', text], { cwd: appDir, env: gitEnv });
};
const timed = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
  const t0 = Date.now();
  try {
    return await f();
  } finally {
    timings[name] = Date.now() - t0;
  }
};
const body = async (httpPort: number, path = '/') => (await httpGet(httpPort, host(), path)).body.trim();
const answers = (httpPort: number, text: string, path = '/') =>
  waitFor(`${host()}${path} on :${httpPort} to answer "${text}"`, 90_000, async () =>
    (await body(httpPort, path)) === text ? true : undefined,
  );
/** An SSH server's banner at 127.0.0.1:p (a builder, directly or through a proxy). */
const banner = (p: number) =>
  new Promise<string>((resolve) => {
    const s = connect(p, '127.0.0.1');
    s.setTimeout(3000, () => s.destroy());
    s.once('data', (d) => {
      resolve(d.toString().trim());
      s.destroy();
    });
    s.on('error', (err) => resolve(`error: ${err.message}`));
    s.on('close', () => resolve('closed'));
  });

// ---- the supervisor (scripts/lib/supervise.sh) -----------------------------
const supervisor = (name: string) => readFileSync(join(state, 'supervise', name, 'supervisor'), 'utf8').trim();
const unit = (name: string) => `paas-${env.PAAS_CLUSTER}-${name}.service`;
const pidOf = (file: string): number | undefined => {
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
};
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const gone = (pid: number) => waitFor(`pid ${pid} gone`, 20_000, async () => (alive(pid) ? undefined : true));

/** kill -9 of a supervised process, its supervisor told not to start it again (runit: `sv once`). */
async function takeDown(name: string): Promise<void> {
  const pid = pidOf(join(state, 'supervise', name, 'pid'));
  expect(pid, `${name} runs`).toBeDefined();
  downNow.add(name);
  if (supervisor(name) === 'runit') {
    await must('sv', ['once', join(state, 'runit', 'service', name)]);
    process.kill(pid as number, 'SIGKILL');
  } else {
    await must('systemctl', ['kill', '-s', 'KILL', unit(name)]);
    await must('systemctl', ['stop', unit(name)]);
  }
  await gone(pid as number);
}

async function bringUp(name: string): Promise<void> {
  if (supervisor(name) === 'runit') await must('sv', ['up', join(state, 'runit', 'service', name)]);
  else await must('systemctl', ['start', unit(name)]);
  downNow.delete(name);
}

/** Both controllers' API as the CLI is given it (PAAS_API_URL, comma-separated). */
const apiUrls = () => env.PAAS_API_URL ?? '';

describe('HA: no single point of failure (scripts/up --ha)', () => {
  beforeAll(async () => {
    if (!state || state === '/var/lib/paas')
      throw new Error('run through scripts/test: PAAS_STATE_DIR must be a test platform');
    const up = await timed('scripts/up --ha', () => run(join(REPO_DIR, 'scripts/up'), ['--ha'], { env: upEnv }));
    expect(up.code, up.stderr.slice(-4000)).toBe(0);
    env = platformEnv();
    expect(apiUrls()).toContain(',');
    // A user of their own, logged in with both controllers' URLs.
    const made = JSON.parse(await ok(['users:create', `${appName}@example.com`, '--json'], adminConfig)) as {
      token: string;
    };
    await must('node', [CLI, 'login', '--api', apiUrls(), '--token', made.token], {
      cwd: work,
      env: { PAAS_CONFIG_DIR: join(work, 'config'), PAAS_API_URL: undefined, PAAS_TOKEN: undefined },
    });
    await must('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'e2e', '-f', key]);
    await ok(['keys:add', `${key}.pub`]);
    cpSync(join(REPO_DIR, 'test/fixtures/express-hello'), appDir, { recursive: true });
    await must('git', ['init', '-q', '-b', 'main'], { cwd: appDir });
    await must('git', ['add', '.'], { cwd: appDir });
    await must('git', ['commit', '-qm', 'first'], { cwd: appDir, env: gitEnv });
  });

  afterAll(async () => {
    for (const name of [...downNow]) await bringUp(name).catch(() => undefined);
    await paas(['apps:destroy', appName, '--confirm', appName]).catch(() => undefined);
    // Back to the default topology for the tests after this one.
    const back = await timed('scripts/up (back)', () => run(join(REPO_DIR, 'scripts/up'), [], { env: upEnv }));
    console.log(`HA timings (ms): ${JSON.stringify(timings)}`);
    rmSync(work, { recursive: true, force: true });
    expect(back.code, back.stderr.slice(-4000)).toBe(0);
  });

  it('runs every second instance, supervised, and the remote answers through the proxy', async () => {
    const status = JSON.parse(await ok(['status', '--json'], adminConfig)) as { processes: { name: string }[] };
    const names = status.processes.map((p) => p.name);
    for (const name of ['controller-2', 'scheduler-2', 'builder-2', 'router-2', 'etcd-2', 'etcd-3'])
      expect(names).toContain(name);
    for (const p of [port('PAAS_SSH_PORT'), haPort(3), haPort(4)]) expect(await banner(p)).toMatch(/^SSH-2\.0-/);
  });

  it('git push through the proxy builds, and both routers serve the app', async () => {
    await ok(['apps:create', appName]);
    const push = await timed('first push (proxy)', () => git(['push', 'paas', 'main']));
    expect(push.code, push.stderr).toBe(0);
    expect(push.stderr).toMatch(/v1 is serving/);
    await answers(port('PAAS_HTTP_PORT'), 'hello v1');
    await answers(haPort(6), 'hello v1');
  });

  it('a push through the proxy costs about what one straight to the builder does (nothing to send)', async () => {
    const direct = `ssh://git@127.0.0.1:${haPort(3)}/${appName}.git`;
    const median = async (name: string, remote: string) => {
      const ms: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t0 = Date.now();
        const r = await git(['push', remote, 'main']);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stderr).toMatch(/Everything up-to-date/);
        ms.push(Date.now() - t0);
      }
      timings[name] = ms.sort((a, b) => a - b)[2] as number;
    };
    await median('no-op push median (proxy)', 'paas');
    await median('no-op push median (direct)', direct);
    expect(timings['no-op push median (proxy)']).toBeLessThan((timings['no-op push median (direct)'] as number) + 1000);
  });

  it('with controller 1 down, config:set, run and logs work through the CLI', async () => {
    await takeDown('controller');
    expect(
      (await run('curl', ['-fsS', '--max-time', '2', `http://127.0.0.1:${port('PAAS_API_PORT')}/healthz`])).code,
    ).not.toBe(0);
    const set = await timed('config:set (controller 1 down)', () => ok(['config:set', 'GREETING=hello from HA']));
    expect(set).toMatch(/done, v2/);
    await answers(port('PAAS_HTTP_PORT'), 'hello from HA', '/greeting');
    const one = await timed('run (controller 1 down)', () =>
      paas(['run', '--no-tty', '--', 'node', '-e', 'console.log(`one-off says ${process.env.GREETING}`)']),
    );
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toMatch(/^one-off says hello from HA$/m);
    await waitFor('the app’s and the API’s lines in its log', 30_000, async () => {
      const out = await ok(['logs', '-n', '300']);
      return / app\[web\.\d\]: /m.test(out) && / paas\[api\]: /m.test(out) ? true : undefined;
    });
    await bringUp('controller');
    await waitFor('controller 1 back', 30_000, async () =>
      (await run('curl', ['-fsS', '--max-time', '2', `http://127.0.0.1:${port('PAAS_API_PORT')}/healthz`])).code === 0
        ? true
        : undefined,
    );
  });

  it('a push in flight when its builder dies fails; the retry builds on builder 2', async () => {
    await commitText('hello v2');
    let stderr = '';
    const child = spawn('git', ['push', 'paas', 'main'], { cwd: appDir, env: { ...process.env, ...gitEnv } });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
    await waitFor('the build to start', 60_000, async () => (/Building /.test(stderr) ? true : undefined));
    const killed = Date.now();
    await takeDown('builder');
    const failed = await code;
    timings['push in flight: builder kill -> push exits'] = Date.now() - killed;
    expect(failed, stderr).not.toBe(0);
    console.log(
      `push in flight when its builder was killed (exit ${failed}):\n${stderr.split('\n').slice(-6).join('\n')}`,
    );
    const retry = await timed('retry push (builder 1 down, builder-2 repo new)', () => git(['push', 'paas', 'main']));
    expect(retry.code, retry.stderr).toBe(0);
    expect(retry.stderr).toMatch(/v3 is serving/);
    expect(existsSync(join(state, 'builder-2', 'repos', `${appName}.git`))).toBe(true);
    await answers(port('PAAS_HTTP_PORT'), 'hello v2');
  });

  it('builder 1 back, its stale repo takes the next push (refs follow the release)', async () => {
    await bringUp('builder');
    await waitFor('builder 1 back', 30_000, async () =>
      (await banner(haPort(3))).startsWith('SSH-2.0') ? true : undefined,
    );
    await commitText('hello v3');
    const push = await timed('push to builder 1 with a stale repo', () => git(['push', 'paas', 'main']));
    expect(push.code, push.stderr).toBe(0);
    expect(push.stderr).toMatch(/v4 is serving/);
    await answers(port('PAAS_HTTP_PORT'), 'hello v3');
    const log = readFileSync(join(state, 'logs', 'builder.log'), 'utf8');
    expect(log).toMatch(new RegExp(`"app":"${appName}".*"action":"dropped".*deploy refs aligned`));
  });

  it('with router 1 and its nginx down, the app answers through router 2, the remote through its proxy', async () => {
    const nginx = pidOf(join(state, 'nginx', 'nginx.pid'));
    await takeDown('router');
    if (nginx !== undefined) {
      process.kill(nginx, 'SIGQUIT');
      await gone(nginx);
    }
    await expect(httpGet(port('PAAS_HTTP_PORT'), host())).rejects.toThrow(/ECONNREFUSED/);
    expect(await body(haPort(6))).toBe('hello v3');
    // the remote through router 2's nginx alone (a push with nothing to send: the builder's advertisement)
    const again = await git(['push', 'paas', 'main']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/Everything up-to-date/);
    await bringUp('router');
    await answers(port('PAAS_HTTP_PORT'), 'hello v3');
  });

  it('with the leading scheduler killed, ps:scale lands', async () => {
    const leads = async (p: number) =>
      /^paas_scheduler_leader 1$/m.test((await httpGet(p, '127.0.0.1', '/metrics').catch(() => ({ body: '' }))).body);
    const leader = (await leads(port('PAAS_SCHEDULER_METRICS_PORT')))
      ? 'scheduler'
      : (await leads(haPort(2)))
        ? 'scheduler-2'
        : undefined;
    expect(leader, 'one scheduler leads').toBeDefined();
    await takeDown(leader as string);
    await timed('ps:scale web=2 to two up (leader killed)', async () => {
      await ok(['ps:scale', 'web=2']);
      await waitFor('two web dynos up', 90_000, async () => {
        const ps = JSON.parse(await ok(['ps', '--json'])) as { name: string; state: string }[];
        return ps.filter((d) => d.name.startsWith('web.') && d.state === 'up').length === 2 ? true : undefined;
      });
    });
    await bringUp(leader as string);
  });
});
