import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Docker from 'dockerode';
import { startAgent, type RunningAgent } from '../../../services/agent/agent.js';
import { DockerRuntime } from '../../../services/agent/docker.js';
import { Store } from '../../../services/core/store.js';
import type { Assignment, Host, Instance } from '../../../services/core/types.js';
import { etcdEndpoints, uniquePrefix } from '../../support/env.js';
import {
  RUN_IMAGE,
  agentSettings,
  containersOf,
  docker,
  httpBody,
  log,
  mainProcess,
  forgetCluster,
  uniqueCluster,
  waitFor,
  webCommand,
} from './support.js';

// The agent against the real etcd and Docker: assignments written by hand.

const cluster = uniqueCluster();
const hostId = `host-${cluster}`;
let store: Store;
let agent: RunningAgent | undefined;

const assignment = (over: Partial<Assignment> = {}): Assignment => ({
  id: 'shop.web.1.v1',
  host: hostId,
  app: 'shop',
  release: 1,
  type: 'web',
  index: 1,
  image: RUN_IMAGE,
  command: webCommand('v1'),
  env: { GREETING: 'hello' },
  port: 5000,
  memoryMb: 256,
  cpuShares: 512,
  createdAt: new Date().toISOString(),
  ...over,
});

const start = () =>
  startAgent({ store, runtime: new DockerRuntime(new Docker()), log, config: agentSettings(cluster, hostId) });
const instance = (id = 'shop.web.1.v1') => store.get<Instance>(store.keys.instance('shop', id));
const upInstance = (id = 'shop.web.1.v1', notContainer?: string) =>
  waitFor(`${id} up`, async () => {
    const i = await instance(id);
    return i?.state === 'up' && i.containerId !== notContainer ? i : undefined;
  });

beforeAll(() => {
  store = Store.connect(etcdEndpoints(), uniquePrefix('agent'));
});

afterAll(async () => {
  await agent?.stop();
  await forgetCluster(cluster);
  await store.etcd.delete().prefix(`${store.keys.prefix}/`);
  store.close();
});

describe('agent', () => {
  it('registers its host under a lease', async () => {
    agent = start();
    const host = await waitFor('host record', () => store.get<Host>(store.keys.host(hostId)));
    expect(host).toMatchObject({
      id: hostId,
      address: '127.0.0.1',
      tags: { pool: 'shared' },
      capacity: { memoryMb: 4096, cpus: 2 },
    });
    const lease = (await store.etcd.get(store.keys.host(hostId)).exec()).kvs[0]?.lease;
    expect(lease).not.toBe('0');
  });

  it('runs an assignment unprivileged and limited, and reports it up when its port answers', async () => {
    await store.put(store.keys.assignment(hostId, 'shop.web.1.v1'), assignment());
    const inst = await upInstance();
    expect(inst).toMatchObject({ host: hostId, app: 'shop', release: 1, type: 'web', address: '127.0.0.1' });
    expect(await httpBody(`${inst.address}:${inst.port}`)).toBe('v1 web.1');
    // Its bridge address answers too, from this host (the router here uses it).
    expect(inst.bridge).toMatch(/^\d+\.\d+\.\d+\.\d+:5000$/);
    expect(await httpBody(inst.bridge as string)).toBe('v1 web.1');

    const info = await docker.getContainer(inst.containerId).inspect();
    expect(info.Name).toBe(`/${cluster}-shop.web.1.v1`);
    expect(info.Config.User).toBe('1000:1000');
    expect(info.Config.Env).toEqual(expect.arrayContaining(['GREETING=hello', 'PORT=5000', 'DYNO=web.1']));
    expect(info.Config.Labels).toMatchObject({
      'paas.cluster': cluster,
      'paas.host': hostId,
      'paas.assignment': 'shop.web.1.v1',
      'paas.app': 'shop',
    });
    expect(info.HostConfig.CapDrop).toEqual(['ALL']);
    expect(info.HostConfig.SecurityOpt).toEqual(['no-new-privileges']);
    expect(info.HostConfig.Memory).toBe(256 * 1024 * 1024);
    expect(info.HostConfig.PidsLimit).toBe(128);
    expect(info.NetworkSettings.Ports['5000/tcp']?.[0]?.HostIp).toBe('127.0.0.1');
    const proc = await mainProcess(inst.containerId);
    expect(proc.uid).toBe('1000');
    expect(proc.capEff).toBe('0000000000000000');
  });

  it('adopts its containers after a restart instead of recreating them', async () => {
    const before = await upInstance();
    await agent?.stop();
    agent = start();
    await waitFor('a new registration', async () => {
      const kv = (await store.etcd.get(store.keys.instance('shop', 'shop.web.1.v1')).exec()).kvs[0];
      const hostKv = (await store.etcd.get(store.keys.host(hostId)).exec()).kvs[0];
      return kv && hostKv && kv.lease === hostKv.lease && hostKv.mod_revision > kv.create_revision ? kv : undefined;
    });
    const after = await upInstance();
    expect(after.containerId).toBe(before.containerId);
    expect(after.bridge).toBe(before.bridge);
    expect((await containersOf(cluster)).length).toBe(1);
  });

  it('registers again, with its instances, when its lease is lost', async () => {
    const before = await upInstance();
    const lease = (await store.etcd.get(store.keys.host(hostId)).exec()).kvs[0]?.lease ?? '0';
    await store.etcd.leaseClient.leaseRevoke({ ID: lease }); // as if etcd expired it
    const host = await waitFor('host registered again', async () => {
      const kv = (await store.etcd.get(store.keys.host(hostId)).exec()).kvs[0];
      return kv && kv.lease !== lease ? kv : undefined;
    });
    await waitFor('instance written again under the new lease', async () => {
      const kv = (await store.etcd.get(store.keys.instance('shop', 'shop.web.1.v1')).exec()).kvs[0];
      return kv?.lease === host.lease ? true : undefined;
    });
    expect((await upInstance()).containerId).toBe(before.containerId);
  });

  it('restarts a container that exits, reporting it crashed meanwhile', async () => {
    const before = await upInstance();
    const seen: string[] = [];
    const w = await store.etcd.watch().key(store.keys.instance('shop', 'shop.web.1.v1')).create();
    w.on('put', (kv) => seen.push((JSON.parse(kv.value.toString()) as Instance).state));
    await docker.getContainer(before.containerId).kill();
    await waitFor('crashed, then up again', async () =>
      seen.includes('crashed') && seen.at(-1) === 'up' ? true : undefined,
    );
    await w.cancel();
    const after = await upInstance();
    expect(after.containerId).toBe(before.containerId);
    expect(after.bridge).toBe(before.bridge);
    expect(await httpBody(`${after.address}:${after.port}`)).toBe('v1 web.1');
  });

  it('stops and removes a container whose assignment is gone, and deletes its instance', async () => {
    await store.put(store.keys.assignment(hostId, 'shop.web.2.v1'), assignment({ id: 'shop.web.2.v1', index: 2 }));
    const two = await upInstance('shop.web.2.v1');
    expect(await httpBody(`${two.address}:${two.port}`)).toBe('v1 web.2');
    await store.delete(store.keys.assignment(hostId, 'shop.web.1.v1'));
    await waitFor('container removed', async () => ((await containersOf(cluster)).length === 1 ? true : undefined));
    await waitFor('instance deleted', async () => ((await instance()) === undefined ? true : undefined));
    const left = await containersOf(cluster);
    expect(left.map((c) => c.Labels['paas.assignment'])).toEqual(['shop.web.2.v1']);
    expect((await instance('shop.web.2.v1'))?.state).toBe('up');
  });

  it('reports a non-web process up once it runs, with no port to answer on', async () => {
    const id = 'shop.worker.1.v1';
    await store.put(
      store.keys.assignment(hostId, id),
      assignment({ id, type: 'worker', command: 'while true; do sleep 1; done' }),
    );
    const up = await upInstance(id);
    const inspect = await docker.getContainer(up.containerId).inspect();
    expect(inspect.State.Running).toBe(true);
    expect(inspect.Config.Env).toContain('DYNO=worker.1');
    await store.delete(store.keys.assignment(hostId, id));
    await waitFor('worker removed', async () => ((await instance(id)) === undefined ? true : undefined));
  });

  it('reports an assignment whose image does not exist as crashed', async () => {
    await store.put(
      store.keys.assignment(hostId, 'shop.worker.1.v1'),
      assignment({ id: 'shop.worker.1.v1', type: 'worker', image: `paas/no-such-image-${cluster}:1` }),
    );
    const inst = await waitFor('crashed', async () =>
      (await instance('shop.worker.1.v1'))?.state === 'crashed' ? true : undefined,
    );
    expect(inst).toBe(true);
    await store.delete(store.keys.assignment(hostId, 'shop.worker.1.v1'));
  });
});
