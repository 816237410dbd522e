import type { RestartRecord } from '../core/restarts.js';
import type { StoredRoute } from '../core/routes.js';
import type { StateReader, Store, Write } from '../core/store.js';
import type { KeyLayout } from '../core/keys.js';
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
import { runDeletes, runsOf } from './runstate.js';

// The scheduler's two edges with etcd: read a consistent snapshot into the
// planner's plain input, and write a plan back, fenced by leadership.

/** The settings the snapshot goes by: the planner's, and how a host's room is counted. */
export type StateSettings = PlanSettings & Pick<SchedulerConfig, 'cpuOvercommit' | 'memoryOvercommit'>;

/** The prefixes the planner reads (a scheduler keeps a Mirror of them: scheduler.ts). */
export function plannedPrefixes(k: KeyLayout): string[] {
  return [
    k.apps(),
    `${k.prefix}/releases/`,
    `${k.prefix}/formation/`,
    `${k.prefix}/restarts/`,
    k.domains(),
    k.hosts(),
    k.allHostTags(),
    k.instances(),
    k.assignments(),
    k.routes(),
    k.releaseStatuses(),
    k.runs(),
    k.activities(),
    k.wakes(),
    k.sleepRequests(),
  ];
}

/** Reads everything the planner needs at one etcd revision (a copy of plannedPrefixes, then planInputOf). */
export async function loadPlanInput(store: Store, now: number, config: StateSettings): Promise<PlanInput> {
  const prefixes = plannedPrefixes(store.keys);
  const first = await store.range<unknown>(prefixes[0] as string);
  const rest = await Promise.all(prefixes.slice(1).map((p) => store.range<unknown>(p, first.revision)));
  const data = new Map<string, unknown>();
  for (const r of [first, ...rest]) for (const e of r.entries) data.set(e.key, e.value);
  const entries = <T>(prefix: string): [string, T][] =>
    [...data.entries()].filter(([key]) => key.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : 1)) as [string, T][];
  const reader: StateReader = {
    get: <T>(key: string) => data.get(key) as T | undefined,
    entries,
    list: <T>(prefix: string) => entries<T>(prefix).map(([, v]) => v),
  };
  return planInputOf(reader, store.keys, now, config);
}

/** Everything the planner needs, from a reader (a Mirror, or a copy read at one revision); pure. */
export function planInputOf(r: StateReader, k: KeyLayout, now: number, config: StateSettings): PlanInput {
  const appRecords = r.list<App>(k.apps());
  const hosts = r.list<Host>(k.hosts());
  const assignments = r.list<Assignment>(k.assignments());
  const instances = r.list<Instance>(k.instances());
  const routes = r.list<StoredRoute>(k.routes());
  const statusRecords = r.list<ReleaseStatusRecord>(k.releaseStatuses());
  const domainRecords = r.list<Domain>(k.domains());
  const runs = runsOf(r, k, latestRelease); // `paas run` (runs.ts)
  const activities = r.list<ActivityRecord>(k.activities());
  const wakes = r.list<WakeRecord>(k.wakes());
  const sleeps = r.list<SleepRequest>(k.sleepRequests());
  const tagKvs = r.entries<HostTagOverride>(k.allHostTags());
  const activityOf = new Map<string, number>();
  for (const r of [...activities, ...wakes]) {
    const t = Date.parse(r.at);
    if (Number.isFinite(t)) activityOf.set(r.app, Math.max(activityOf.get(r.app) ?? 0, t));
  }
  const sleepAskedOf = new Map(sleeps.map((r) => [r.app, Date.parse(r.at)]));
  const statusOf = new Map(statusRecords.map((s) => [`${s.app}/${s.version}`, s]));
  const overrides = new Map(tagKvs.map(([key, value]) => [key.slice(k.allHostTags().length), value]));
  const domainsOf = new Map<string, string[]>();
  for (const d of domainRecords) domainsOf.set(d.app, [...(domainsOf.get(d.app) ?? []), d.hostname]);
  const apps = appRecords.map((a): AppInput => {
    const release = a.latestRelease > 0 ? r.get<Release>(k.release(a.name, a.latestRelease)) : undefined;
    const formation = r.get<Formation>(k.formation(a.name));
    const restart = r.get<RestartRecord>(k.restart(a.name));
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
        const older = r.get<Release>(k.release(a.name, v));
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

function latestRelease(r: Release): LatestRelease {
  return {
    version: r.version,
    image: r.image,
    config: r.config,
    processTypes: r.processTypes,
    createdAt: r.createdAt,
    ...(r.healthcheck && { healthcheck: r.healthcheck }),
    ...(r.wakesApp && { wakesApp: true }),
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
 * leadership was lost; else the revision of its last write.
 */
export async function applyPlan(store: Store, p: Plan, fenceKey: string): Promise<bigint | false> {
  const k = store.keys;
  const writes: Write[] = [
    ...(p.statuses ?? []).map((s) => ({ put: k.releaseStatus(s.app, s.version), value: s })),
    ...p.put.map((a) => ({ put: k.assignment(a.host, a.id), value: a })),
    ...p.routes.map((r) => ({ put: k.route(r.app), value: r })),
    ...p.remove.map((r) => ({ delete: k.assignment(r.host, r.id) })),
    ...p.deleteRoutes.map((app) => ({ delete: k.route(app) })),
    ...runDeletes(store, p.deleteRuns),
  ];
  let revision = 0n;
  for (let i = 0; i < writes.length; i += 100) {
    const at = await store.commitAt([{ key: fenceKey, exists: true }], writes.slice(i, i + 100));
    if (at === undefined) return false;
    revision = at;
  }
  return revision;
}
