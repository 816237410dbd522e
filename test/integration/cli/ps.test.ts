import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RestartRecord } from '../../../services/core/restarts.js';
import type { Assignment, Formation } from '../../../services/core/types.js';
import { newUser, startController, type Harness } from '../controller/harness.js';
import { runBin, type BinResult } from '../../support/bin.js';
import { paasInProcess } from '../../support/cli.js';

// ps, ps:scale, ps:restart and ps:sizes against the real controller
// (in-process, real etcd), and ps:scale through the built binary.

let h: Harness;
let dev: { id: string; token: string };
const tmp = mkdtempSync(join(tmpdir(), 'paas-cli-ps-'));
const home = join(tmp, 'home');

async function paas(args: string[], token = dev.token): Promise<{ code: number; out: string; err: string }> {
  return paasInProcess(args, {
    env: { HOME: home, PAAS_CONFIG_DIR: join(tmp, 'config'), PAAS_API_URL: h.url, PAAS_TOKEN: token },
    cwd: tmp,
    home: home,
  });
}

const formation = () => h.store.get<Formation>(h.store.keys.formation('psapp'));

beforeAll(async () => {
  h = await startController('cli-ps');
  mkdirSync(home, { recursive: true });
  dev = await newUser(h, 'dev@example.com');
  expect((await h.call('POST', '/apps', { token: dev.token, body: { name: 'psapp' } })).status).toBe(201);
  const r = await h.call('POST', '/internal/apps/psapp/releases', {
    token: h.internalToken,
    body: {
      image: 'paas/app-psapp:x',
      processTypes: { web: 'npm start', worker: 'node worker.js' },
      commit: 'abcdef1',
      user: dev.id,
    },
  });
  expect(r.status).toBe(201);
});
afterAll(async () => {
  await h?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('paas ps:scale', () => {
  it('scales several types with sizes and prints the new formation', async () => {
    const res = await paas(['ps:scale', 'web=3', 'worker=1:standard-2x', '-a', 'psapp']);
    expect(res).toEqual({
      code: 0,
      out: 'Scaling dynos... done, now running web at 3:standard-1x, worker at 1:standard-2x',
      err: '',
    });
    expect(await formation()).toEqual({
      web: { quantity: 3, size: 'standard-1x' },
      worker: { quantity: 1, size: 'standard-2x' },
    });
  });

  it('changes relatively with the alias scale, and shows the formation without arguments', async () => {
    expect((await paas(['scale', 'web-1', 'worker+2', '-a', 'psapp'])).out).toBe(
      'Scaling dynos... done, now running web at 2:standard-1x, worker at 3:standard-2x',
    );
    expect(await paas(['ps:scale', '-a', 'psapp'])).toMatchObject({
      code: 0,
      out: 'web=2:standard-1x worker=3:standard-2x',
    });
    const json = await paas(['ps:scale', 'web=eco', '-a', 'psapp', '--json']);
    expect(JSON.parse(json.out)).toEqual([{ type: 'web', quantity: 2, size: 'eco' }]);
  });

  it("prints the API's message and exits 1, changing nothing", async () => {
    const before = await formation();
    expect(await paas(['ps:scale', 'web=1', 'clock=1', '-a', 'psapp'])).toEqual({
      code: 1,
      out: '',
      err: 'paas: No such process type clock defined in Procfile.',
    });
    expect((await paas(['ps:scale', 'web=101', '-a', 'psapp'])).err).toBe(
      'paas: Quantity must be a whole number from 0 to 100, got 101',
    );
    expect((await paas(['ps:scale', 'web=huge', '-a', 'psapp'])).err).toMatch(/^paas: Unknown size "huge"/);
    expect(await paas(['ps:scale', 'web=x=1', '-a', 'psapp'])).toMatchObject({
      code: 1,
      err: expect.stringMatching(/^paas: Invalid argument "web=x=1"/),
    });
    expect(await paas(['ps:scale', 'web=1', '-a', 'psapp'], h.adminToken.slice(0, 10))).toMatchObject({ code: 1 });
    const stranger = await newUser(h, 'stranger@example.com');
    expect(await paas(['ps:scale', 'web=1', '-a', 'psapp'], stranger.token)).toEqual({
      code: 1,
      out: '',
      err: "paas: Couldn't find that app.",
    });
    expect(await formation()).toEqual(before);
  });
});

describe('paas ps and ps:restart', () => {
  it('lists the dynos as Heroku does, and as JSON', async () => {
    const now = new Date(Date.now() - 3 * 60_000).toISOString();
    const a: Assignment = {
      id: 'psapp.web.1.v1',
      host: 'h1',
      app: 'psapp',
      release: 1,
      type: 'web',
      index: 1,
      image: 'x',
      command: 'npm start',
      env: {},
      port: 5000,
      memoryMb: 512,
      cpuShares: 1024,
      createdAt: now,
    };
    await h.store.put(h.store.keys.assignment('h1', a.id), a);
    await h.store.put(h.store.keys.instance('psapp', a.id), {
      id: a.id,
      host: 'h1',
      app: 'psapp',
      release: 1,
      type: 'web',
      state: 'up',
      containerId: 'c',
      address: '127.0.0.1',
      port: 1,
      updatedAt: now,
    });
    const res = await paas(['ps', '-a', 'psapp']);
    expect(res.code).toBe(0);
    expect(res.out).toMatch(
      /^=== web \(standard-1x\): npm start \(1\)\nweb\.1: up \d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \(~ 3m ago\) v1 on h1$/,
    );
    const json = JSON.parse((await paas(['ps', '-a', 'psapp', '--json'])).out) as {
      name: string;
      type: string;
      state: string;
    }[];
    expect(json).toEqual([
      expect.objectContaining({ name: 'web.1', type: 'web', state: 'up', release: { version: 1 } }),
    ]);
  });

  it('shows a crashed dyno with its exit code and restarts', async () => {
    const now = new Date(Date.now() - 2 * 60_000).toISOString();
    const a: Assignment = {
      id: 'psapp.clock.1.v1',
      host: 'h1',
      app: 'psapp',
      release: 1,
      type: 'clock',
      index: 1,
      image: 'x',
      command: 'node clock.js',
      env: {},
      port: 5000,
      memoryMb: 512,
      cpuShares: 1024,
      createdAt: now,
    };
    await h.store.put(h.store.keys.assignment('h1', a.id), a);
    const inst = {
      id: a.id,
      host: 'h1',
      app: 'psapp',
      release: 1,
      type: 'clock',
      state: 'crashed',
      containerId: 'c',
      address: '127.0.0.1',
      port: 0,
      updatedAt: now,
      restarts: 3,
      exitCode: 1,
      lastExitAt: now,
      startedAt: now,
    };
    await h.store.put(h.store.keys.instance('psapp', a.id), inst);
    const res = await paas(['ps', '-a', 'psapp']);
    expect(res.out).toMatch(
      /^=== clock \(standard-1x\): node clock\.js \(1\)\nclock\.1: crashed \(exit 1, 3 restarts\) \d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \(~ 2m ago\)/,
    );
    const json = JSON.parse((await paas(['ps', '-a', 'psapp', '--json'])).out) as { name: string }[];
    expect(json.find((d) => d.name === 'clock.1')).toMatchObject({
      state: 'crashed',
      restarts: 3,
      exit_code: 1,
      started_at: now,
    });
    await h.store.delete(h.store.keys.assignment('h1', a.id));
    await h.store.delete(h.store.keys.instance('psapp', a.id));
  });

  it('restarts all, a type, a dyno; refuses an unknown one', async () => {
    expect(await paas(['ps:restart', '-a', 'psapp'])).toEqual({
      code: 0,
      out: 'Restarting dynos on psapp... done',
      err: '',
    });
    expect((await paas(['restart', 'worker', '-a', 'psapp'])).out).toBe('Restarting worker dynos on psapp... done');
    expect((await paas(['ps:restart', 'web.2', '-a', 'psapp'])).out).toBe('Restarting web.2 dyno on psapp... done');
    expect(await h.store.get<RestartRecord>(h.store.keys.restart('psapp'))).toEqual({
      generation: 3,
      all: 1,
      types: { worker: 2 },
      dynos: { 'web.2': 3 },
    });
    expect(await paas(['ps:restart', 'web.9', '-a', 'psapp'])).toEqual({
      code: 1,
      out: '',
      err: "paas: Couldn't find that dyno (web.9).",
    });
  });

  it('lists the sizes', async () => {
    const res = await paas(['ps:sizes']);
    expect(res.out.split('\n')[0]).toMatch(
      /^Name +Memory \(MB\) +CPU shares +Disk \(MB\) +Egress \(Mbit\/s\) +Ingress \(Mbit\/s\)$/,
    );
    expect(res.out).toMatch(/\nstandard-2x +1024 +2048 +4096 +400 +400\n/);
  });
});

describe('the built paas binary', () => {
  async function bin_(args: string[]): Promise<BinResult> {
    const env = {
      ...process.env,
      HOME: home,
      PAAS_CONFIG_DIR: join(tmp, 'bin-config'),
      PAAS_API_URL: h.url,
      PAAS_TOKEN: dev.token,
    };
    return runBin(args, env);
  }

  it('scales as a process, and exits 1 with the API message on a refusal', async () => {
    expect(await bin_(['ps:scale', 'web=1', 'worker=0', '-a', 'psapp'])).toEqual({
      status: 0,
      stdout: 'Scaling dynos... done, now running web at 1:eco, worker at 0:standard-2x\n',
      stderr: '',
    });
    expect(await bin_(['ps:scale', 'web=-1', '-a', 'psapp'])).toMatchObject({
      status: 1,
      stdout: '',
      stderr: expect.stringMatching(/^paas: Invalid argument "web=-1"/),
    });
    expect(await bin_(['ps:scale', 'web=2.5:eco', '-a', 'psapp'])).toMatchObject({ status: 1 });
    expect(await bin_(['ps:scale', 'worker=100', 'web=101', '-a', 'psapp'])).toEqual({
      status: 1,
      stdout: '',
      stderr: 'paas: Quantity must be a whole number from 0 to 100, got 101\n',
    });
    expect(await formation()).toEqual({
      web: { quantity: 1, size: 'eco' },
      worker: { quantity: 0, size: 'standard-2x' },
    });
  });
});
