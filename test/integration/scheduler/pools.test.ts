import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../../services/core/store.js';
import type { App, Host, HostTagOverride } from '../../../services/core/types.js';
import { loadConfig } from '../../../services/scheduler/config.js';
import { plan } from '../../../services/scheduler/plan.js';
import { loadPlanInput } from '../../../services/scheduler/state.js';
import { etcdEndpoints, uniquePrefix } from '../../support/env.js';

// The planner's input as read from the real etcd: hosts with their effective
// tags (the agent's, with an admin's /host-tags/ overrides on top) and CPU
// capacity, apps with their pool; and the plan that follows from them.

const prefix = uniquePrefix('pools');
let store: Store;

const host = (id: string, tags: Record<string, string>, cpus = 2): Host => ({
  id,
  address: '127.0.0.1',
  tags,
  capacity: { memoryMb: 4096, cpus },
  registeredAt: '',
});
const app = (name: string, pool?: Record<string, string>): App => ({
  name,
  id: name,
  owner: 'u',
  createdAt: new Date().toISOString(),
  latestRelease: 0,
  ...(pool && { pool }),
});

beforeAll(async () => {
  store = Store.connect(etcdEndpoints(), prefix);
  await store.put(store.keys.host('h1'), host('h1', { pool: 'shared' }));
  await store.put(store.keys.host('h2'), host('h2', { pool: 'shared', ssd: 'true' }, 4));
  await store.put(store.keys.host('h3'), host('h3', { pool: 'shared' }));
  // An admin moved h1 to the high pool and took ssd off h2.
  await store.put(store.keys.hostTags('h1'), { tags: { pool: 'high' }, updatedAt: '' } satisfies HostTagOverride);
  await store.put(store.keys.hostTags('h2'), { tags: { ssd: null }, updatedAt: '' } satisfies HostTagOverride);
  for (const [a, pool] of [
    ['heavy', { pool: 'high' }],
    ['fast', { ssd: 'true' }],
    ['light', undefined],
  ] as const) {
    await store.createApp(app(a, pool), { web: { quantity: 2, size: 'standard-1x' } });
    await store.createRelease(a, () => ({
      image: 'paas/stack-run:latest',
      config: {},
      processTypes: { web: 'true' },
      description: '',
      createdBy: 't',
      createdAt: '',
    }));
  }
});

afterAll(async () => {
  await store.deletePrefix(`${prefix}/`);
  store.close();
});

describe('scheduler input from etcd', () => {
  it('reads effective host tags, CPU capacity and app pools, and places by them', async () => {
    const input = await loadPlanInput(store, Date.now(), {
      ...loadConfig({}),
      drainMs: 0,
      cpuOvercommit: 2,
      policy: 'least-containers',
    });
    expect(input.policy).toBe('least-containers');
    expect(input.hosts.sort((a, b) => (a.id < b.id ? -1 : 1))).toEqual([
      { id: 'h1', memoryMb: 4096, cpus: 4, tags: { pool: 'high' } },
      { id: 'h2', memoryMb: 4096, cpus: 8, tags: { pool: 'shared' } },
      { id: 'h3', memoryMb: 4096, cpus: 4, tags: { pool: 'shared' } },
    ]);
    expect(Object.fromEntries(input.apps.map((a) => [a.name, a.pool]))).toEqual({
      fast: { ssd: 'true' },
      heavy: { pool: 'high' },
      light: undefined,
    });

    const p = plan(input);
    const hostsOf = (a: string) =>
      p.put
        .filter((x) => x.app === a)
        .map((x) => x.host)
        .sort();
    expect(hostsOf('heavy')).toEqual(['h1', 'h1']);
    expect(hostsOf('light').every((h) => h === 'h2' || h === 'h3')).toBe(true);
    expect(p.unplaced).toEqual([
      { id: 'fast.web.1.v1', reason: 'no host has tags ssd=true' },
      { id: 'fast.web.2.v1', reason: 'no host has tags ssd=true' },
    ]);
  });

  it('counts CPU capacity: without overcommit a 2-CPU host takes two standard-1x dynos', async () => {
    const p = plan(await loadPlanInput(store, Date.now(), { ...loadConfig({}), drainMs: 0, cpuOvercommit: 1 }));
    expect(p.put.filter((x) => x.app === 'heavy').map((x) => x.host)).toEqual(['h1', 'h1']);
    const more = plan(
      await loadPlanInput(store, Date.now(), { ...loadConfig({}), drainMs: 0, cpuOvercommit: 1 }).then((i) => ({
        ...i,
        apps: i.apps.map((a) =>
          a.name === 'heavy' ? { ...a, formation: { web: { quantity: 3, size: 'standard-1x' } } } : a,
        ),
      })),
    );
    expect(more.unplaced.find((u) => u.id === 'heavy.web.3.v1')?.reason).toBe(
      'not enough CPU: needs 1024 shares (1 CPU), most free on a matching host is 0 shares (1 host with tags pool=high)',
    );
  });
});
