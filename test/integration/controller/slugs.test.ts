import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App, Release } from '../../../services/core/types.js';
import { newUser, startController, type Harness } from './harness.js';

// A release from an existing build (POST /apps/:app/releases {slug}): the
// slug id <app>/v<N> or a build id, another app's or the same app's; the
// access rules (a source the caller may not see is the same 404 as a missing
// one), bad bodies, and nothing written on a refusal. Real controller, real
// etcd.

let h: Harness;
let alice: { id: string; token: string };
let bob: { id: string; token: string };
let carol: { id: string; token: string };
const SHA = 'c0ffee'.padEnd(40, '0');
const BUILD = '20260301-101010-abcdef';

async function createApp(name: string, token = alice.token): Promise<void> {
  const res = await h.call('POST', '/apps', { token, body: { name } });
  if (res.status !== 201) throw new Error(`POST /apps: ${res.status} ${JSON.stringify(res.body)}`);
}

/** A build's release, as the builder makes it. */
async function deploy(app: string, image: string, extra: Record<string, unknown> = {}): Promise<number> {
  const res = await h.call('POST', `/internal/apps/${app}/releases`, {
    token: h.internalToken,
    body: { image, processTypes: { web: 'npm start' }, user: alice.id, ...extra },
  });
  if (res.status !== 201) throw new Error(`build release: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.release.version as number;
}

const releaseOf = (app: string, v: number) => h.store.get<Release>(h.store.keys.release(app, v));
const create = (app: string, body: unknown, token = alice.token) =>
  h.call('POST', `/apps/${app}/releases`, { token, body });

/** The app record and every release: what a refusal must leave alone. */
async function stateOf(app: string): Promise<{ app: App | undefined; releases: Release[] }> {
  return { app: await h.store.get<App>(h.store.keys.app(app)), releases: await h.store.listReleases(app) };
}

beforeAll(async () => {
  h = await startController('slugs');
  alice = await newUser(h, 'alice@example.com');
  bob = await newUser(h, 'bob@example.com');
  carol = await newUser(h, 'carol@example.com');
  for (const app of ['src', 'dst']) await createApp(app);
  await createApp('bobs', bob.token);
  // carol may change dst, not src
  expect(
    (await h.call('POST', '/apps/dst/collaborators', { token: alice.token, body: { user: 'carol@example.com' } }))
      .status,
  ).toBe(201);

  // src v1: a build with two process types, a health check, a commit and its build record
  const build = { id: BUILD, commit: SHA, user: { id: alice.id, email: 'alice@example.com' } };
  expect((await h.call('POST', '/internal/apps/src/builds', { token: h.internalToken, body: build })).status).toBe(201);
  await deploy('src', 'paas/app-src:b1', {
    processTypes: { web: 'node server.js', worker: 'node worker.js' },
    healthcheck: { path: '/health', attempts: 3 },
    commit: SHA,
    buildId: BUILD,
    configDefaults: { FROM_SRC: '1' },
  });
  const patched = await h.call('PATCH', `/internal/apps/src/builds/${BUILD}`, {
    token: h.internalToken,
    body: { status: 'succeeded', release: 1 },
  });
  expect(patched.status).toBe(200);
  // dst v1: its own config, no build yet
  expect((await h.call('PATCH', '/apps/dst/config-vars', { token: alice.token, body: { STAGE: 'prod' } })).status).toBe(
    200,
  );
});
afterAll(async () => {
  await h?.close();
});

describe('the slug id', () => {
  it('is <app>/v<N> in releases:info and in the build that made it', async () => {
    expect((await h.call('GET', '/apps/src/releases/1', { token: alice.token })).body.slug).toEqual({ id: 'src/v1' });
    expect((await h.call('GET', '/apps/dst/releases/1', { token: alice.token })).body.slug).toBeNull();
    expect((await h.call('GET', `/apps/src/builds/${BUILD}`, { token: alice.token })).body.slug).toEqual({
      id: 'src/v1',
    });
  });
});

describe('POST /apps/:app/releases {slug}', () => {
  it("makes a release of the target with the source's image, process types and health check and its own config", async () => {
    const res = await create('dst', { slug: 'src/v1' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      version: 2,
      description: 'Deploy src/v1',
      commit: SHA,
      current: true,
      status: 'pending',
      slug: { id: 'dst/v2' },
      user: { id: alice.id, email: 'alice@example.com' },
    });
    expect(await releaseOf('dst', 2)).toEqual({
      app: 'dst',
      version: 2,
      image: 'paas/app-src:b1',
      config: { STAGE: 'prod' },
      processTypes: { web: 'node server.js', worker: 'node worker.js' },
      healthcheck: { path: '/health', attempts: 3 },
      description: 'Deploy src/v1',
      commit: SHA,
      buildId: BUILD,
      createdBy: alice.id,
      createdAt: expect.any(String),
    });
    expect((await h.call('GET', '/apps/dst', { token: alice.token })).body.release).toEqual({ version: 2 });
  });

  it("takes a build id, the target's own or another app's, and the same app's slug", async () => {
    const byBuild = await create('dst', { slug: BUILD });
    expect(byBuild.status).toBe(201);
    expect(byBuild.body).toMatchObject({ version: 3, description: 'Deploy src/v1' });
    expect((await releaseOf('dst', 3))?.image).toBe('paas/app-src:b1');
    // the slug of a release made by a deploy names the same image
    const again = await create('src', { slug: 'dst/v3' });
    expect(again.status).toBe(201);
    expect(await releaseOf('src', 2)).toMatchObject({ image: 'paas/app-src:b1', config: { FROM_SRC: '1' } });
    const own = await create('src', { slug: 'src/v1' });
    expect(own.body).toMatchObject({ version: 3, description: 'Deploy src/v1' });
  });

  it('keeps the rollback: {release} as before', async () => {
    const res = await create('dst', { release: 2 });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ version: 4, description: 'Rollback to v2' });
  });

  it('answers a source the caller may not see exactly as a missing one, and writes nothing', async () => {
    const before = await stateOf('bobs');
    const hidden = await create('bobs', { slug: 'src/v1' }, bob.token);
    const missing = await create('bobs', { slug: 'nosuch/v1' }, bob.token);
    expect(hidden.status).toBe(404);
    expect(hidden.body).toEqual({ id: 'not_found', message: "Couldn't find that slug: src/v1." });
    expect(missing.body).toEqual({ id: 'not_found', message: "Couldn't find that slug: nosuch/v1." });
    // a build id of an app bob cannot see is as unknown as one that never was
    const hiddenBuild = await create('bobs', { slug: BUILD }, bob.token);
    const unknownBuild = await create('bobs', { slug: '20990101-000000-000000' }, bob.token);
    expect(hiddenBuild.status).toBe(404);
    expect(hiddenBuild.body.message).toBe(`Couldn't find that slug: ${BUILD}.`);
    expect(unknownBuild.body.message).toBe("Couldn't find that slug: 20990101-000000-000000.");
    expect(await stateOf('bobs')).toEqual(before);

    // carol may change dst but not see src: the same 404
    const dst = await stateOf('dst');
    const res = await create('dst', { slug: 'src/v1' }, carol.token);
    expect(res.status).toBe(404);
    expect(res.body.message).toBe("Couldn't find that slug: src/v1.");
    expect(await stateOf('dst')).toEqual(dst);
    // and the target must be one the caller sees
    expect((await create('dst', { slug: 'bobs/v1' }, bob.token)).body).toEqual({
      id: 'not_found',
      message: "Couldn't find that app.",
    });
  });

  it('refuses bad bodies and slugs with 422 or 404 and a clear message, writing nothing', async () => {
    const failed = '20260301-111111-aaaaaa';
    const build = { id: failed, commit: SHA, user: { id: alice.id, email: 'alice@example.com' } };
    expect((await h.call('POST', '/internal/apps/src/builds', { token: h.internalToken, body: build })).status).toBe(
      201,
    );
    await h.call('PATCH', `/internal/apps/src/builds/${failed}`, {
      token: h.internalToken,
      body: { status: 'failed' },
    });

    const before = await stateOf('dst');
    const cases: [unknown, number, string | RegExp][] = [
      [
        { release: 1, slug: 'src/v1' },
        422,
        'Give either "release" (a rollback) or "slug" (a deploy of a build), not both',
      ],
      [{}, 422, /^Give "release" to roll back to \(12, "v12"\) or "slug" to deploy/],
      [{ slug: 42 }, 422, /^Not a slug: 42; give a slug id such as "my-app\/v12"/],
      [{ slug: 'src/v0' }, 422, /^Not a slug: "src\/v0"/],
      [{ slug: '../x' }, 422, /^Not a slug/],
      [{ slug: 'src/v99' }, 404, "Couldn't find that slug: src/v99."],
      [{ slug: 'dst/v1' }, 422, "dst/v1 has no build (a config-only release made before its app's first deploy)"],
      [{ slug: failed }, 422, `Build ${failed} of src made no release (it is failed)`],
    ];
    for (const [body, status, message] of cases) {
      const res = await create('dst', body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      if (typeof message === 'string') expect(res.body.message).toBe(message);
      else expect(res.body.message).toMatch(message);
    }
    expect(await stateOf('dst')).toEqual(before);
  });

  it("refuses a slug whose build the platform no longer keeps (older than its app's last 5 distinct images)", async () => {
    await createApp('old');
    for (let b = 1; b <= 6; b++) await deploy('old', `paas/app-old:b${b}`);
    const res = await create('dst', { slug: 'old/v1' });
    expect(res.status).toBe(422);
    expect(res.body.message).toBe(
      "old/v1's build has been cleaned up: the platform keeps the builds of the last 5 distinct releases of an app (PAAS_KEEP_RELEASE_IMAGES)",
    );
    expect((await create('dst', { slug: 'old/v2' })).status).toBe(201);
  });
});
