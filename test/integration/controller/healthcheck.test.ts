import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Release } from '../../../services/core/types.js';
import { newUser, startController, type Harness } from './harness.js';

// app.json's health check through the real controller over the real etcd:
// the builder's release carries it, config changes and rollbacks keep the
// one of the release they follow or copy, and a bad one is refused.

let h: Harness;
let alice: { id: string; token: string };

const release = (v: number) => h.store.get<Release>(h.store.keys.release('shop', v));
const build = (body: Record<string, unknown>) =>
  h.call('POST', '/internal/apps/shop/releases', {
    token: h.internalToken,
    body: { image: 'paas/app-shop:x', processTypes: { web: 'npm start' }, commit: 'abcdef1', user: alice.id, ...body },
  });

beforeAll(async () => {
  h = await startController('healthcheck');
  alice = await newUser(h, 'alice@example.com');
  expect((await h.call('POST', '/apps', { token: alice.token, body: { name: 'shop' } })).status).toBe(201);
});
afterAll(async () => {
  await h?.close();
});

describe('release health checks', () => {
  it('stores the build release health check, and config releases and rollbacks carry it', async () => {
    expect((await build({ healthcheck: { path: '/health', timeoutS: 3, attempts: 4 } })).status).toBe(201);
    expect((await release(1))?.healthcheck).toEqual({ path: '/health', timeoutS: 3, attempts: 4 });

    const set = await h.call('PATCH', '/apps/shop/config-vars', { token: alice.token, body: { A: '1' } });
    expect(set.status).toBe(200);
    expect((await release(2))?.healthcheck).toEqual({ path: '/health', timeoutS: 3, attempts: 4 });

    expect((await build({ image: 'paas/app-shop:y' })).status).toBe(201);
    expect((await release(3))?.healthcheck).toBeUndefined(); // a build without app.json checks drops it

    const back = await h.call('POST', '/apps/shop/releases', { token: alice.token, body: { release: 2 } });
    expect(back.status).toBe(201);
    expect((await release(4))?.healthcheck).toEqual({ path: '/health', timeoutS: 3, attempts: 4 });
  });

  it.each([
    [{ path: 'health' }, /path must start with "\/"/],
    [{ path: '/a b' }, /spaces or control characters/],
    [{ path: `/${'x'.repeat(1024)}` }, /longer than 1024/],
    [{ path: '/h', timeoutS: 0 }, /timeoutS must be an integer/],
    ['/health', /healthcheck must be an object/],
  ])('refuses %j with 422, writing nothing', async (healthcheck, message) => {
    const before = (await h.store.getApp('shop')).latestRelease;
    const r = await build({ healthcheck });
    expect(r.status).toBe(422);
    expect(r.body.message).toMatch(message);
    expect((await h.store.getApp('shop')).latestRelease).toBe(before);
  });
});
