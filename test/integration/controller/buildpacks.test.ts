import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newUser, startController, type Harness } from './harness.js';

// Buildpack installations (Heroku's API), their place in /internal/apps/:app,
// bin/release's config_vars as defaults, rename and destroy, over the real etcd.

let h: Harness;
let alice: { id: string; token: string };
let bob: { id: string; token: string };

const put = (app: string, updates: unknown, token = alice.token) =>
  h.call('PUT', `/apps/${app}/buildpack-installations`, { token, body: { updates } });
const get = (app: string, token = alice.token) => h.call('GET', `/apps/${app}/buildpack-installations`, { token });

beforeAll(async () => {
  h = await startController('buildpacks');
  alice = await newUser(h, 'alice@example.com');
  bob = await newUser(h, 'bob@example.com');
  for (const name of ['bp-app', 'bp-cfg', 'bp-old'])
    expect((await h.call('POST', '/apps', { token: alice.token, body: { name } })).status).toBe(201);
});
afterAll(async () => {
  await h?.close();
});

describe('buildpack-installations', () => {
  it('starts empty, is replaced by PUT in order (aliases mapped to ours), and reaches the builder', async () => {
    expect(await get('bp-app')).toEqual({ status: 200, body: [] });
    const url = 'https://example.com/buildpacks/apt.tgz';
    const res = await put('bp-app', [
      { buildpack: url },
      { buildpack: 'heroku/nodejs' },
      { buildpack: 'https://git.example.com/bp.git#v2' },
    ]);
    expect(res.status).toBe(200);
    const want = [
      { ordinal: 0, buildpack: { url, name: url } },
      { ordinal: 1, buildpack: { url: 'nodejs', name: 'nodejs' } },
      {
        ordinal: 2,
        buildpack: { url: 'https://git.example.com/bp.git#v2', name: 'https://git.example.com/bp.git#v2' },
      },
    ];
    expect(res.body).toEqual(want);
    expect((await get('bp-app')).body).toEqual(want);
    const internal = await h.call('GET', '/internal/apps/bp-app', { token: h.internalToken });
    expect(internal.body.buildpacks).toEqual([url, 'nodejs', 'https://git.example.com/bp.git#v2']);
  });

  it('refuses invalid entries with 422, writing nothing', async () => {
    const before = (await get('bp-app')).body;
    const cases: Array<[unknown, string]> = [
      [[{ buildpack: 'ruby' }], 'Unknown buildpack "ruby"'],
      [[{ buildpack: 'file:///etc/bp.git' }], 'must use http, https (file:// is off on this platform)'],
      [[{ buildpack: 'ftp://example.com/bp.tgz' }], 'must use http, https'],
      [[{ buildpack: 'https://example.com/a b.git' }], 'contains a space, quote or shell character'],
      [[{ buildpack: 'https://example.com/x.git;rm -rf /' }], 'contains a space, quote or shell character'],
      [[{ buildpack: 'https://example.com/x.git#--upload-pack=evil' }], 'is not a valid git ref'],
      [[{ buildpack: 'nodejs' }, { buildpack: 'heroku/nodejs' }], 'listed twice'],
      [[{ url: 'nodejs' }], 'Each update must be'],
      ['nodejs', 'updates must be an array'],
    ];
    for (const [updates, message] of cases) {
      const res = await put('bp-app', updates);
      expect(res.status, JSON.stringify(updates)).toBe(422);
      expect(res.body.message).toContain(message);
    }
    expect((await get('bp-app')).body).toEqual(before);
  });

  it('clears with an empty list, and is hidden from users who cannot see the app', async () => {
    expect((await put('bp-app', [], bob.token)).status).toBe(404);
    expect((await get('bp-app', bob.token)).status).toBe(404);
    expect((await put('bp-app', [])).body).toEqual([]);
    expect(await h.store.get(h.store.keys.buildpacks('bp-app'))).toBeUndefined();
    expect((await h.call('GET', '/internal/apps/bp-app', { token: h.internalToken })).body.buildpacks).toEqual([]);
  });

  it('moves with a rename, and goes with a destroy', async () => {
    await put('bp-old', [{ buildpack: 'nodejs' }]);
    expect((await h.call('PATCH', '/apps/bp-old', { token: alice.token, body: { name: 'bp-new' } })).status).toBe(200);
    expect((await get('bp-new')).body).toEqual([{ ordinal: 0, buildpack: { url: 'nodejs', name: 'nodejs' } }]);
    expect(await h.store.get(h.store.keys.buildpacks('bp-old'))).toBeUndefined();
    expect((await h.call('DELETE', '/apps/bp-new', { token: alice.token })).status).toBe(200);
    expect(await h.store.get(h.store.keys.buildpacks('bp-new'))).toBeUndefined();
  });
});

describe("a build's configDefaults (bin/release config_vars)", () => {
  it('are added only for keys the app has not set, and are validated', async () => {
    expect(
      (await h.call('PATCH', '/apps/bp-cfg/config-vars', { token: alice.token, body: { GREETING: 'mine' } })).status,
    ).toBe(200);
    const res = await h.call('POST', '/internal/apps/bp-cfg/releases', {
      token: h.internalToken,
      body: {
        image: 'paas/app-bp-cfg:1',
        processTypes: { web: 'x' },
        configDefaults: { GREETING: 'theirs', LANG: 'en_US.UTF-8' },
      },
    });
    expect(res.status).toBe(201);
    expect((await h.call('GET', '/apps/bp-cfg/config-vars', { token: alice.token })).body).toEqual({
      GREETING: 'mine',
      LANG: 'en_US.UTF-8',
    });
    const bad = await h.call('POST', '/internal/apps/bp-cfg/releases', {
      token: h.internalToken,
      body: { image: 'paas/app-bp-cfg:2', processTypes: { web: 'x' }, configDefaults: { PORT: '1' } },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.message).toContain('PORT is set by the platform');
  });
});
