import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../../services/core/store.js';
import type { Assignment, Host, PlacementSettings } from '../../../services/core/types.js';
import { listHosts } from '../../../services/controller/hosts/hosts.js';
import { loadConfig as schedulerConfig } from '../../../services/scheduler/config.js';
import { schedulerElection, startScheduler, type RunningScheduler } from '../../../services/scheduler/scheduler.js';
import { etcdEndpoints, uniquePrefix } from '../../support/env.js';
import { log, waitFor } from '../agent/support.js';

// Leader election against the real etcd: only the leader writes; when the
// leader's lease is gone (it died, or lost etcd), a standby takes over and
// the old leader stands by.

const prefix = uniquePrefix('election');
let store: Store;
const others: Store[] = [];
const running: RunningScheduler[] = [];

function scheduler(name: string): { s: RunningScheduler; store: Store } {
  const own = Store.connect(etcdEndpoints(), prefix); // its own etcd client, so it can die alone
  others.push(own);
  const s = startScheduler({
    store: own,
    log,
    config: { ...schedulerConfig({}), name, electionTtlSeconds: 2, drainMs: 0, resyncMs: 500 },
  });
  running.push(s);
  return { s, store: own };
}

async function addApp(name: string): Promise<void> {
  await store.createApp(
    { name, id: name, owner: 'u', createdAt: new Date().toISOString(), latestRelease: 0 },
    { web: { quantity: 1, size: 'eco' } },
  );
  await store.createRelease(name, () => ({
    image: 'paas/stack-run:latest',
    config: {},
    processTypes: { web: 'true' },
    description: '',
    createdBy: 't',
    createdAt: '',
  }));
}

const assigned = (app: string) =>
  waitFor(`assignment for ${app}`, async () => {
    const as = await store.list<Assignment>(store.keys.assignments('h1'));
    return as.find((a) => a.app === app);
  });

beforeAll(async () => {
  store = Store.connect(etcdEndpoints(), prefix);
  const host: Host = {
    id: 'h1',
    address: '127.0.0.1',
    tags: {},
    capacity: { memoryMb: 4096, cpus: 2 },
    registeredAt: '',
  };
  await store.put(store.keys.host('h1'), host);
});

afterAll(async () => {
  for (const s of running) await s.stop().catch(() => undefined);
  for (const o of others) o.close();
  await store.deletePrefix(`${prefix}/`);
  store.close();
});

describe('scheduler election', () => {
  it('lets one leader plan and a standby take over when the leader dies', async () => {
    const a = scheduler('a');
    await waitFor('a leads', async () => (a.s.isLeader() ? true : undefined));
    const b = scheduler('b');
    await addApp('one');
    expect((await assigned('one')).id).toBe('one.web.1.v1');
    expect(b.s.isLeader()).toBe(false);
    expect(await schedulerElection(store).leader()).toBe('a');
    // the leader tells how it counts a host's room, and `paas hosts` shows it
    expect(await store.get<PlacementSettings>(store.keys.placement())).toMatchObject({
      scheduler: 'a',
      policy: 'balanced',
      cpuOvercommit: 16,
      memoryOvercommit: 1,
    });
    expect((await listHosts(store))[0]?.placement_capacity).toEqual({ memory_mb: 4096, cpus: 32 });

    // a's session dies as if its process had: etcd revokes its lease, nobody resigns
    const res = await store.etcd.getAll().prefix(`${store.keys.schedulerElection()}/`).sort('Create', 'Ascend').exec();
    const leaderKv = res.kvs[0];
    expect(leaderKv?.value.toString()).toBe('a');
    await store.etcd.leaseClient.leaseRevoke({ ID: leaderKv?.lease ?? '0' });
    await waitFor('b leads', async () => (b.s.isLeader() ? true : undefined), 30_000);
    await addApp('two');
    expect((await assigned('two')).id).toBe('two.web.1.v1');
    // a noticed and stands by
    await waitFor('a steps down', async () => (a.s.isLeader() ? undefined : true));
    expect(await schedulerElection(store).leader()).toBe('b');
    expect((await store.get<PlacementSettings>(store.keys.placement()))?.scheduler).toBe('b');
  });
});
