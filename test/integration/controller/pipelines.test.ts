import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App, PipelineCoupling, Release, ReleaseStatusRecord } from '../../../services/core/types.js';
import { newUser, startController, type Harness } from './harness.js';

// Pipelines over the real controller and etcd: create (with a first app),
// add, info, list, promote (the running build to the next stage downstream,
// or --to), remove, destroy; who may do what (a stranger is told nothing
// exists, a user who cannot change every target changes nothing); an app's
// coupling moved by its rename and gone with its destroy.

let h: Harness;
let alice: { id: string; token: string }; // owns the pipeline and its apps
let bob: { id: string; token: string }; // a stranger
let dave: { id: string; token: string }; // collaborator on shop-stg only

const call = (method: string, path: string, body?: unknown, token = alice.token) =>
  h.call(method, path, { token, body });

async function createApp(name: string, token = alice.token): Promise<void> {
  const res = await call('POST', '/apps', { name }, token);
  if (res.status !== 201) throw new Error(`POST /apps: ${res.status} ${JSON.stringify(res.body)}`);
}

/** A build's release, as the builder makes it. */
async function deploy(app: string, image: string): Promise<number> {
  const res = await h.call('POST', `/internal/apps/${app}/releases`, {
    token: h.internalToken,
    body: {
      image,
      processTypes: { web: 'node server.js', worker: 'node worker.js' },
      commit: 'abcdef1',
      user: alice.id,
    },
  });
  if (res.status !== 201) throw new Error(`build release: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.release.version as number;
}

/** The scheduler's verdict on a release. */
const succeeded = (app: string, version: number) =>
  h.store.put(h.store.keys.releaseStatus(app, version), {
    app,
    version,
    status: 'succeeded',
    at: new Date().toISOString(),
  } satisfies ReleaseStatusRecord);

/** Every app record and release of these apps, and every pipeline key: what a refusal must leave alone. */
async function stateOf(apps: string[]): Promise<unknown> {
  return {
    apps: await Promise.all(apps.map((a) => h.store.get<App>(h.store.keys.app(a)))),
    releases: await Promise.all(apps.map((a) => h.store.listReleases(a))),
    pipelines: (await h.store.range(h.store.keys.pipelines())).entries,
    couplings: (await h.store.range(h.store.keys.pipelineCouplings())).entries,
  };
}

beforeAll(async () => {
  h = await startController('pipelines');
  alice = await newUser(h, 'alice@example.com');
  bob = await newUser(h, 'bob@example.com');
  dave = await newUser(h, 'dave@example.com');
  for (const app of ['shop-stg', 'shop-prod', 'shop-prod2', 'shop-dev', 'lonely']) await createApp(app);
  await createApp('bobs', bob.token);
  expect((await call('POST', '/apps/shop-stg/collaborators', { user: 'dave@example.com' })).status).toBe(201);
});
afterAll(async () => {
  await h?.close();
});

describe('pipelines: create, add, info, list', () => {
  it('creates a pipeline with its first app at a stage', async () => {
    const res = await call('POST', '/pipelines', { name: 'shop', app: 'shop-stg', stage: 'staging' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'shop',
      owner: { id: alice.id, email: 'alice@example.com' },
      created_at: expect.any(String),
    });
    expect(await h.store.get<PipelineCoupling>(h.store.keys.pipelineCoupling('shop-stg'))).toEqual({
      app: 'shop-stg',
      pipeline: 'shop',
      pipelineId: res.body.id,
      stage: 'staging',
      createdAt: expect.any(String),
    });
  });

  it('refuses a taken or bad name, a bad stage, an app without a stage, an app already in one: nothing written', async () => {
    const before = await stateOf(['shop-stg', 'lonely']);
    const cases: [unknown, number, RegExp][] = [
      [{ name: 'shop' }, 409, /^A pipeline named shop exists already$/],
      [{ name: 'Shop!' }, 422, /^A pipeline name must start with a letter/],
      [
        { name: 'other', app: 'lonely', stage: 'qa' },
        422,
        /^Stage must be one of review, development, staging, production: "qa"$/,
      ],
      [{ name: 'other', app: 'lonely' }, 422, /^Give both "app" and "stage"/],
      [
        { name: 'other', app: 'shop-stg', stage: 'staging' },
        409,
        /^shop-stg is already in the pipeline shop \(staging\)/,
      ],
      [{ name: 'other', app: 'bobs', stage: 'staging' }, 404, /^Couldn't find that app\.$/],
    ];
    for (const [body, status, message] of cases) {
      const res = await call('POST', '/pipelines', body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.body.message).toMatch(message);
    }
    expect(await stateOf(['shop-stg', 'lonely'])).toEqual(before);
  });

  it('adds apps at stages (who can change the app), refusing one already in a pipeline', async () => {
    const prod = await call('POST', '/pipeline-couplings', { app: 'shop-prod', pipeline: 'shop', stage: 'production' });
    expect(prod.status).toBe(201);
    expect(prod.body).toEqual({
      app: { name: 'shop-prod' },
      pipeline: { id: expect.any(String), name: 'shop' },
      stage: 'production',
      created_at: expect.any(String),
    });
    expect(
      (await call('POST', '/pipeline-couplings', { app: 'shop-prod2', pipeline: 'shop', stage: 'production' })).status,
    ).toBe(201);
    expect(
      (await call('POST', '/pipeline-couplings', { app: 'shop-dev', pipeline: 'shop', stage: 'development' })).status,
    ).toBe(201);
    const again = await call('POST', '/pipeline-couplings', { app: 'shop-prod', pipeline: 'shop', stage: 'staging' });
    expect(again.status).toBe(409);
    expect((await call('POST', '/pipeline-couplings', { app: 'lonely', pipeline: 'shop', stage: 'prod' })).status).toBe(
      422,
    );
    expect((await call('GET', '/apps/shop-prod/pipeline-couplings')).body).toMatchObject({ stage: 'production' });
    expect(await call('GET', '/apps/lonely/pipeline-couplings')).toMatchObject({
      status: 404,
      body: { message: 'lonely is not in a pipeline.' },
    });
  });

  it('shows apps by stage, upstream first, each with its latest release', async () => {
    await deploy('shop-stg', 'paas/app-shop-stg:b1');
    const res = await call('GET', '/pipelines/shop');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      name: 'shop',
      owner: { email: 'alice@example.com' },
      stages: [
        { stage: 'development', apps: [{ name: 'shop-dev', stage: 'development', release: null }] },
        { stage: 'staging', apps: [{ name: 'shop-stg', stage: 'staging', release: { version: 1 } }] },
        {
          stage: 'production',
          apps: [
            { name: 'shop-prod', stage: 'production', release: null },
            { name: 'shop-prod2', stage: 'production', release: null },
          ],
        },
      ],
      hidden_apps: 0,
    });
    // dave sees the pipeline through shop-stg, and only that app of it
    const asDave = await call('GET', '/pipelines/shop', undefined, dave.token);
    expect(asDave.status).toBe(200);
    expect(asDave.body.stages).toEqual([
      { stage: 'staging', apps: [{ name: 'shop-stg', stage: 'staging', release: { version: 1 } }] },
    ]);
    expect(asDave.body.hidden_apps).toBe(3);
  });

  it('lists the pipelines one owns or sees an app of; to a stranger the pipeline does not exist', async () => {
    const names = async (token: string) =>
      ((await call('GET', '/pipelines', undefined, token)).body as { name: string }[]).map((p) => p.name);
    expect(await names(alice.token)).toEqual(['shop']);
    expect(await names(dave.token)).toEqual(['shop']);
    expect(await names(bob.token)).toEqual([]);
    expect(await names(h.adminToken)).toEqual(['shop']);
    const hidden = await call('GET', '/pipelines/shop', undefined, bob.token);
    const missing = await call('GET', '/pipelines/nosuch', undefined, bob.token);
    expect(hidden).toEqual({ status: 404, body: { id: 'not_found', message: "Couldn't find that pipeline." } });
    expect(missing).toEqual(hidden);
    // nor can bob add his app to it
    const add = await call(
      'POST',
      '/pipeline-couplings',
      { app: 'bobs', pipeline: 'shop', stage: 'review' },
      bob.token,
    );
    expect(add.body).toEqual(hidden.body);
  });
});

describe('pipelines: promote', () => {
  it('refuses a source with no release, one not in a pipeline, and nowhere downstream to go', async () => {
    const before = await stateOf(['shop-dev', 'shop-stg', 'shop-prod', 'shop-prod2', 'lonely']);
    const cases: [unknown, number, string][] = [
      [{ source: 'shop-dev' }, 422, 'shop-dev has no release to promote; deploy it first (git push)'],
      [{ source: 'lonely' }, 422, 'lonely is not in a pipeline; add it with paas pipelines:add'],
      [{ source: 'shop-prod' }, 422, 'No app downstream of shop-prod (production) in the pipeline shop to promote to'],
      [{ source: 'shop-stg', targets: ['shop-stg'] }, 422, 'Cannot promote shop-stg to itself'],
      [{ source: 'shop-stg', targets: ['lonely'] }, 422, 'lonely is not in the pipeline shop'],
      [{ source: 'shop-stg', targets: [] }, 422, 'targets must be a list of 1 to 50 app names'],
      [{ source: 'nosuch' }, 404, "Couldn't find that app."],
    ];
    for (const [body, status, message] of cases) {
      const res = await call('POST', '/pipeline-promotions', body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.body.message).toBe(message);
    }
    // shop-stg's only release is not serving yet: nothing succeeded to promote
    const pending = await call('POST', '/pipeline-promotions', { source: 'shop-stg' });
    expect(pending.status).toBe(422);
    expect(pending.body.message).toBe('shop-stg has no succeeded release to promote yet (v1 is pending)');
    expect(await stateOf(['shop-dev', 'shop-stg', 'shop-prod', 'shop-prod2', 'lonely'])).toEqual(before);
  });

  it('refuses a user who cannot change every target (403), or a named one (404), changing nothing', async () => {
    await succeeded('shop-stg', 1);
    const before = await stateOf(['shop-stg', 'shop-prod', 'shop-prod2']);
    const all = await call('POST', '/pipeline-promotions', { source: 'shop-stg' }, dave.token);
    expect(all.status).toBe(403);
    expect(all.body.message).toBe(
      'You cannot change every app of the production stage of the pipeline shop: 2 of 2 are not yours; ask for access or promote with --to',
    );
    const named = await call(
      'POST',
      '/pipeline-promotions',
      { source: 'shop-stg', targets: ['shop-prod'] },
      dave.token,
    );
    expect(named).toMatchObject({ status: 404, body: { message: "Couldn't find that app." } });
    const stranger = await call('POST', '/pipeline-promotions', { source: 'shop-stg' }, bob.token);
    expect(stranger).toMatchObject({ status: 404, body: { message: "Couldn't find that app." } });
    expect(await stateOf(['shop-stg', 'shop-prod', 'shop-prod2'])).toEqual(before);
  });

  it('releases the running build to every app of the next stage, each keeping its config; no rebuild', async () => {
    expect((await call('PATCH', '/apps/shop-prod/config-vars', { STAGE: 'prod' })).status).toBe(200); // shop-prod v1
    // a newer release of staging that is not serving yet is not the one promoted
    await deploy('shop-stg', 'paas/app-shop-stg:b2'); // v2, pending
    const res = await call('POST', '/pipeline-promotions', { source: 'shop-stg' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      pipeline: { id: expect.any(String), name: 'shop' },
      source: { app: { name: 'shop-stg' }, release: { version: 1 }, slug: { id: 'shop-stg/v1' } },
      targets: [
        { app: { name: 'shop-prod' }, stage: 'production', release: { version: 2 } },
        { app: { name: 'shop-prod2' }, stage: 'production', release: { version: 1 } },
      ],
      created_at: expect.any(String),
    });
    expect(await h.store.get<Release>(h.store.keys.release('shop-prod', 2))).toMatchObject({
      image: 'paas/app-shop-stg:b1',
      config: { STAGE: 'prod' },
      processTypes: { web: 'node server.js', worker: 'node worker.js' },
      description: 'Promote from shop-stg v1',
      commit: 'abcdef1',
      createdBy: alice.id,
    });
    expect(await h.store.get<Release>(h.store.keys.release('shop-prod2', 1))).toMatchObject({
      image: 'paas/app-shop-stg:b1',
      config: {},
    });
    expect((await call('GET', '/apps/shop-prod/releases/2')).body).toMatchObject({
      description: 'Promote from shop-stg v1',
      current: true,
    });
  });

  it('promotes to the apps named with targets, and from development past an empty stage', async () => {
    const res = await call('POST', '/pipeline-promotions', { source: 'shop-stg', targets: ['shop-prod2'] });
    expect(res.status).toBe(201);
    expect(res.body.targets).toEqual([{ app: { name: 'shop-prod2' }, stage: 'production', release: { version: 2 } }]);
    // development -> staging (the next stage that has apps)
    await succeeded('shop-dev', await deploy('shop-dev', 'paas/app-shop-dev:b1'));
    const dev = await call('POST', '/pipeline-promotions', { source: 'shop-dev' });
    expect(dev.status).toBe(201);
    expect(dev.body.targets).toEqual([{ app: { name: 'shop-stg' }, stage: 'staging', release: { version: 3 } }]);
    expect((await h.store.get<Release>(h.store.keys.release('shop-stg', 3)))?.description).toBe(
      'Promote from shop-dev v1',
    );
  });
});

describe('pipelines: rename and destroy of a coupled app, remove, destroy', () => {
  it("moves an app's coupling with its rename and drops it with its destroy", async () => {
    expect((await call('PATCH', '/apps/shop-prod2', { name: 'shop-live' })).status).toBe(200);
    expect(await h.store.get(h.store.keys.pipelineCoupling('shop-prod2'))).toBeUndefined();
    expect((await call('GET', '/apps/shop-live/pipeline-couplings')).body).toMatchObject({
      app: { name: 'shop-live' },
      pipeline: { name: 'shop' },
      stage: 'production',
    });
    const names = async () =>
      ((await call('GET', '/pipelines/shop')).body.stages as { apps: { name: string }[] }[]).flatMap((s) =>
        s.apps.map((a) => a.name),
      );
    expect(await names()).toEqual(['shop-dev', 'shop-stg', 'shop-live', 'shop-prod']);

    expect((await call('DELETE', '/apps/shop-live')).status).toBe(200);
    expect(await h.store.get(h.store.keys.pipelineCoupling('shop-live'))).toBeUndefined();
    expect(await names()).toEqual(['shop-dev', 'shop-stg', 'shop-prod']);
    // an app made again under the name is in no pipeline
    await createApp('shop-live');
    expect((await call('GET', '/apps/shop-live/pipeline-couplings')).status).toBe(404);
  });

  it('removes an app from its pipeline (who can change it); a second time is 404', async () => {
    const res = await call('DELETE', '/apps/shop-dev/pipeline-couplings');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ app: { name: 'shop-dev' }, pipeline: { name: 'shop' }, stage: 'development' });
    expect(await call('DELETE', '/apps/shop-dev/pipeline-couplings')).toMatchObject({
      status: 404,
      body: { message: 'shop-dev is not in a pipeline.' },
    });
    expect((await call('DELETE', '/apps/shop-prod/pipeline-couplings', undefined, bob.token)).status).toBe(404);
  });

  it('destroys a pipeline (owner or admin) with its couplings; the apps stay', async () => {
    const hidden = await call('DELETE', '/pipelines/shop', undefined, bob.token);
    expect(hidden).toMatchObject({ status: 404, body: { message: "Couldn't find that pipeline." } });
    const notOwner = await call('DELETE', '/pipelines/shop', undefined, dave.token);
    expect(notOwner).toMatchObject({
      status: 403,
      body: { message: 'Only the owner of the pipeline shop can destroy it.' },
    });
    expect(await h.store.get(h.store.keys.pipeline('shop'))).toBeDefined();

    const res = await call('DELETE', '/pipelines/shop');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'shop', owner: { email: 'alice@example.com' } });
    expect((await h.store.range(h.store.keys.pipelineCouplings())).entries).toEqual([]);
    expect(await h.store.get(h.store.keys.pipeline('shop'))).toBeUndefined();
    expect((await call('GET', '/pipelines/shop')).status).toBe(404);
    expect((await call('GET', '/apps/shop-stg')).body.release).toEqual({ version: 3 });
    // the name is free again, and the apps may join the new one
    expect((await call('POST', '/pipelines', { name: 'shop', app: 'shop-stg', stage: 'staging' })).status).toBe(201);
  });
});
