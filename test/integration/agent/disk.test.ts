import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Docker from 'dockerode';
import { startAgent, type RunningAgent } from '../../../services/agent/agent.js';
import { DockerRuntime } from '../../../services/agent/docker.js';
import { LayerDisks, mountPoints } from '../../../services/core/layerdisk.js';
import { Store } from '../../../services/core/store.js';
import type { Assignment, Instance } from '../../../services/core/types.js';
import { etcdEndpoints, uniquePrefix } from '../../support/env.js';
import { RUN_IMAGE, agentSettings, docker, log, forgetCluster, uniqueCluster, waitFor } from './support.js';

// A dyno's writable space is bounded by its size's diskMb (core/layerdisk.ts):
// writing past it fails inside the dyno with ENOSPC, a neighbour keeps
// writing, and the filesystem goes with the container.

const cluster = uniqueCluster();
const hostId = `host-${cluster}`;
let store: Store;
let agent: RunningAgent | undefined;
let diskDir: string;

const worker = (app: string, command: string, diskMb: number): Assignment => ({
  id: `${app}.worker.1.v1`,
  host: hostId,
  app,
  release: 1,
  type: 'worker',
  index: 1,
  image: RUN_IMAGE,
  command,
  env: {},
  port: 5000,
  memoryMb: 256,
  cpuShares: 256,
  diskMb,
  createdAt: new Date().toISOString(),
});

async function output(containerId: string): Promise<string> {
  const buf = await docker.getContainer(containerId).logs({ stdout: true, stderr: true });
  return buf.toString('utf8');
}

const mounts = async () => [...mountPoints(await readFile('/proc/self/mountinfo', 'utf8'))];

beforeAll(async () => {
  store = Store.connect(etcdEndpoints(), uniquePrefix('disk'));
  diskDir = await mkdtemp(join(tmpdir(), 'paas-disks-'));
  agent = startAgent({
    store,
    runtime: new DockerRuntime(new Docker(), { disks: new LayerDisks(diskDir), log }),
    log,
    config: agentSettings(cluster, hostId),
  });
});

afterAll(async () => {
  await agent?.stop();
  await forgetCluster(cluster);
  await store.etcd.delete().prefix(`${store.keys.prefix}/`);
  store.close();
  await rm(diskDir, { recursive: true, force: true });
});

describe('disk limit per dyno', () => {
  it('fails writes past the limit with ENOSPC inside the dyno while a neighbour writes on, and goes with the container', async () => {
    // 100 MB into a 64 MB dyno, anywhere in its root filesystem (/app here); then it idles.
    const fill = `dd if=/dev/zero of=/app/fill bs=1M count=100 2>&1 | grep -o 'No space left on device' || echo 'wrote it all'; df -m / | tail -1; sleep 3600`;
    const calm = `dd if=/dev/zero of=/tmp/ten bs=1M count=10 2>/dev/null && echo 'neighbour wrote 10 MB'; sleep 3600`;
    await store.put(store.keys.assignment(hostId, 'hog.worker.1.v1'), worker('hog', fill, 64));
    await store.put(store.keys.assignment(hostId, 'calm.worker.1.v1'), worker('calm', calm, 64));
    const hog = await waitFor('hog up', async () => {
      const i = await store.get<Instance>(store.keys.instance('hog', 'hog.worker.1.v1'));
      return i?.state === 'up' ? i : undefined;
    });
    const calmUp = await waitFor('calm up', async () => {
      const i = await store.get<Instance>(store.keys.instance('calm', 'calm.worker.1.v1'));
      return i?.state === 'up' ? i : undefined;
    });
    const hogOut = await waitFor('hog output', async () =>
      (await output(hog.containerId)).includes('overlay') ? output(hog.containerId) : undefined,
    );
    expect(hogOut).toContain('No space left on device');
    expect(hogOut).not.toContain('wrote it all');
    // df inside sees the dyno's own filesystem: about 64 MB in all.
    const total = Number(/overlay\s+(\d+)/.exec(hogOut)?.[1]);
    expect(total).toBeGreaterThan(40);
    expect(total).toBeLessThanOrEqual(64);
    expect(
      await waitFor('calm output', async () =>
        (await output(calmUp.containerId)).includes('neighbour') ? output(calmUp.containerId) : undefined,
      ),
    ).toContain('neighbour wrote 10 MB');

    const info = await docker.getContainer(hog.containerId).inspect();
    const layer = (info.GraphDriver.Data as Record<string, string>).UpperDir?.replace(/\/diff$/, '') as string;
    expect(await mounts()).toContain(layer);
    expect(await readdir(diskDir)).toEqual(
      expect.arrayContaining([`${hog.containerId}.img`, `${calmUp.containerId}.img`]),
    );

    // The assignment goes: the agent stops the container, unmounts and deletes its filesystem.
    await store.etcd.delete().key(store.keys.assignment(hostId, 'hog.worker.1.v1'));
    await waitFor('hog removed', async () =>
      (await docker.listContainers({ all: true, filters: { id: [hog.containerId] } })).length === 0 ? true : undefined,
    );
    expect(await mounts()).not.toContain(layer);
    expect(await readdir(diskDir)).not.toContain(`${hog.containerId}.img`);
  });
});
