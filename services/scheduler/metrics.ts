import type { Counter, Histogram } from 'prom-client';
import type { KeyLayout } from '../core/keys.js';
import type { ServiceMetrics } from '../core/metrics.js';
import type { StateReader } from '../core/store.js';
import type { Assignment, Host, Instance } from '../core/types.js';
import { instanceKey, upInstance, type Plan, type PlanInput } from './model.js';

// The scheduler's work (issue 18), on its registry (core/metrics.ts). Counted
// by the leader's passes (scheduler.ts), each plan once it is written:
//
//   paas_scheduler_passes_total{scope, result}     scope: all (every app) or changed (the
//                                                  apps of the keys changed); result: ok, error
//   paas_scheduler_pass_duration_seconds{scope}    a pass: plan, write, wait for its copy
//   paas_scheduler_placements_total                containers given a host
//   paas_scheduler_removals_total                  containers taken off a host
//   paas_scheduler_wakes_total                     apps woken (the route leaves `sleeping`)
//   paas_scheduler_sleeps_total                    apps put to sleep (idle, asked, for room)
//   paas_scheduler_releases_total{status}          release statuses written: released (its
//                                                  release phase passed), succeeded, failed
//
// Gauges, read at each scrape; a standby's are 0 but for `leader`:
//
//   paas_scheduler_leader                          1 while this scheduler leads
//   paas_scheduler_dynos_desired                   containers it wants running: assigned on a
//                                                  live host (not parked) or waiting for room
//   paas_scheduler_dynos_up                        of those assigned, the ones whose agent says up
//   paas_scheduler_dynos_unplaced                  containers no host could take at the last pass
//   paas_scheduler_apps_waiting_for_room           apps with such a container
//   paas_scheduler_pending_changes                 keys changed since the last pass began: the
//                                                  next pass's work
//   paas_scheduler_rechecks_pending                apps to plan again at a time of their own (an
//                                                  idle clock, a drain, a rollout's timeout)

export type PassScope = 'all' | 'changed';

/** Seconds: a pass over a few apps takes milliseconds, over 10,000 apps about a second. */
export const PASS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** What the leader knows at a scrape (undefined: it does not lead, or its copy of etcd is not loaded). */
export interface SchedulerView {
  /** The leader's copy of etcd (core/mirror.ts), and the revision it is at. */
  state: StateReader;
  revision: bigint;
  keys: KeyLayout;
  unplaced: number;
  appsWaiting: number;
  pendingChanges: number;
  rechecks: number;
}

/** What a plan, once written, did: counted from the plan and the input it was made from; pure. */
export function planCounts(
  p: Pick<Plan, 'put' | 'remove' | 'routes' | 'statuses'>,
  input: Pick<PlanInput, 'assignments' | 'routes'>,
): { placements: number; removals: number; wakes: number; sleeps: number } {
  const had = new Set(input.assignments.map((a) => `${a.host}/${a.id}`));
  const before = new Map(input.routes.map((r) => [r.app, r.state]));
  let wakes = 0;
  let sleeps = 0;
  for (const r of p.routes) {
    const was = before.get(r.app) === 'sleeping';
    const is = r.state === 'sleeping';
    if (was && !is) wakes++;
    if (!was && is) sleeps++;
  }
  return {
    placements: p.put.filter((a) => !had.has(`${a.host}/${a.id}`)).length,
    removals: p.remove.length,
    wakes,
    sleeps,
  };
}

/** The containers assigned on live hosts (not parked), and of those the ones reported up, in a copy of etcd; pure. */
export function dynoCounts(r: StateReader, k: KeyLayout): { assigned: number; up: number } {
  const live = new Set(r.list<Host>(k.hosts()).map((h) => h.id));
  const instanceOf = new Map(r.list<Instance>(k.instances()).map((i) => [instanceKey(i), i]));
  let assigned = 0;
  let up = 0;
  for (const a of r.list<Assignment>(k.assignments())) {
    if (!live.has(a.host) || a.parked) continue;
    assigned++;
    if (upInstance({ instanceOf }, a)) up++;
  }
  return { assigned, up };
}

export class SchedulerMetrics {
  private readonly passes: Counter<'scope' | 'result'>;
  private readonly passDuration: Histogram<'scope'>;
  private readonly placements: Counter;
  private readonly removals: Counter;
  private readonly wakes: Counter;
  private readonly sleeps: Counter;
  private readonly releases: Counter<'status'>;

  constructor(metrics: ServiceMetrics, leads: () => boolean, view: () => SchedulerView | undefined) {
    this.passes = metrics.counter(
      'paas_scheduler_passes_total',
      "The leader's passes, by scope (all: every app; changed: the apps that changed) and result (ok, error)",
      ['scope', 'result'],
    );
    this.passDuration = metrics.histogram(
      'paas_scheduler_pass_duration_seconds',
      "The leader's passes' time (plan, write, wait for its copy of etcd), by scope",
      PASS_BUCKETS,
      ['scope'],
    );
    this.placements = metrics.counter('paas_scheduler_placements_total', 'Containers given a host');
    this.removals = metrics.counter('paas_scheduler_removals_total', 'Containers taken off a host');
    this.wakes = metrics.counter('paas_scheduler_wakes_total', 'Apps woken (their route no longer sleeping)');
    this.sleeps = metrics.counter('paas_scheduler_sleeps_total', 'Apps put to sleep (idle, asked to, or for room)');
    this.releases = metrics.counter(
      'paas_scheduler_releases_total',
      'Release statuses written: released (release phase passed), succeeded, failed',
      ['status'],
    );
    for (const scope of ['all', 'changed'] as const)
      for (const result of ['ok', 'error'] as const) this.passes.inc({ scope, result }, 0);
    for (const status of ['released', 'succeeded', 'failed'] as const) this.releases.inc({ status }, 0);

    metrics.gauge('paas_scheduler_leader', '1 while this scheduler leads, else 0', [], function () {
      this.set(leads() ? 1 : 0);
    });
    // The counts over the copy, made once per revision of it (two gauges read them at each scrape).
    let dynos: { state: StateReader; revision: bigint; counts: { assigned: number; up: number } } | undefined;
    const counts = (v: SchedulerView) => {
      if (dynos?.state !== v.state || dynos.revision !== v.revision)
        dynos = { state: v.state, revision: v.revision, counts: dynoCounts(v.state, v.keys) };
      return dynos.counts;
    };
    const gauge = (name: string, help: string, of: (v: SchedulerView) => number) =>
      metrics.gauge(name, help, [], function () {
        const v = view();
        this.set(v ? of(v) : 0);
      });
    gauge(
      'paas_scheduler_dynos_desired',
      'Containers the leader wants running: assigned on a live host (not parked) or waiting for room',
      (v) => counts(v).assigned + v.unplaced,
    );
    gauge(
      'paas_scheduler_dynos_up',
      'Containers assigned on a live host that its agent reports up',
      (v) => counts(v).up,
    );
    gauge('paas_scheduler_dynos_unplaced', 'Containers no host could take at the last pass', (v) => v.unplaced);
    gauge('paas_scheduler_apps_waiting_for_room', 'Apps with a container no host could take', (v) => v.appsWaiting);
    gauge('paas_scheduler_pending_changes', 'Keys changed since the last pass began', (v) => v.pendingChanges);
    gauge('paas_scheduler_rechecks_pending', 'Apps to plan again at a time of their own', (v) => v.rechecks);
  }

  /** A pass starts: the answer ends it with its result. */
  pass(scope: PassScope): (result: 'ok' | 'error') => void {
    const end = this.passDuration.startTimer({ scope });
    return (result) => {
      this.passes.inc({ scope, result });
      end();
    };
  }

  /** A plan was written: what it did. */
  applied(p: Plan, input: Pick<PlanInput, 'assignments' | 'routes'>): void {
    const c = planCounts(p, input);
    this.placements.inc(c.placements);
    this.removals.inc(c.removals);
    this.wakes.inc(c.wakes);
    this.sleeps.inc(c.sleeps);
    for (const s of p.statuses) this.releases.inc({ status: s.status });
  }
}
