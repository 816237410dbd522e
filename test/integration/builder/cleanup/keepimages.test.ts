import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupOnce, controllerInventory, type CleanupDeps } from '../../../../services/builder/cleanup/cleanup.js';
import { createLogger } from '../../../../services/core/logger.js';
import { startController, type Harness } from '../../controller/harness.js';
import { imageExists as isImage, labelledImage } from '../images.js';

// The clean-up keeps the images of an app's last N releases (plus those a
// container uses and those of builds in progress) and removes older ones:
// the real controller (in-process, real etcd) and the real Docker engine.

const cluster = `keepimg${Date.now().toString(36)}`;
const docker = new Docker();
let h: Harness;
let tmp: string;
let deps: CleanupDeps;
const active = new Set<string>();

/** An empty image labelled like the app image of build `build`, distinct from every other. */
const appImage = (app: string, build: string) =>
  labelledImage(docker, tmp, { cluster, app, tag: build, extra: { 'paas.build': build } });

const imageExists = (ref: string) => isImage(docker, ref);

const release = (app: string, image: string) =>
  h.call('POST', `/internal/apps/${app}/releases`, {
    token: h.internalToken,
    body: { image, processTypes: { web: 'x' } },
  });

beforeAll(async () => {
  h = await startController('keep-images');
  tmp = await mkdtemp(join(tmpdir(), 'paas-keepimg-'));
  deps = {
    reposDir: join(tmp, 'repos'),
    cacheDir: join(tmp, 'cache'),
    cluster,
    docker,
    inventory: controllerInventory(h.url, h.internalToken),
    log: createLogger('keep-images-test', 'silent'),
    keepReleaseImages: 5,
    activeBuilds: active,
  };
  expect((await h.call('POST', '/apps', { token: h.adminToken, body: { name: 'seven' } })).status).toBe(201);
});

afterAll(async () => {
  const containers = await docker.listContainers({ all: true, filters: { label: [`paas.cluster=${cluster}`] } });
  for (const c of containers)
    await docker
      .getContainer(c.Id)
      .remove({ force: true })
      .catch(() => undefined);
  const left = await docker.listImages({ filters: JSON.stringify({ label: [`paas.cluster=${cluster}`] }) });
  for (const img of left)
    await docker
      .getImage(img.Id)
      .remove({ force: true })
      .catch(() => undefined);
  await h?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('builder clean-up of old release images', () => {
  it('after 7 builds keeps the images of the last 5 releases; config-only releases do not push images out', async () => {
    const images: string[] = [];
    for (let i = 1; i <= 7; i++) {
      const ref = await appImage('seven', `b${i}`);
      images.push(ref);
      expect((await release('seven', ref)).status).toBe(201);
    }
    // a config change makes v8 with b7's image: still 5 distinct images kept
    expect((await h.call('PATCH', '/apps/seven/config-vars', { token: h.adminToken, body: { A: '1' } })).status).toBe(
      200,
    );

    const removed = await cleanupOnce(deps);
    expect(removed.images).toEqual([images[0], images[1]]);
    for (const [i, ref] of images.entries()) expect(await imageExists(ref), ref).toBe(i >= 2);

    // a rollback to the oldest kept release (v3) finds its image
    const rollback = await h.call('POST', '/apps/seven/releases', { token: h.adminToken, body: { release: 3 } });
    expect(rollback.status).toBe(201);
    expect((await cleanupOnce(deps)).images).toEqual([]);
    expect(await imageExists(images[2] as string)).toBe(true);
  });

  it("keeps an old image a container uses and a build in progress's image, removes them once free", async () => {
    const used = await appImage('seven', 'b8');
    const building = await appImage('seven', 'b9'); // no release yet
    expect((await release('seven', used)).status).toBe(201);
    for (let i = 10; i <= 14; i++) expect((await release('seven', await appImage('seven', `b${i}`))).status).toBe(201);
    const container = await docker.createContainer({
      Image: used,
      Cmd: ['/none'],
      Labels: { 'paas.cluster': cluster },
    });
    active.add('b9');

    const removed = await cleanupOnce(deps);
    expect(removed.images).not.toContain(used);
    expect(removed.images).not.toContain(building);
    expect(await imageExists(used)).toBe(true);
    expect(await imageExists(building)).toBe(true);

    await container.remove({ force: true });
    active.delete('b9');
    expect((await cleanupOnce(deps)).images.sort()).toEqual([building, used].sort());
  });
});
