import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App, Release } from '../../../services/core/types.js';
import { newUser, startController, type Harness } from './harness.js';

// Config vars, releases:info and rollback over the real etcd.

let h: Harness;
let alice: { id: string; token: string };
let bob: { id: string; token: string };

async function createApp(name: string, token = alice.token): Promise<void> {
  const res = await h.call('POST', '/apps', { token, body: { name } });
  if (res.status !== 201) throw new Error(`POST /apps: ${res.status} ${JSON.stringify(res.body)}`);
}

/** A build's release, as the builder makes it. */
async function deploy(app: string, image: string, commit: string): Promise<number> {
  const res = await h.call('POST', `/internal/apps/${app}/releases`, {
    token: h.internalToken,
    body: { image, processTypes: { web: 'npm start' }, commit, user: alice.id },
  });
  if (res.status !== 201) throw new Error(`build release: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.release.version as number;
}

/** The raw PATCH, with the release-version header. */
async function patch(
  app: string,
  body: unknown,
  token = alice.token,
): Promise<{ status: number; body: any; version: string | null }> {
  const res = await fetch(`${h.url}/apps/${app}/config-vars`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json(), version: res.headers.get('paas-release-version') };
}

/** Every key under the prefix's releases and the app record: what a refusal must leave alone. */
async function stateOf(app: string): Promise<{ latest: number; releases: Release[] }> {
  const rec = await h.store.get<App>(h.store.keys.app(app));
  return { latest: rec?.latestRelease ?? -1, releases: await h.store.listReleases(app) };
}

beforeAll(async () => {
  h = await startController('config-vars');
  alice = await newUser(h, 'alice@example.com');
  bob = await newUser(h, 'bob@example.com');
  await createApp('cfg-app');
});
afterAll(async () => {
  await h?.close();
});

describe('config vars', () => {
  it('is {} for an app without releases', async () => {
    expect(await h.call('GET', '/apps/cfg-app/config-vars', { token: alice.token })).toEqual({ status: 200, body: {} });
  });

  it('sets vars before any build in a config-only release with no image', async () => {
    const res = await patch('cfg-app', { FOO: 'bar', URL: 'a=b' });
    expect(res).toEqual({ status: 200, body: { FOO: 'bar', URL: 'a=b' }, version: '1' });
    const v1 = await h.store.get<Release>(h.store.keys.release('cfg-app', 1));
    expect(v1).toMatchObject({
      version: 1,
      image: '',
      config: { FOO: 'bar', URL: 'a=b' },
      processTypes: {},
      description: 'Set FOO, URL config vars',
      createdBy: alice.id,
    });
  });

  it('carries config into a build release, and the build image into the next config release', async () => {
    expect(await deploy('cfg-app', 'paas/app-cfg-app:b1', 'aaaaaaa')).toBe(2);
    const res = await patch('cfg-app', { FOO: 'baz', URL: null });
    expect(res).toEqual({ status: 200, body: { FOO: 'baz' }, version: '3' });
    const v3 = await h.store.get<Release>(h.store.keys.release('cfg-app', 3));
    expect(v3).toMatchObject({
      image: 'paas/app-cfg-app:b1',
      processTypes: { web: 'npm start' },
      commit: 'aaaaaaa',
      config: { FOO: 'baz' },
      description: 'Set FOO config var and remove URL config var',
    });
    expect(await h.call('GET', '/apps/cfg-app/config-vars', { token: alice.token })).toEqual({
      status: 200,
      body: { FOO: 'baz' },
    });
    const unset = await patch('cfg-app', { FOO: null, NEW: 'x' });
    expect(unset).toMatchObject({ status: 200, body: { NEW: 'x' }, version: '4' });
    expect((await h.store.get<Release>(h.store.keys.release('cfg-app', 4)))?.description).toBe(
      'Set NEW config var and remove FOO config var',
    );
    const removeOnly = await patch('cfg-app', { NEW: null });
    expect(removeOnly).toMatchObject({ status: 200, body: {}, version: '5' });
    expect((await h.store.get<Release>(h.store.keys.release('cfg-app', 5)))?.description).toBe('Remove NEW config var');
  });

  it('refuses bad input with 422 naming the problem, and writes nothing', async () => {
    await patch('cfg-app', { KEEP: 'me' });
    const before = await stateOf('cfg-app');
    const half = 'x'.repeat(30 * 1024);
    const cases: [unknown, RegExp][] = [
      [{ 'BAD-KEY': 'x' }, /^Invalid config var name "BAD-KEY"/],
      [{ OK: 'x', '1X': 'y' }, /^Invalid config var name "1X"/],
      [{ PORT: '80' }, /^PORT is set by the platform/],
      [{ DYNO: 'web.1' }, /^DYNO is set by the platform/],
      [{ PAAS_INTERNAL_TOKEN: 'x' }, /^PAAS_INTERNAL_TOKEN: names starting with PAAS_ are reserved/],
      [{ BIG: 'x'.repeat(32 * 1024 + 1) }, /^The value of BIG is 32769 bytes; the limit is 32768/],
      [{ A: half, B: half, C: half }, /^The config would be \d+ bytes; the limit is 65536/],
      [{ N: 5 }, /^The value of N must be a string/],
      [{ N: { nested: 'x' } }, /^The value of N must be a string/],
      [{}, /^No config vars given/],
      [{ KEEP: 'me' }, /^No config vars changed: KEEP already as requested/],
      [{ ABSENT: null }, /^No config vars changed/],
    ];
    for (const [body, message] of cases) {
      const res = await patch('cfg-app', body);
      expect(res.status, JSON.stringify(body).slice(0, 60)).toBe(422);
      expect(res.body.id).toBe('invalid_params');
      expect(res.body.message).toMatch(message);
      expect(res.version).toBeNull();
    }
    const notObject = await h.call('PATCH', '/apps/cfg-app/config-vars', { token: alice.token, raw: '["FOO"]' });
    expect(notObject).toMatchObject({ status: 400, body: { id: 'bad_request' } });
    expect(await stateOf('cfg-app')).toEqual(before);
  });

  it('refuses a total over 64 KiB reached across changes', async () => {
    await createApp('cfg-total');
    const v = 'y'.repeat(32 * 1024 - 10);
    expect((await patch('cfg-total', { A: v })).status).toBe(200);
    expect((await patch('cfg-total', { B: v })).status).toBe(200);
    const before = await stateOf('cfg-total');
    const res = await patch('cfg-total', { C: 'z'.repeat(100) });
    expect(res).toMatchObject({
      status: 422,
      body: { id: 'invalid_params', message: expect.stringMatching(/limit is 65536 bytes/) },
    });
    expect(await stateOf('cfg-total')).toEqual(before);
    // shrinking a value makes room again
    expect((await patch('cfg-total', { A: null, C: 'z' })).status).toBe(200);
  });

  it('stores __proto__ as a plain var', async () => {
    await createApp('cfg-proto');
    const res = await h.call('PATCH', '/apps/cfg-proto/config-vars', {
      token: alice.token,
      raw: '{"__proto__": "x", "constructor": "y"}',
    });
    expect(res.status).toBe(200);
    const got = await h.call('GET', '/apps/cfg-proto/config-vars', { token: alice.token });
    expect(Object.keys(got.body)).toEqual(['__proto__', 'constructor']);
  });

  it('gives 20 concurrent changes unique, contiguous versions and loses none', async () => {
    await createApp('cfg-race');
    await deploy('cfg-race', 'paas/app-cfg-race:b1', 'bbbbbbb');
    const n = 20;
    const results = await Promise.all(Array.from({ length: n }, (_, i) => patch('cfg-race', { [`K${i}`]: `v${i}` })));
    expect(results.map((r) => r.status)).toEqual(Array(n).fill(200));
    const versions = results.map((r) => Number(r.version)).sort((a, b) => a - b);
    expect(versions).toEqual(Array.from({ length: n }, (_, i) => i + 2));
    const final = (await h.call('GET', '/apps/cfg-race/config-vars', { token: alice.token })).body as Record<
      string,
      string
    >;
    expect(final).toEqual(Object.fromEntries(Array.from({ length: n }, (_, i) => [`K${i}`, `v${i}`])));
    const releases = await h.store.listReleases('cfg-race');
    expect(releases.map((r) => r.version)).toEqual(Array.from({ length: n + 1 }, (_, i) => i + 1));
    // each release holds exactly one more key than the one before it: no change was built on a stale config
    for (let i = 1; i < releases.length; i++) {
      expect(Object.keys(releases[i]!.config)).toHaveLength(i);
      expect(releases[i]!.image).toBe('paas/app-cfg-race:b1');
    }
    expect((await h.store.get<App>(h.store.keys.app('cfg-race')))?.latestRelease).toBe(n + 1);
  });

  it('gives a stranger 404 for the config, the release and the rollback, and writes nothing', async () => {
    const before = await stateOf('cfg-app');
    for (const [method, path, body] of [
      ['GET', '/apps/cfg-app/config-vars', undefined],
      ['PATCH', '/apps/cfg-app/config-vars', { X: '1' }],
      ['GET', '/apps/cfg-app/releases/2', undefined],
      ['GET', '/apps/cfg-app/releases/2/config-vars', undefined],
      ['POST', '/apps/cfg-app/releases', { release: 2 }],
    ] as const) {
      const res = await h.call(method, path, { token: bob.token, body });
      expect(res, `${method} ${path}`).toMatchObject({
        status: 404,
        body: { id: 'not_found', message: "Couldn't find that app." },
      });
    }
    expect((await h.call('GET', '/apps/cfg-app/config-vars')).status).toBe(401);
    expect(await stateOf('cfg-app')).toEqual(before);
    // an admin may
    expect((await h.call('GET', '/apps/cfg-app/config-vars', { token: h.adminToken })).body).toMatchObject({
      KEEP: 'me',
    });
  });
});

describe('rollback and the builds the platform keeps', () => {
  it('refuses a release whose image is older than the last 5 distinct ones, and allows the 5th', async () => {
    await createApp('rb-old');
    for (let b = 1; b <= 7; b++) await deploy('rb-old', `paas/app-rb-old:b${b}`, String(b).repeat(7)); // v1..v7
    await patch('rb-old', { STAGE: 'x' }); // v8: config only, same image as v7
    const old = await h.call('POST', '/apps/rb-old/releases', { token: alice.token, body: { release: 2 } });
    expect(old.status).toBe(422);
    expect(old.body.message).toBe(
      "v2's build has been cleaned up: the platform keeps the builds of the last 5 distinct releases (PAAS_KEEP_RELEASE_IMAGES)",
    );
    expect((await stateOf('rb-old')).latest).toBe(8);
    const fifth = await h.call('POST', '/apps/rb-old/releases', { token: alice.token, body: { release: 3 } });
    expect(fifth.status).toBe(201);
  });
});

describe('releases:info and rollback', () => {
  beforeAll(async () => {
    await createApp('rb-app');
    await patch('rb-app', { STAGE: 'one' }); // v1: config only, no image
    await deploy('rb-app', 'paas/app-rb-app:b1', '1111111'); // v2
    await patch('rb-app', { STAGE: 'two' }); // v3
    await deploy('rb-app', 'paas/app-rb-app:b2', '2222222'); // v4
  });

  it('shows one release by number, vN or id', async () => {
    const res = await h.call('GET', '/apps/rb-app/releases/v2', { token: alice.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: 'rb-app-v2',
      version: 2,
      description: 'Deploy 1111111',
      commit: '1111111',
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      user: { id: alice.id, email: 'alice@example.com' },
      status: 'succeeded',
      failure: null,
      current: false,
      slug: { id: 'rb-app/v2' },
    });
    expect((await h.call('GET', '/apps/rb-app/releases/4', { token: alice.token })).body).toMatchObject({
      version: 4,
      current: true,
    });
    expect((await h.call('GET', '/apps/rb-app/releases/rb-app-v1', { token: alice.token })).body).toMatchObject({
      version: 1,
      slug: null,
      description: 'Set STAGE config var',
    });
    expect((await h.call('GET', '/apps/rb-app/releases/3/config-vars', { token: alice.token })).body).toEqual({
      STAGE: 'two',
    });
  });

  it('answers 404 for an unknown release and 422 for a malformed one', async () => {
    expect(await h.call('GET', '/apps/rb-app/releases/99', { token: alice.token })).toMatchObject({
      status: 404,
      body: { message: "Couldn't find release v99 of rb-app." },
    });
    expect((await h.call('GET', '/apps/rb-app/releases/latest', { token: alice.token })).status).toBe(422);
  });

  it('rolls back: a new release with the old image, config and process types', async () => {
    const res = await h.call('POST', '/apps/rb-app/releases', { token: alice.token, body: { release: 'v2' } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      version: 5,
      description: 'Rollback to v2',
      current: true,
      slug: { id: 'rb-app/v5' },
      commit: '1111111',
    });
    const v5 = await h.store.get<Release>(h.store.keys.release('rb-app', 5));
    expect(v5).toMatchObject({
      image: 'paas/app-rb-app:b1',
      config: { STAGE: 'one' },
      processTypes: { web: 'npm start' },
      createdBy: alice.id,
    });
    expect((await h.call('GET', '/apps/rb-app/config-vars', { token: alice.token })).body).toEqual({ STAGE: 'one' });
    expect((await h.call('GET', '/apps/rb-app', { token: alice.token })).body.release).toEqual({ version: 5 });
  });

  it('refuses a release with no build, the current one, an unknown one, and a malformed one; writes nothing', async () => {
    const before = await stateOf('rb-app');
    const cases: [unknown, number, RegExp][] = [
      [1, 422, /^v1 has no build to roll back to/],
      [5, 422, /^v5 is already the current release/],
      [42, 404, /^Couldn't find release v42 of rb-app\.$/],
      ['two', 422, /^Not a release: "two"/],
      [undefined, 422, /^Give "release" to roll back to/],
    ];
    for (const [release, status, message] of cases) {
      const res = await h.call('POST', '/apps/rb-app/releases', {
        token: alice.token,
        body: release === undefined ? {} : { release },
      });
      expect(res.status, String(release)).toBe(status);
      expect(res.body.message).toMatch(message);
    }
    expect(await stateOf('rb-app')).toEqual(before);
  });
});
