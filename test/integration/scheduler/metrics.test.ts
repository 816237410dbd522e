import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { etcdRoundTrips } from '../../../services/core/etcdmetrics.js';
import { ServiceMetrics } from '../../../services/core/metrics.js';
import { Store } from '../../../services/core/store.js';
import type { Assignment, Host, Instance, Route } from '../../../services/core/types.js';
import { loadConfig as schedulerConfig } from '../../../services/scheduler/config.js';
import { startScheduler, type RunningScheduler } from '../../../services/scheduler/scheduler.js';
import { etcdEndpoints, uniquePrefix } from '../../support/env.js';
import { log, waitFor } from '../agent/support.js';

// The scheduler's work metrics as a leader counts them over the real etcd (a
// host record and no agent: the test writes what an agent and a router would):
// its passes, a placement, the dynos it wants and has, a sleep and a wake, and
// its Store's round trips.

const prefix = uniquePrefix('schedmetrics');
const metrics = new ServiceMetrics('scheduler');
let store: Store;
let scheduler: RunningScheduler;
const APP = 'metered';

/** The value of one series in the exposition (0: none). */
async function sample(series: string): Promise<number> {
  const line = (await metrics.text()).split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

const until = (what: string, series: string, accept: (v: number) => boolean) =>
  waitFor(`${what} (${series})`, async () => {
    const v = await sample(series);
    return accept(v) ? v : undefined;
  });

beforeAll(async () => {
  store = Store.connect(etcdEndpoints(), prefix).countedAs(etcdRoundTrips('scheduler'));
  const host: Host = {
    id: 'h1',
    address: '127.0.0.1',
    tags: {},
    capacity: { memoryMb: 4096, cpus: 2 },
    registeredAt: '',
  };
  await store.put(store.keys.host('h1'), host);
  scheduler = startScheduler({
    store,
    log,
    config: { ...schedulerConfig({}), name: 'm', electionTtlSeconds: 2, drainMs: 0, resyncMs: 60_000 },
    metrics,
  });
});

afterAll(async () => {
  await scheduler?.stop();
  await store.deletePrefix(`${prefix}/`);
  store.close();
});

describe('scheduler metrics', () => {
  it('counts what its passes did, and says what it wants and has', async () => {
    await until('it leads', 'paas_scheduler_leader', (v) => v === 1);
    await store.createApp(
      { name: APP, id: APP, owner: 'u', createdAt: new Date().toISOString(), latestRelease: 0 },
      { web: { quantity: 1, size: 'eco' } },
    );
    await store.createRelease(APP, () => ({
      image: 'paas/stack-run:latest',
      config: {},
      processTypes: { web: 'true' },
      description: '',
      createdBy: 't',
      createdAt: new Date().toISOString(),
    }));
    const a = await waitFor(
      'an assignment',
      async () => (await store.list<Assignment>(store.keys.assignments('h1')))[0],
    );
    expect(await until('a placement', 'paas_scheduler_placements_total', (v) => v >= 1)).toBe(1);
    expect(await sample('paas_scheduler_passes_total{scope="all",result="ok"}')).toBeGreaterThanOrEqual(1);
    expect(await sample('paas_scheduler_pass_duration_seconds_count{scope="changed"}')).toBeGreaterThanOrEqual(1);
    await until('the dyno wanted', 'paas_scheduler_dynos_desired', (v) => v === 1);
    expect(await sample('paas_scheduler_dynos_up')).toBe(0);

    // its agent says it is up
    const up: Instance = {
      id: a.id,
      host: 'h1',
      app: APP,
      release: a.release,
      type: 'web',
      state: 'up',
      containerId: 'c1',
      address: '127.0.0.1',
      port: 40000,
      updatedAt: new Date().toISOString(),
      assignedAt: a.createdAt,
    };
    await store.put(store.keys.instance(APP, a.id), up);
    await until('the dyno up', 'paas_scheduler_dynos_up', (v) => v === 1);

    // asked to sleep, then woken by a router
    await store.put(store.keys.sleepRequest(APP), { app: APP, at: new Date().toISOString(), by: 'u' });
    await until('a sleep', 'paas_scheduler_sleeps_total', (v) => v === 1);
    const asleep = await store.get<Route>(store.keys.route(APP));
    expect(asleep?.state).toBe('sleeping');
    await new Promise((r) => setTimeout(r, 5));
    await store.put(store.keys.wake(APP), { app: APP, at: new Date().toISOString(), router: 'r1' });
    await until('a wake', 'paas_scheduler_wakes_total', (v) => v === 1);
    expect(await sample('paas_scheduler_sleeps_total')).toBe(1);

    // its Store's round trips: the plans' transactions, its copy's reads and watch
    expect(await sample('paas_scheduler_etcd_requests_total{operation="txn",result="ok"}')).toBeGreaterThan(0);
    expect(await sample('paas_scheduler_etcd_requests_total{operation="range",result="ok"}')).toBeGreaterThan(0);
    expect(await sample('paas_scheduler_etcd_requests_total{operation="watch",result="ok"}')).toBeGreaterThan(0);
  });
});
