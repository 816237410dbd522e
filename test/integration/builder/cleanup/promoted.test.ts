import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupOnce, controllerInventory, type CleanupDeps } from '../../../../services/builder/cleanup/cleanup.js';
import { createLogger } from '../../../../services/core/logger.js';
import type { ReleaseStatusRecord } from '../../../../services/core/types.js';
import { startController, type Harness } from '../../controller/harness.js';
import { imageExists as isImage, labelledImage } from '../images.js';

// Images that releases of several apps name (a pipeline promotion, a slug
// deploy): the clean-up keeps an image while it is among the kept images
// (the last N distinct of its releases) of any existing app, whichever app
// built it and whether that one still exists. The real controller
// (in-process, real etcd) makes the releases, the real Docker engine holds
// the images; N = 2 for both.

const KEEP = '2';
const cluster = `promoimg${Date.now().toString(36)}`;
const docker = new Docker();
let h: Harness;
let tmp: string;
let deps: CleanupDeps;

/** An empty image labelled like the app image of build `build` of `app`. */
const appImage = (app: string, build: string) =>
  labelledImage(docker, tmp, { cluster, app, tag: build, extra: { 'paas.build': build } });
const exists = (ref: string) => isImage(docker, ref);
const admin = (method: string, path: string, body?: unknown) => h.call(method, path, { token: h.adminToken, body });

async function deploy(app: string, image: string): Promise<number> {
  const res = await h.call('POST', `/internal/apps/${app}/releases`, {
    token: h.internalToken,
    body: { image, processTypes: { web: 'x' } },
  });
  expect(res.status).toBe(201);
  const version = res.body.release.version as number;
  await h.store.put(h.store.keys.releaseStatus(app, version), {
    app,
    version,
    status: 'succeeded',
    at: new Date().toISOString(),
  } satisfies ReleaseStatusRecord);
  return version;
}

beforeAll(async () => {
  h = await startController('promoted-images', { PAAS_KEEP_RELEASE_IMAGES: KEEP });
  tmp = await mkdtemp(join(tmpdir(), 'paas-promoimg-'));
  deps = {
    reposDir: join(tmp, 'repos'),
    cacheDir: join(tmp, 'cache'),
    cluster,
    docker,
    inventory: controllerInventory(h.url, h.internalToken),
    log: createLogger('promoted-images-test', 'silent'),
    keepReleaseImages: Number(KEEP),
    activeBuilds: new Set(),
  };
  for (const name of ['stg', 'prod', 'prod2']) expect((await admin('POST', '/apps', { name })).status).toBe(201);
  expect((await admin('POST', '/pipelines', { name: 'flow', app: 'stg', stage: 'staging' })).status).toBe(201);
  expect(
    (await admin('POST', '/pipeline-couplings', { app: 'prod', pipeline: 'flow', stage: 'production' })).status,
  ).toBe(201);
});

afterAll(async () => {
  const left = await docker.listImages({ filters: JSON.stringify({ label: [`paas.cluster=${cluster}`] }) });
  for (const img of left)
    await docker
      .getImage(img.Id)
      .remove({ force: true })
      .catch(() => undefined);
  await h?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('clean-up of images several apps run', () => {
  it("keeps a promoted image while any existing app's kept releases name it, then removes it", async () => {
    const [b1, b2, b3] = [await appImage('stg', 'b1'), await appImage('stg', 'b2'), await appImage('stg', 'b3')];
    await deploy('stg', b1);
    const promoted = await admin('POST', '/pipeline-promotions', { source: 'stg' });
    expect(promoted.status).toBe(201);
    expect(promoted.body.targets).toEqual([{ app: { name: 'prod' }, stage: 'production', release: { version: 1 } }]);
    await deploy('stg', b2);
    await deploy('stg', b3); // stg keeps b3, b2: b1 only through prod
    expect((await admin('POST', '/apps/prod2/releases', { slug: 'stg/v3' })).status).toBe(201); // prod2 runs b3

    expect((await cleanupOnce(deps)).images).toEqual([]);
    for (const ref of [b1, b2, b3]) expect(await exists(ref), ref).toBe(true);

    // the app that built them is destroyed: what prod and prod2 run stays, the rest goes
    expect((await admin('DELETE', '/apps/stg')).status).toBe(200);
    expect((await cleanupOnce(deps)).images).toEqual([b2]);
    expect(await exists(b1)).toBe(true);
    expect(await exists(b2)).toBe(false);
    expect(await exists(b3)).toBe(true);

    // prod moves on past 2 images of its own: nothing keeps b1 any more
    const p1 = await appImage('prod', 'p1');
    await deploy('prod', p1);
    expect((await cleanupOnce(deps)).images).toEqual([]); // prod keeps p1, b1
    const p2 = await appImage('prod', 'p2');
    await deploy('prod', p2);
    expect((await cleanupOnce(deps)).images).toEqual([b1]);
    expect(await exists(b1)).toBe(false);
    // and a rollback of prod to it is refused by the same rule
    const rollback = await admin('POST', '/apps/prod/releases', { release: 1 });
    expect(rollback.status).toBe(422);
    expect(rollback.body.message).toMatch(/^v1's build has been cleaned up/);

    // the last app running b3 is destroyed
    expect((await admin('DELETE', '/apps/prod2')).status).toBe(200);
    expect((await cleanupOnce(deps)).images).toEqual([b3]);
    for (const ref of [p1, p2]) expect(await exists(ref), ref).toBe(true);
  });
});
