import { describe, expect, it } from 'vitest';
import { keyLayout } from '../../../services/core/keys.js';
import { ServiceMetrics } from '../../../services/core/metrics.js';
import type { Assignment, Host, Instance } from '../../../services/core/types.js';
import { dynoCounts, planCounts, SchedulerMetrics, type SchedulerView } from '../../../services/scheduler/metrics.js';
import type { AppInput, PlanInput } from '../../../services/scheduler/model.js';
import { plan } from '../../../services/scheduler/plan.js';
import { readerOf } from '../../../services/scheduler/state.js';
import { applied, report, settle, SETTINGS } from './steps.js';

// The scheduler's work metrics: what a written plan did (placements,
// removals, wakes, sleeps), the dynos it wants and has in its copy of etcd,
// and the registry's series (the leader's passes, its gauges at a scrape).

const T0 = Date.parse('2025-01-01T00:00:00Z');
const MIN = 60_000;

function app(opts: Partial<AppInput> = {}): AppInput {
  return {
    name: 'shop',
    release: {
      version: 3,
      image: 'paas/app-shop:3',
      config: {},
      processTypes: { web: 'node server.js', worker: 'node worker.js' },
      createdAt: new Date(T0).toISOString(),
      wakesApp: true,
    },
    formation: { web: { quantity: 2, size: 'eco' }, worker: { quantity: 1, size: 'eco' } },
    autosleepS: 30 * 60,
    ...opts,
  };
}

function input(over: Partial<PlanInput> = {}): PlanInput {
  return {
    ...SETTINGS,
    now: T0,
    drainMs: 0,
    apps: [app()],
    hosts: [{ id: 'h1', memoryMb: 4096, cpus: 8 }],
    assignments: [],
    instances: [],
    routes: [],
    ...over,
  };
}

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('planCounts', () => {
  it('counts the containers given a host, not those written again where they are', () => {
    const first = input();
    const p = plan(first);
    expect(planCounts(p, first)).toEqual({ placements: 3, removals: 0, wakes: 0, sleeps: 0 });
    // the same assignments written again (say, parked) are no placement
    expect(planCounts({ ...p, routes: [] }, applied(first, p)).placements).toBe(0);
  });

  it('counts an app put to sleep once, and its wake once', () => {
    let i = settle(input());
    i = settle(report(i, ['shop.web.1.v3', 'shop.web.2.v3', 'shop.worker.1.v3'], 'up'));
    // idle past its 30 minutes: its route says sleeping
    i = { ...i, now: T0 + 31 * MIN };
    const asleep = plan(i);
    expect(planCounts(asleep, i)).toMatchObject({ sleeps: 1, wakes: 0 });
    i = settle(applied(i, asleep));
    expect(planCounts(plan(i), i)).toMatchObject({ sleeps: 0, wakes: 0 });
    // a router asks for a wake: the route leaves sleeping
    i = { ...i, now: T0 + 40 * MIN, apps: [app({ activityAt: T0 + 39 * MIN })] };
    const woken = plan(i);
    expect(planCounts(woken, i)).toMatchObject({ sleeps: 0, wakes: 1 });
  });

  it('counts the containers taken off a host', () => {
    let i = settle(input());
    i = { ...i, apps: [app({ formation: { web: { quantity: 1, size: 'eco' } } })] };
    expect(planCounts(plan(i), i)).toMatchObject({ placements: 0, removals: 2 });
  });
});

const k = keyLayout('/t');
const host = (id: string): Host => ({ id, address: '127.0.0.1', tags: {}, capacity: { memoryMb: 1, cpus: 1 } }) as Host;
const assignment = (hostId: string, id: string, more: Partial<Assignment> = {}) =>
  ({ id, host: hostId, app: 'shop', type: 'web', createdAt: 'c1', ...more }) as Assignment;
const instance = (hostId: string, id: string, state: Instance['state'], more: Partial<Instance> = {}) =>
  ({ id, host: hostId, app: 'shop', state, assignedAt: 'c1', ...more }) as Instance;

function copyOf(hosts: Host[], as: Assignment[], is: Instance[]) {
  const data = new Map<string, unknown>();
  for (const h of hosts) data.set(k.host(h.id), h);
  for (const a of as) data.set(k.assignment(a.host, a.id), a);
  for (const i of is) data.set(k.instance(i.app, i.id), i);
  return readerOf(data);
}

describe('dynoCounts', () => {
  it('counts the containers assigned on live hosts, not parked, and those reported up there', () => {
    const r = copyOf(
      [host('h1')],
      [
        assignment('h1', 'shop.web.1.v1'),
        assignment('h1', 'shop.web.2.v1'),
        assignment('h1', 'shop.web.3.v1'),
        assignment('h1', 'shop.worker.1.v1', { parked: true }),
        assignment('gone', 'shop.web.4.v1'),
      ],
      [
        instance('h1', 'shop.web.1.v1', 'up'),
        instance('h1', 'shop.web.2.v1', 'crashed'),
        instance('h1', 'shop.web.3.v1', 'up', { assignedAt: 'c0' }), // a report from before its wake
      ],
    );
    expect(dynoCounts(r, k)).toEqual({ assigned: 3, up: 1 });
  });
});

describe('SchedulerMetrics', () => {
  it("counts passes and plans, and reads the leader's gauges at each scrape", async () => {
    const metrics = new ServiceMetrics('scheduler');
    let leads = false;
    const leader: { view?: SchedulerView } = {}; // what the running term would show
    const work = new SchedulerMetrics(
      metrics,
      () => leads,
      () => leader.view,
    );
    let text = await metrics.text();
    expect(sample(text, 'paas_scheduler_leader')).toBe(0);
    expect(sample(text, 'paas_scheduler_dynos_desired')).toBe(0);
    expect(sample(text, 'paas_scheduler_passes_total{scope="all",result="ok"}')).toBe(0);

    leads = true;
    leader.view = {
      state: copyOf([host('h1')], [assignment('h1', 'shop.web.1.v1')], [instance('h1', 'shop.web.1.v1', 'up')]),
      revision: 7n,
      keys: k,
      unplaced: 2,
      appsWaiting: 1,
      pendingChanges: 4,
      rechecks: 5,
    };
    work.pass('all')('ok');
    work.pass('changed')('error');
    const i = input();
    const p = plan(i);
    work.applied({ ...p, statuses: [{ app: 'shop', version: 3, status: 'failed', at: '' }] }, i);
    text = await metrics.text();
    expect(sample(text, 'paas_scheduler_leader')).toBe(1);
    expect(sample(text, 'paas_scheduler_passes_total{scope="all",result="ok"}')).toBe(1);
    expect(sample(text, 'paas_scheduler_passes_total{scope="changed",result="error"}')).toBe(1);
    expect(sample(text, 'paas_scheduler_pass_duration_seconds_count{scope="all"}')).toBe(1);
    expect(sample(text, 'paas_scheduler_placements_total')).toBe(3);
    expect(sample(text, 'paas_scheduler_releases_total{status="failed"}')).toBe(1);
    expect(sample(text, 'paas_scheduler_releases_total{status="succeeded"}')).toBe(0);
    expect(sample(text, 'paas_scheduler_dynos_desired')).toBe(3); // 1 assigned + 2 waiting for room
    expect(sample(text, 'paas_scheduler_dynos_up')).toBe(1);
    expect(sample(text, 'paas_scheduler_dynos_unplaced')).toBe(2);
    expect(sample(text, 'paas_scheduler_apps_waiting_for_room')).toBe(1);
    expect(sample(text, 'paas_scheduler_pending_changes')).toBe(4);
    expect(sample(text, 'paas_scheduler_rechecks_pending')).toBe(5);
  });
});
