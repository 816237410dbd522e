import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RestartRecord } from '../../../services/core/restarts.js';
import type { Assignment, Formation, Instance } from '../../../services/core/types.js';
import { newUser, startController, type Harness } from './harness.js';

// Formation, dyno sizes, dynos and restarts through the real controller over
// the real etcd: scaling, every refusal (nothing written), the dynos from
// assignment and instance records, restart generations.

let h: Harness;
let alice: { id: string; token: string };
let bob: { id: string; token: string };

const formation = () => h.store.get<Formation>(h.store.keys.formation('shop'));
const revisionOf = async (key: string) => (await h.store.etcd.get(key).exec()).kvs[0]?.mod_revision;
const as = (token: string) => ({
  get: (path: string) => h.call('GET', path, { token }),
  patch: (path: string, body: unknown) => h.call('PATCH', path, { token, body }),
  del: (path: string) => h.call('DELETE', path, { token }),
});

beforeAll(async () => {
  h = await startController('ps');
  alice = await newUser(h, 'alice@example.com');
  bob = await newUser(h, 'bob@example.com');
  expect((await h.call('POST', '/apps', { token: alice.token, body: { name: 'shop' } })).status).toBe(201);
});
afterAll(async () => {
  await h?.close();
});

async function push(processTypes: Record<string, string>): Promise<void> {
  const r = await h.call('POST', '/internal/apps/shop/releases', {
    token: h.internalToken,
    body: { image: 'paas/app-shop:x', processTypes, commit: 'abcdef1', user: alice.id },
  });
  expect(r.status).toBe(201);
}

describe('dyno sizes', () => {
  it('lists the size table', async () => {
    const r = await as(alice.token).get('/dyno-sizes');
    expect(r.status).toBe(200);
    expect(r.body).toContainEqual({
      name: 'standard-2x',
      memory_mb: 1024,
      cpu_shares: 2048,
      memory: 1,
      disk_mb: 4096,
      egress_mbit: 400,
      ingress_mbit: 400,
    });
    expect(r.body.map((s: { name: string }) => s.name)).toEqual([
      'eco',
      'basic',
      'standard-1x',
      'standard-2x',
      'performance-m',
    ]);
    expect((await h.call('GET', '/dyno-sizes')).status).toBe(401);
  });
});

describe('formation', () => {
  it('scales web before the first push, and refuses other types then', async () => {
    const r = await as(alice.token).patch('/apps/shop/formation/web', { quantity: 2 });
    expect(r).toEqual({ status: 200, body: { type: 'web', quantity: 2, size: 'standard-1x' } });
    expect(await formation()).toEqual({ web: { quantity: 2, size: 'standard-1x' } });
    const w = await as(alice.token).patch('/apps/shop/formation/worker', { quantity: 1 });
    expect(w).toEqual({
      status: 422,
      body: { id: 'invalid_params', message: 'No such process type worker defined in Procfile.' },
    });
  });

  it('scales up, down and resizes one type after a push; scaling makes no release', async () => {
    await push({ web: 'npm start', worker: 'node worker.js' });
    const before = (await h.store.getApp('shop')).latestRelease;
    expect((await as(alice.token).get('/apps/shop/formation/worker')).body).toEqual({
      type: 'worker',
      quantity: 0,
      size: 'standard-1x',
    });
    expect(
      (await as(alice.token).patch('/apps/shop/formation/worker', { quantity: 3, size: 'Standard-2X' })).body,
    ).toEqual({ type: 'worker', quantity: 3, size: 'standard-2x' });
    expect((await as(alice.token).patch('/apps/shop/formation/worker', { quantity: '-1' })).body).toEqual({
      type: 'worker',
      quantity: 2,
      size: 'standard-2x',
    });
    expect((await as(alice.token).patch('/apps/shop/formation/web', { quantity: 0 })).body).toEqual({
      type: 'web',
      quantity: 0,
      size: 'standard-1x',
    });
    expect(await formation()).toEqual({
      web: { quantity: 0, size: 'standard-1x' },
      worker: { quantity: 2, size: 'standard-2x' },
    });
    expect((await as(alice.token).get('/apps/shop/formation')).body).toEqual([
      { type: 'web', quantity: 0, size: 'standard-1x' },
      { type: 'worker', quantity: 2, size: 'standard-2x' },
    ]);
    expect((await h.store.getApp('shop')).latestRelease).toBe(before);
    expect((await as(alice.token).get('/apps/shop/formation/clock')).status).toBe(404);
  });

  it('applies a batch in one change and answers the updated entries', async () => {
    const r = await as(alice.token).patch('/apps/shop/formation', {
      updates: [
        { type: 'web', quantity: 3 },
        { type: 'worker', quantity: 1, size: 'eco' },
      ],
    });
    expect(r).toEqual({
      status: 200,
      body: [
        { type: 'web', quantity: 3, size: 'standard-1x' },
        { type: 'worker', quantity: 1, size: 'eco' },
      ],
    });
    expect(await formation()).toEqual({
      web: { quantity: 3, size: 'standard-1x' },
      worker: { quantity: 1, size: 'eco' },
    });
  });

  it.each([
    [
      'an unknown type',
      '/apps/shop/formation/clock',
      { quantity: 1 },
      /^No such process type clock defined in Procfile\.$/,
    ],
    [
      'a negative quantity',
      '/apps/shop/formation/web',
      { quantity: -1 },
      /^Quantity must be a whole number from 0 to 100/,
    ],
    ['101', '/apps/shop/formation/web', { quantity: 101 }, /from 0 to 100, got 101/],
    ['2.5', '/apps/shop/formation/web', { quantity: 2.5 }, /got 2\.5/],
    ['"three"', '/apps/shop/formation/web', { quantity: 'three' }, /got "three"/],
    ['a change below 0', '/apps/shop/formation/worker', { quantity: '-5' }, /worker would be at -4/],
    ['an unknown size', '/apps/shop/formation/web', { size: 'huge' }, /^Unknown size "huge"; sizes are eco, basic/],
    ['no change', '/apps/shop/formation/web', {}, /^Nothing to change for web/],
    ['a bad type name', '/apps/shop/formation/we%20b', { quantity: 1 }, /^Invalid process type "we b"/],
    [
      'a batch with one bad update',
      '/apps/shop/formation',
      {
        updates: [
          { type: 'web', quantity: 5 },
          { type: 'worker', quantity: 101 },
        ],
      },
      /got 101/,
    ],
    [
      'a batch with an unknown type',
      '/apps/shop/formation',
      {
        updates: [
          { type: 'web', quantity: 5 },
          { type: 'clock', quantity: 1 },
        ],
      },
      /No such process type clock/,
    ],
    ['an empty batch', '/apps/shop/formation', { updates: [] }, /at least one update/],
    ['a batch that is not a list', '/apps/shop/formation', { updates: { type: 'web' } }, /at least one update/],
  ])('refuses %s with 422 and writes nothing', async (_what, path, body, message) => {
    const rev = await revisionOf(h.store.keys.formation('shop'));
    const r = await as(alice.token).patch(path, body);
    expect(r.status).toBe(422);
    expect(r.body.id).toBe('invalid_params');
    expect(r.body.message).toMatch(message);
    expect(await revisionOf(h.store.keys.formation('shop'))).toBe(rev);
  });

  it('loses no update when many scale at once', async () => {
    await as(alice.token).patch('/apps/shop/formation/worker', { quantity: 0 });
    const results = await Promise.all(
      Array.from({ length: 20 }, () => as(alice.token).patch('/apps/shop/formation/worker', { quantity: '+1' })),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect((await formation())?.worker?.quantity).toBe(20);
    expect(results.map((r) => r.body.quantity).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
  });

  it('answers 404 to another user, for reads and writes, and writes nothing', async () => {
    const rev = await revisionOf(h.store.keys.formation('shop'));
    for (const r of [
      await as(bob.token).get('/apps/shop/formation/web'),
      await as(bob.token).patch('/apps/shop/formation/web', { quantity: 1 }),
      await as(bob.token).patch('/apps/shop/formation', { updates: [{ type: 'web', quantity: 1 }] }),
      await as(bob.token).get('/apps/shop/dynos'),
      await as(bob.token).del('/apps/shop/dynos'),
      await as(bob.token).del('/apps/shop/dynos/web'),
    ]) {
      expect(r).toEqual({ status: 404, body: { id: 'not_found', message: "Couldn't find that app." } });
    }
    expect(await revisionOf(h.store.keys.formation('shop'))).toBe(rev);
    expect(await h.store.get(h.store.keys.restart('shop'))).toBeUndefined();
    expect((await as(h.adminToken).patch('/apps/shop/formation/web', { quantity: 1 })).status).toBe(200);
  });
});

const assignment = (id: string, over: Partial<Assignment>): Assignment => ({
  id,
  host: 'h1',
  app: 'shop',
  release: 1,
  type: 'web',
  index: 1,
  image: 'paas/app-shop:x',
  command: 'npm start',
  env: {},
  port: 5000,
  memoryMb: 512,
  cpuShares: 1024,
  createdAt: '2026-01-01T00:00:00.000Z',
  ...over,
});
const instance = (a: Assignment, state: Instance['state']): Instance => ({
  id: a.id,
  host: a.host,
  app: a.app,
  release: a.release,
  type: a.type,
  state,
  containerId: 'c',
  address: '127.0.0.1',
  port: 40001,
  updatedAt: '2026-01-01T00:01:00.000Z',
});

describe('dynos', () => {
  it('lists the assigned containers with their reported state, newest per name, sorted by type then index', async () => {
    const web1old = assignment('shop.web.1.v1', {});
    const web1 = assignment('shop.web.1.v1.g1', { createdAt: '2026-01-01T00:05:00.000Z' });
    const web2 = assignment('shop.web.2.v1', { index: 2 });
    const web10 = assignment('shop.web.10.v1', { index: 10, host: 'h2' });
    const worker = assignment('shop.worker.1.v1', {
      type: 'worker',
      command: 'node worker.js',
      memoryMb: 256,
      cpuShares: 256,
    });
    const other = assignment('blog.web.1.v1', { app: 'blog' });
    for (const a of [web1old, web1, web2, web10, worker, other])
      await h.store.put(h.store.keys.assignment(a.host, a.id), a);
    await h.store.put(h.store.keys.instance('shop', web1old.id), instance(web1old, 'up'));
    await h.store.put(h.store.keys.instance('shop', web2.id), instance(web2, 'up'));
    await h.store.put(h.store.keys.instance('shop', worker.id), {
      ...instance(worker, 'crashed'),
      restarts: 3,
      exitCode: 1,
      lastExitAt: '2026-01-01T00:02:00.000Z',
      startedAt: '2026-01-01T00:01:59.000Z',
    });
    await h.store.put(h.store.keys.instance('shop', web10.id), { ...instance(web10, 'up'), host: 'elsewhere' });

    const r = await as(alice.token).get('/apps/shop/dynos');
    expect(r.status).toBe(200);
    expect(r.body.map((d: { name: string; state: string }) => `${d.name}:${d.state}`)).toEqual([
      'web.1:starting',
      'web.2:up',
      'web.10:starting',
      'worker.1:crashed',
    ]);
    expect(r.body[1]).toEqual({
      id: 'shop.web.2.v1',
      name: 'web.2',
      type: 'web',
      state: 'up',
      release: { version: 1 },
      size: 'standard-1x',
      command: 'npm start',
      host: 'h1',
      created_at: '2026-01-01T00:00:00.000Z',
      updated_at: '2026-01-01T00:01:00.000Z',
      restarts: 0,
      exit_code: null,
      started_at: null,
    });
    expect(r.body[3]).toMatchObject({
      size: 'eco',
      command: 'node worker.js',
      restarts: 3,
      exit_code: 1,
      started_at: '2026-01-01T00:01:59.000Z',
    });
    expect((await as(alice.token).get('/apps/shop/dynos/worker.1')).body).toMatchObject({
      name: 'worker.1',
      state: 'crashed',
    });
    expect((await as(alice.token).get('/apps/shop/dynos/web.3')).status).toBe(404);
  });
});

describe('restart', () => {
  const restart = () => h.store.get<RestartRecord>(h.store.keys.restart('shop'));

  it('bumps the generation for all, for a type, for one dyno', async () => {
    expect(await as(alice.token).del('/apps/shop/dynos')).toEqual({
      status: 202,
      body: { target: 'all', generation: 1 },
    });
    expect(await restart()).toEqual({ generation: 1, all: 1, types: {}, dynos: {} });
    expect(await as(alice.token).del('/apps/shop/dynos/worker')).toEqual({
      status: 202,
      body: { target: 'worker', generation: 2 },
    });
    expect(await as(alice.token).del('/apps/shop/dynos/web.1')).toEqual({
      status: 202,
      body: { target: 'web.1', generation: 3 },
    });
    expect(await restart()).toEqual({ generation: 3, all: 1, types: { worker: 2 }, dynos: { 'web.1': 3 } });
  });

  it('refuses unknown types, dynos beyond the quantity and bad names, writing nothing', async () => {
    const rev = await revisionOf(h.store.keys.restart('shop'));
    expect(await as(alice.token).del('/apps/shop/dynos/clock')).toEqual({
      status: 404,
      body: { id: 'not_found', message: "Couldn't find that process type (clock)." },
    });
    expect((await as(alice.token).del('/apps/shop/dynos/web.99')).status).toBe(404);
    expect((await as(alice.token).del('/apps/shop/dynos/web.0')).status).toBe(422);
    expect((await as(alice.token).del('/apps/shop/dynos/web.1.2')).status).toBe(422);
    expect(await revisionOf(h.store.keys.restart('shop'))).toBe(rev);
  });

  it('counts every one of many concurrent restarts', async () => {
    const before = (await restart())?.generation ?? 0;
    const rs = await Promise.all(Array.from({ length: 10 }, () => as(alice.token).del('/apps/shop/dynos')));
    expect(rs.map((r) => r.body.generation).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 10 }, (_, i) => before + i + 1),
    );
  });
});
