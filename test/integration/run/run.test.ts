import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { RunRequest } from '../../../services/core/runs.js';
import type { Assignment } from '../../../services/core/types.js';
import { CLI, run } from '../../support/run.js';
import { containersOf, waitFor } from '../agent/support.js';
import { startRunPlatform, type RunPlatform } from './harness.js';

// `paas run` through the built binary (not a terminal: stdin piped) against a
// real controller, scheduler and agent on the real etcd and Docker.

let p: RunPlatform;
const paas = (args: string[], input?: string) =>
  run(process.execPath, [CLI, ...args], { env: p.env, ...(input !== undefined && { input }) });
const runs = () => p.store.list<RunRequest>(p.store.keys.runs(p.app));

beforeAll(async () => {
  p = await startRunPlatform('run', { console: 'echo this is the console' });
});

afterAll(async () => {
  await p?.close();
});

describe('paas run (piped)', () => {
  it('pipes stdin to the dyno and its output back: echo hello | paas run cat', async () => {
    const r = await paas(['run', '-a', p.app, 'cat'], 'hello\n');
    expect(r.stdout).toBe('hello\n');
    expect(r.stderr).toMatch(new RegExp(`^Running cat on ${p.app}\\.\\.\\. up, run\\.\\d{4}\\n$`));
    expect(r.code).toBe(0);
  });

  it("exits with the remote command's exit code, keeps stdout and stderr apart", async () => {
    const r = await paas(['run', '-a', p.app, '--', 'sh', '-c', 'echo out; echo err >&2; exit 7']);
    expect(r.code).toBe(7);
    expect(r.stdout).toBe('out\n');
    expect(r.stderr).toContain('err\n');
  });

  it('passes --env and DYNO, runs the Procfile console, and the dyno is gone after it exits', async () => {
    const r = await paas([
      'run',
      '-a',
      p.app,
      '-e',
      'GREETING=hi there;X=1',
      '--',
      'sh',
      '-c',
      'echo "$GREETING $X $DYNO"; test -t 0 || echo notty',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^hi there 1 run\.\d{4}\nnotty\n$/);
    const c = await paas(['run', '-a', p.app, 'console']);
    expect(c.stdout).toBe('this is the console\n');
    await waitFor(
      'run requests and containers gone',
      async () => ((await runs()).length === 0 && (await containersOf(p.cluster)).length === 0 ? true : undefined),
      20_000,
    );
  });

  it('sends stdin EOF: a remote reader sees the end of input', async () => {
    const r = await paas(['run', '-a', p.app, '--', 'sh', '-c', 'wc -l; echo done'], 'a\nb\nc\n');
    expect(r.stdout).toBe('3\ndone\n');
    expect(r.code).toBe(0);
  });

  it('--detach: prints the dyno name; ps lists it while it runs; its output is in the logs; ps:stop ends it', async () => {
    const d = await paas(['run', '-a', p.app, '--detach', '--', 'sh', '-c', 'echo detached-output; sleep 100']);
    expect(d.code).toBe(0);
    const name = /up, (run\.\d{4})/.exec(d.stderr)?.[1] as string;
    expect(name).toBeTruthy();
    await waitFor(
      'ps shows it up',
      async () => {
        const ps = await paas(['ps', '-a', p.app]);
        return new RegExp(
          `=== run: one-off processes \\(1\\)\\n${name.replace('.', '\\.')} \\(standard-1x\\): up .*: sh -c`,
        ).test(ps.stdout)
          ? true
          : undefined;
      },
      30_000,
    );
    await waitFor(
      'output in the logs',
      async () =>
        (await paas(['logs', '-a', p.app, '-n', '50'])).stdout.includes(`app[${name}]: detached-output`)
          ? true
          : undefined,
      30_000,
    );
    const s = await paas(['ps:stop', name, '-a', p.app]);
    expect(s.stdout).toBe(`Stopping ${name} dyno on ${p.app}... done\n`);
    await waitFor(
      'its container removed',
      async () => ((await containersOf(p.cluster)).length === 0 ? true : undefined),
      30_000,
    );
    expect(await runs()).toEqual([]);
    expect((await paas(['ps:stop', name, '-a', p.app])).code).toBe(1);
  });

  it('Ctrl-C without a terminal (SIGINT): stops the dyno and exits 130', async () => {
    const child = spawn(process.execPath, [CLI, 'run', '-a', p.app, '--', 'sh', '-c', 'echo started; sleep 100'], {
      env: { ...process.env, ...p.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const code = new Promise<number | null>((resolve) => child.on('close', resolve));
    await waitFor('the remote output', async () => (out.includes('started') ? true : undefined), 30_000);
    const sent = Date.now();
    child.kill('SIGINT');
    expect(await code).toBe(130);
    expect(Date.now() - sent).toBeLessThan(5_000);
    await waitFor(
      'its run request and container gone',
      async () => ((await runs()).length === 0 && (await containersOf(p.cluster)).length === 0 ? true : undefined),
      30_000,
    );
  });

  it('ends an attached run within seconds of its user losing access to the app (access:remove), and stops the dyno', async () => {
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(p.url + path, {
        method,
        headers: { authorization: `Bearer ${p.token}`, 'content-type': 'application/json' },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      expect(res.ok).toBe(true);
      return (await res.json()) as { token?: string };
    };
    const dev = (await call('POST', '/users', { email: 'runner@example.com' })).token as string;
    await call('POST', `/apps/${p.app}/collaborators`, { user: 'runner@example.com' });
    const child = spawn(process.execPath, [CLI, 'run', '-a', p.app, '--', 'sh', '-c', 'echo started; sleep 100'], {
      env: { ...process.env, ...p.env, PAAS_TOKEN: dev },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const code = new Promise<number | null>((resolve) => child.on('close', resolve));
    await waitFor('the remote output', async () => (out.includes('started') ? true : undefined), 30_000);
    const removed = Date.now();
    await call('DELETE', `/apps/${p.app}/collaborators/runner@example.com`);
    expect(await code).toBe(1);
    expect(Date.now() - removed).toBeLessThan(5_000);
    expect(err).toContain('access to the app ended');
    await waitFor(
      'its run request and container gone',
      async () => ((await runs()).length === 0 && (await containersOf(p.cluster)).length === 0 ? true : undefined),
      30_000,
    );
  });

  it('stops a one-off when its time to live has passed', async () => {
    const res = await fetch(`${p.url}/apps/${p.app}/dynos`, {
      method: 'POST',
      headers: { authorization: `Bearer ${p.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ command: 'sleep 100', time_to_live: 3 }),
    });
    expect(res.status).toBe(201);
    const dyno = (await res.json()) as { name: string; attach_url: string | null; state: string };
    expect(dyno).toMatchObject({ attach_url: null, state: 'starting' });
    await waitFor(
      'it runs',
      async () => ((await containersOf(p.cluster)).some((c) => c.State === 'running') ? true : undefined),
      30_000,
    );
    const started = Date.now();
    await waitFor(
      'removed after its TTL',
      async () => ((await containersOf(p.cluster)).length === 0 && (await runs()).length === 0 ? true : undefined),
      30_000,
    );
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(await p.store.list<Assignment>(p.store.keys.assignments())).toEqual([]);
  });

  it('refuses bad requests with 422 and the API message', async () => {
    const post = (body: unknown) =>
      fetch(`${p.url}/apps/${p.app}/dynos`, {
        method: 'POST',
        headers: { authorization: `Bearer ${p.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    for (const body of [
      {},
      { command: ' ' },
      { command: 'x', size: 'huge' },
      { command: 'x', time_to_live: 0 },
      { command: 'x', time_to_live: 86_401 },
      { command: 'x', env: { PORT: '1' } },
    ])
      expect((await post(body)).status).toBe(422);
    const r = await paas(['run', '-a', p.app, '-s', 'huge', 'true']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Unknown size "huge"');
  });

  it('refuses an attach without the secret', async () => {
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${p.url.replace('http', 'ws')}/apps/${p.app}/dynos/run.1234/attach?token=nope`);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
      ws.on('error', () => undefined);
    });
    expect(status).toBe(404);
  });
});
