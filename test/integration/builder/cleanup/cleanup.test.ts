import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupOnce, controllerInventory, type CleanupDeps } from '../../../../services/builder/cleanup/cleanup.js';
import { createLogger } from '../../../../services/core/logger.js';
import { startController, type Harness } from '../../controller/harness.js';
import { imageExists as isImage, labelledImage } from '../images.js';

// The builder's clean-up against the real controller (in-process, real etcd)
// and the real Docker engine, with a cluster name of its own.

const cluster = `cleanup${Date.now().toString(36)}`;
const docker = new Docker();
let h: Harness;
let tmp: string;
let deps: CleanupDeps;

/** An empty image labelled like an app image of `app`. */
const appImage = (app: string, tag: string) => labelledImage(docker, tmp, { cluster, app, tag });

const imageExists = (ref: string) => isImage(docker, ref);

beforeAll(async () => {
  h = await startController('builder-cleanup');
  tmp = await mkdtemp(join(tmpdir(), 'paas-cleanup-'));
  deps = {
    reposDir: join(tmp, 'repos'),
    cacheDir: join(tmp, 'cache'),
    cluster,
    docker,
    inventory: controllerInventory(h.url, h.internalToken),
    log: createLogger('cleanup-test', 'silent'),
  };
  for (const app of ['keep-me', 'destroy-me', 'rename-me']) {
    expect((await h.call('POST', '/apps', { token: h.adminToken, body: { name: app } })).status).toBe(201);
    await mkdir(join(deps.reposDir, `${app}.git`, 'refs'), { recursive: true });
    await mkdir(join(deps.cacheDir, app), { recursive: true });
  }
  await mkdir(join(deps.reposDir, 'NotAnApp.git'), { recursive: true }); // not ours: left alone
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

describe('builder clean-up', () => {
  it('removes only the repo, cache and images of a destroyed app, and keeps images a renamed app still runs', async () => {
    const keep = await appImage('keep-me', 'b1');
    const doomed = await appImage('destroy-me', 'b1');
    const renamedRunning = await appImage('rename-me', 'b1');
    const release = await h.call('POST', '/internal/apps/rename-me/releases', {
      token: h.internalToken,
      body: { image: renamedRunning, processTypes: { web: 'x' } },
    });
    expect(release.status).toBe(201);

    expect(await cleanupOnce(deps)).toEqual({ repos: [], caches: [], images: [] });

    expect((await h.call('DELETE', '/apps/destroy-me', { token: h.adminToken })).status).toBe(200);
    expect((await h.call('PATCH', '/apps/rename-me', { token: h.adminToken, body: { name: 'renamed' } })).status).toBe(
      200,
    );
    const removed = await cleanupOnce(deps);
    expect(removed).toEqual({
      repos: ['destroy-me', 'rename-me'],
      caches: ['destroy-me', 'rename-me'],
      images: [doomed],
    });

    expect(existsSync(join(deps.reposDir, 'destroy-me.git'))).toBe(false);
    expect(existsSync(join(deps.reposDir, 'keep-me.git'))).toBe(true);
    expect(existsSync(join(deps.reposDir, 'NotAnApp.git'))).toBe(true);
    expect(existsSync(join(deps.cacheDir, 'keep-me'))).toBe(true);
    expect(await imageExists(doomed)).toBe(false);
    expect(await imageExists(keep)).toBe(true);
    expect(await imageExists(renamedRunning)).toBe(true);

    // once the renamed app is destroyed too, its image goes
    expect((await h.call('DELETE', '/apps/renamed', { token: h.adminToken })).status).toBe(200);
    expect((await cleanupOnce(deps)).images).toEqual([renamedRunning]);
    expect(await imageExists(renamedRunning)).toBe(false);
  });

  it('removes nothing when the controller cannot answer', async () => {
    await mkdir(join(deps.reposDir, 'orphan.git'), { recursive: true });
    const down: CleanupDeps = { ...deps, inventory: controllerInventory(h.url, 'wrong-token') };
    expect(await cleanupOnce(down)).toEqual({ repos: [], caches: [], images: [] });
    expect(existsSync(join(deps.reposDir, 'orphan.git'))).toBe(true);
    expect((await cleanupOnce(deps)).repos).toEqual(['orphan']);
  });
});
