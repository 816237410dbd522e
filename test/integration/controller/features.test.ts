import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../services/core/types.js';
import { startController, type Harness } from './harness.js';

// App features through the real controller over the real etcd.

let h: Harness;
beforeAll(async () => {
  h = await startController('features');
  expect((await h.call('POST', '/apps', { token: h.adminToken, body: { name: 'shop' } })).status).toBe(201);
});
afterAll(() => h?.close());

describe('features API', () => {
  it('lists, enables and disables redirect-https on the app record; refuses unknown names and bad bodies', async () => {
    const token = h.adminToken;
    expect((await h.call('GET', '/apps/shop/features', { token })).body).toMatchObject([
      { name: 'redirect-https', enabled: false },
    ]);
    const on = await h.call('PATCH', '/apps/shop/features/redirect-https', { token, body: { enabled: true } });
    expect([on.status, on.body.enabled]).toEqual([200, true]);
    expect((await h.store.get<App>(h.store.keys.app('shop')))?.features).toEqual(['redirect-https']);
    expect((await h.call('PATCH', '/apps/shop/features/nope', { token, body: { enabled: true } })).status).toBe(404);
    expect(
      (await h.call('PATCH', '/apps/shop/features/redirect-https', { token, body: { enabled: 'yes' } })).status,
    ).toBe(422);
    const off = await h.call('PATCH', '/apps/shop/features/redirect-https', { token, body: { enabled: false } });
    expect(off.body.enabled).toBe(false);
    expect((await h.store.get<App>(h.store.keys.app('shop')))?.features).toBeUndefined();
  });
});
