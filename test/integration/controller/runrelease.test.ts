import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReleaseStatusRecord, Route } from '../../../services/core/types.js';
import { newUser, startController, type Harness } from './harness.js';

// Which release `paas run` runs (POST /apps/:app/dynos): the latest, as on
// Heroku, so a one-off right after config:set sees the new value while the
// router still serves the previous release; the serving one when the latest
// failed. The real controller over the real etcd (no scheduler: the route is
// written by hand).

let h: Harness;
let alice: { id: string; token: string };

beforeAll(async () => {
  h = await startController('runrelease');
  alice = await newUser(h, 'alice@example.com');
  expect((await h.call('POST', '/apps', { token: alice.token, body: { name: 'shop' } })).status).toBe(201);
  const r = await h.call('POST', '/internal/apps/shop/releases', {
    token: h.internalToken,
    body: { image: 'paas/app-shop:x', processTypes: { web: 'npm start' }, commit: 'abcdef1', user: alice.id },
  });
  expect(r.status).toBe(201);
  const route: Route = {
    app: 'shop',
    dynos: [{ upstream: '127.0.0.1:1', dyno: 'web.1', host: 'h' }],
    release: 1,
    updatedAt: new Date().toISOString(),
  };
  await h.store.put(h.store.keys.route('shop'), route);
});
afterAll(async () => {
  await h?.close();
});

const run = async () => {
  const r = await h.call('POST', '/apps/shop/dynos', {
    token: alice.token,
    body: { command: 'echo $GREETING', attach: false },
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body as { release: { version: number } };
};

describe('the release a one-off runs', () => {
  it('is the latest right after config:set, though the router still serves the one before', async () => {
    expect(
      (await h.call('PATCH', '/apps/shop/config-vars', { token: alice.token, body: { GREETING: 'hi' } })).status,
    ).toBe(200);
    expect((await run()).release.version).toBe(2);
  });

  it('is the serving one when the latest failed', async () => {
    const failed: ReleaseStatusRecord = {
      app: 'shop',
      version: 2,
      status: 'failed',
      reason: 'web.1 crashed',
      at: new Date().toISOString(),
    };
    await h.store.put(h.store.keys.releaseStatus('shop', 2), failed);
    expect((await run()).release.version).toBe(1);
  });
});
