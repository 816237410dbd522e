import type { RestartRecord } from '../core/restarts.js';
import type { StoredRoute } from '../core/routes.js';
import type { Store, Write } from '../core/store.js';
import { effectiveTags, placementCapacity } from '../core/hosts.js';
import { autosleepSeconds } from '../core/dynopolicy.js';
import type {
  ActivityRecord,
  App,
  Assignment,
  Domain,
  Formation,
  Host,
  HostTagOverride,
  Instance,
  Release,
  ReleaseStatusRecord,
  SleepRequest,
  WakeRecord,
} from '../core/types.js';
import type { SchedulerConfig } from './config.js';
import type { AppInput, LatestRelease, Plan, PlanInput, PlanSettings } from './model.js';
import { loadRuns, runDeletes } from './runstate.js';

// The scheduler's two edges with etcd: read a consistent snapshot into the
// planner's plain input, and write a plan back, fenced by leadership.

/** The settings the snapshot goes by: the planner's, and how a host's room is counted. */
export type StateSettings = PlanSettings & Pick<SchedulerConfig, 'cpuOvercommit' | 'memoryOvercommit'>;

/** Reads everything the planner needs at one etcd revision. */
export async function loadPlanInput(store: Store, now: number, config: StateSettings): Promise<PlanInput> {
  const k = store.keys;
  const first = await store.range<App>(k.apps());
  const rev = first.revision;
  const range = async <T>(prefix: string): Promise<T[]> =>
    (await store.range<T>(prefix, rev)).entries.map((e) => e.value);
  const getAt = async <T>(key: string): Promise<T | undefined> => (await store.getVersioned<T>(key, rev))?.value;
  const appRecords = first.entries.map((e) => e.value);
  const [hosts, assignments, instances, routes, tagKvs, statusRecords, domainRecords, runs, activities, wakes, sleeps] =
    await Promise.all([
      range<Host>(k.hosts()),
      range<Assignment>(k.assignments()),
      range<Instance>(k.instances()),
      range<StoredRoute>(k.routes()),
      store.range<HostTagOverride>(k.allHostTags(), rev),
      range<ReleaseStatusRecord>(k.releaseStatuses()),
      range<Domain>(k.domains()),
      loadRuns(store, rev, latestRelease), // `paas run` (runs.ts)
      range<ActivityRecord>(k.activities()),
      range<WakeRecord>(k.wakes()),
      range<SleepRequest>(k.sleepRequests()),
    ]);
  const activityOf = new Map<string, number>();
  for (const r of [...activities, ...wakes]) {
    const t = Date.parse(r.at);
    if (Number.isFinite(t)) activityOf.set(r.app, Math.max(activityOf.get(r.app) ?? 0, t));
  }
  const sleepAskedOf = new Map(sleeps.map((r) => [r.app, Date.parse(r.at)]));
  const statusOf = new Map(statusRecords.map((s) => [`${s.app}/${s.version}`, s]));
  const overrides = new Map(tagKvs.entries.map((e) => [e.key.slice(k.allHostTags().length), e.value]));
  const domainsOf = new Map<string, string[]>();
  for (const d of domainRecords) domainsOf.set(d.app, [...(domainsOf.get(d.app) ?? []), d.hostname]);
  // Formations and restarts in one range each; the latest releases one read per app, a bounded number at once
  // (each read is a gRPC call: thousands at once cost the process memory and gain no time).
  const [formations, restarts] = await Promise.all([
    byApp<Formation>(store, k.formation(''), rev),
    byApp<RestartRecord>(store, k.restart(''), rev),
  ]);
  const apps = await mapBounded(appRecords, READS_AT_ONCE, async (a): Promise<AppInput> => {
    const release = a.latestRelease > 0 ? await getAt<Release>(k.release(a.name, a.latestRelease)) : undefined;
    const formation = formations.get(a.name);
    const restart = restarts.get(a.name);
    const input: AppInput = { name: a.name, formation: formation ?? {} };
    const domains = domainsOf.get(a.name);
    if (domains) input.domains = domains;
    if (a.maintenance) input.maintenance = true;
    if (restart) input.restart = restart;
    if (a.pool && Object.keys(a.pool).length > 0) input.pool = a.pool;
    if (a.uid) input.uid = a.uid;
    const autosleepS = autosleepSeconds(a, input.formation);
    if (autosleepS > 0) input.autosleepS = autosleepS;
    if (a.keepAwake && a.keepAwake.length > 0) input.keepAwake = a.keepAwake;
    if (a.lifetimeS !== undefined) input.lifetimeS = a.lifetimeS;
    const activityAt = activityOf.get(a.name);
    if (activityAt !== undefined) input.activityAt = activityAt;
    const asked = sleepAskedOf.get(a.name);
    if (asked !== undefined && Number.isFinite(asked)) input.sleepRequestedAt = asked;
    if (release) input.release = latestRelease(release);
    const status = statusOf.get(`${a.name}/${a.latestRelease}`);
    if (status)
      input.status = { status: status.status, at: status.at, ...(status.reason && { reason: status.reason }) };
    if (status?.status === 'failed') {
      // The newest earlier release that did not fail runs instead (a few reads: failures are rare in a row).
      for (let v = a.latestRelease - 1; v >= 1 && v >= a.latestRelease - 50; v--) {
        if (statusOf.get(`${a.name}/${v}`)?.status === 'failed') continue;
        const older = await getAt<Release>(k.release(a.name, v));
        if (older?.image) {
          input.fallback = latestRelease(older);
          break;
        }
      }
    }
    return input;
  });
  return {
    now,
    drainMs: config.drainMs,
    policy: config.policy,
    rolloutTimeoutMs: config.rolloutTimeoutMs,
    releaseTimeoutMs: config.releaseTimeoutMs,
    apps,
    hosts: hosts.map((h) => ({
      id: h.id,
      ...placementCapacity(h.capacity, {
        memoryOvercommit: config.memoryOvercommit,
        cpuOvercommit: config.cpuOvercommit,
      }),
      tags: effectiveTags(h, overrides.get(h.id)),
    })),
    assignments,
    instances,
    routes,
    runs,
  };
}

/** Reads of the snapshot in flight at once. */
const READS_AT_ONCE = 32;

/** The records under `prefix` (<prefix><app>) at `rev`, by app. */
async function byApp<T>(store: Store, prefix: string, rev: string): Promise<Map<string, T>> {
  const { entries } = await store.range<T>(prefix, rev);
  return new Map(entries.map((e) => [e.key.slice(prefix.length), e.value]));
}

/** `fn` of each item, in order, with at most `limit` running at once. */
async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function latestRelease(r: Release): LatestRelease {
  return {
    version: r.version,
    image: r.image,
    config: r.config,
    processTypes: r.processTypes,
    createdAt: r.createdAt,
    ...(r.healthcheck && { healthcheck: r.healthcheck }),
  };
}

export function isEmptyPlan(p: Plan): boolean {
  return (
    p.put.length +
      p.remove.length +
      p.routes.length +
      p.deleteRoutes.length +
      (p.statuses?.length ?? 0) +
      (p.deleteRuns?.length ?? 0) ===
    0
  );
}

/**
 * Writes a plan in transactions that succeed only while `fenceKey` (our
 * election key) exists, so a deposed leader cannot write. Returns false if
 * leadership was lost.
 */
export async function applyPlan(store: Store, p: Plan, fenceKey: string): Promise<boolean> {
  const k = store.keys;
  const writes: Write[] = [
    ...(p.statuses ?? []).map((s) => ({ put: k.releaseStatus(s.app, s.version), value: s })),
    ...p.put.map((a) => ({ put: k.assignment(a.host, a.id), value: a })),
    ...p.routes.map((r) => ({ put: k.route(r.app), value: r })),
    ...p.remove.map((r) => ({ delete: k.assignment(r.host, r.id) })),
    ...p.deleteRoutes.map((app) => ({ delete: k.route(app) })),
    ...runDeletes(store, p.deleteRuns),
  ];
  for (let i = 0; i < writes.length; i += 100) {
    if (!(await store.commit([{ key: fenceKey, exists: true }], writes.slice(i, i + 100)))) return false;
  }
  return true;
}
