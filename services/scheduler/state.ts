import type { RestartRecord } from '../core/restarts.js';
import type { StoredRoute } from '../core/routes.js';
import type { StateReader, Store, Write } from '../core/store.js';
import type { KeyLayout } from '../core/keys.js';
import { effectiveTags, placementCapacity } from '../core/hosts.js';
import { autosleepSeconds } from '../core/dynopolicy.js';
import { hasFeature } from '../core/features.js';
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
import type { AddonAssignment, AddonRecord, AttachmentRecord } from '../core/addons.js';
import type { SchedulerConfig } from './config.js';
import type { AppInput, LatestRelease, Plan, PlanInput, PlanSettings } from './model.js';
import { runDeletes, runsOf } from './runstate.js';

// The scheduler's two edges with etcd: read a consistent snapshot into the
// planner's plain input, and write a plan back, fenced by leadership.

/** The settings the snapshot goes by: the planner's, and how a host's room is counted. */
export type StateSettings = PlanSettings &
  Pick<SchedulerConfig, 'cpuOvercommit' | 'memoryOvercommit'> &
  Partial<Pick<SchedulerConfig, 'makeRoomIdleMs' | 'wakeWaitMs'>>;

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
    k.addons(),
    k.addonAttachments(),
    k.addonAssignments(),
  ];
}

/** Reads everything the planner needs at one etcd revision (a copy of plannedPrefixes, then planInputOf). */
export async function loadPlanInput(store: Store, now: number, config: StateSettings): Promise<PlanInput> {
  const prefixes = plannedPrefixes(store.keys);
  const first = await store.range<unknown>(prefixes[0] as string);
  const rest = await Promise.all(prefixes.slice(1).map((p) => store.range<unknown>(p, first.revision)));
  const data = new Map<string, unknown>();
  for (const r of [first, ...rest]) for (const e of r.entries) data.set(e.key, e.value);
  return planInputOf(readerOf(data), store.keys, now, config);
}

/** A StateReader over keys and values in a map (a copy read once; tests). */
export function readerOf(data: ReadonlyMap<string, unknown>): StateReader {
  const entries = <T>(prefix: string): [string, T][] =>
    [...data.entries()].filter(([key]) => key.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : 1)) as [string, T][];
  return {
    get: <T>(key: string) => data.get(key) as T | undefined,
    entries,
    list: <T>(prefix: string) => entries<T>(prefix).map(([, v]) => v),
  };
}

/** Everything the planner needs, from a reader (a Mirror, or a copy read at one revision); pure. */
export function planInputOf(
  r: StateReader,
  k: KeyLayout,
  now: number,
  config: StateSettings,
  cached?: { apps: AppInput[]; only?: ReadonlySet<string> },
): PlanInput {
  const hosts = r.list<Host>(k.hosts());
  const assignments = r.list<Assignment>(k.assignments());
  const instances = r.list<Instance>(k.instances());
  const routes = r.list<StoredRoute>(k.routes());
  const runs = runsOf(r, k, latestRelease); // `paas run` (runs.ts)
  const tagKvs = r.entries<HostTagOverride>(k.allHostTags());
  const overrides = new Map(tagKvs.map(([key, value]) => [key.slice(k.allHostTags().length), value]));
  const apps =
    cached?.apps ??
    (() => {
      const domainsOf = groupDomains(r.list<Domain>(k.domains()));
      return r.list<App>(k.apps()).map((a) => appInputOf(r, k, a, domainsOf.get(a.name)));
    })();
  return {
    now,
    drainMs: config.drainMs,
    policy: config.policy,
    rolloutTimeoutMs: config.rolloutTimeoutMs,
    releaseTimeoutMs: config.releaseTimeoutMs,
    ...(config.makeRoomIdleMs !== undefined && { makeRoomIdleMs: config.makeRoomIdleMs }),
    ...(config.wakeWaitMs !== undefined && { wakeWaitMs: config.wakeWaitMs }),
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
    ...addonsOf(r, k),
    ...(cached?.only && { only: cached.only }),
  };
}

/** The add-ons with their attached apps, and their assignments (few next to apps: read whole at every pass). */
function addonsOf(r: StateReader, k: KeyLayout): Pick<PlanInput, 'addons' | 'addonAssignments'> {
  const records = r.list<AddonRecord>(k.addons());
  const assignments = r.list<AddonAssignment>(k.addonAssignments());
  if (records.length === 0 && assignments.length === 0) return {};
  const appsOf = new Map<string, string[]>();
  for (const a of r.list<AttachmentRecord>(k.addonAttachments()))
    appsOf.set(a.addon, [...(appsOf.get(a.addon) ?? []), a.app]);
  return {
    addons: records.map((record) => ({ record, apps: [...new Set(appsOf.get(record.name) ?? [])].sort() })),
    addonAssignments: assignments,
  };
}

/**
 * The scheduler's planner input across passes: each app's AppInput kept and built again only when a key of the app
 * changed (appsOfKeys), so a pass after one app's change reads that app and plans only it (PlanInput.only).
 */
export class PlanInputs {
  private readonly apps = new Map<string, AppInput>();
  private loaded = false;

  constructor(
    private readonly r: StateReader,
    private readonly k: KeyLayout,
  ) {}

  /** The input of a pass: every app when `dirty` is undefined (or at the first pass), else only the dirty ones. */
  input(now: number, config: StateSettings, dirty: ReadonlySet<string> | undefined): PlanInput {
    const { r, k } = this;
    if (!dirty || !this.loaded) {
      this.apps.clear();
      const domainsOf = groupDomains(r.list<Domain>(k.domains()));
      for (const a of r.list<App>(k.apps())) this.apps.set(a.name, appInputOf(r, k, a, domainsOf.get(a.name)));
      this.loaded = true;
      return planInputOf(r, k, now, config, { apps: [...this.apps.values()] });
    }
    for (const name of dirty) {
      const a = r.get<App>(k.app(name));
      if (!a) this.apps.delete(name);
      else {
        const domains = r
          .list<Domain>(k.domains())
          .filter((d) => d.app === name)
          .map((d) => d.hostname);
        this.apps.set(name, appInputOf(r, k, a, domains));
      }
    }
    return planInputOf(r, k, now, config, { apps: [...this.apps.values()], only: dirty });
  }
}

/**
 * The apps whose planner input the changed keys concern (undefined: possibly every app: a host, its tags, a domain
 * changed).
 */
export function appsOfKeys(k: KeyLayout, keys: Iterable<string>): Set<string> | undefined {
  const out = new Set<string>();
  const p = `${k.prefix}/`;
  for (const key of keys) {
    if (!key.startsWith(p)) continue;
    const [family, a, b] = key.slice(p.length).split('/');
    if (!a) continue;
    switch (family) {
      case 'hosts':
      case 'host-tags':
      case 'domains':
        return undefined;
      case 'addons':
      case 'addon-assignments':
        break; // the add-ons' step plans every add-on at every pass
      case 'assignments':
        // <host>/<app>.<dyno>.v<N>...: app names have no dots
        if (b) out.add(b.split('.')[0] as string);
        break;
      default:
        out.add(a);
    }
  }
  return out;
}

function groupDomains(records: readonly Domain[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const d of records) out.set(d.app, [...(out.get(d.app) ?? []), d.hostname]);
  return out;
}

const timeOf = (rec: { at: string } | undefined) => {
  const t = rec ? Date.parse(rec.at) : NaN;
  return Number.isFinite(t) ? t : undefined;
};

/** One app as the planner sees it: its record, latest release (or fallback), formation, restarts, activity; pure. */
export function appInputOf(r: StateReader, k: KeyLayout, a: App, domains?: string[]): AppInput {
  const release = a.latestRelease > 0 ? r.get<Release>(k.release(a.name, a.latestRelease)) : undefined;
  const formation = r.get<Formation>(k.formation(a.name));
  const restart = r.get<RestartRecord>(k.restart(a.name));
  const input: AppInput = { name: a.name, formation: formation ?? {} };
  if (domains && domains.length > 0) input.domains = domains;
  if (a.maintenance) input.maintenance = true;
  if (hasFeature(a, 'redirect-https')) input.redirectHttps = true;
  if (restart) input.restart = restart;
  if (a.pool && Object.keys(a.pool).length > 0) input.pool = a.pool;
  if (a.uid) input.uid = a.uid;
  const autosleepS = autosleepSeconds(a, input.formation);
  if (autosleepS > 0) input.autosleepS = autosleepS;
  if (a.keepAwake && a.keepAwake.length > 0) input.keepAwake = a.keepAwake;
  if (a.lifetimeS !== undefined) input.lifetimeS = a.lifetimeS;
  const seen = timeOf(r.get<ActivityRecord>(k.activity(a.name)));
  const woken = timeOf(r.get<WakeRecord>(k.wake(a.name)));
  if (seen !== undefined || woken !== undefined) input.activityAt = Math.max(seen ?? 0, woken ?? 0);
  if (woken !== undefined) input.wokenAt = woken;
  const asked = timeOf(r.get<SleepRequest>(k.sleepRequest(a.name)));
  if (asked !== undefined) input.sleepRequestedAt = asked;
  if (release) input.release = latestRelease(release);
  const statusOf = (v: number) => r.get<ReleaseStatusRecord>(k.releaseStatus(a.name, v));
  const status = statusOf(a.latestRelease);
  if (status) input.status = { status: status.status, at: status.at, ...(status.reason && { reason: status.reason }) };
  if (status?.status === 'failed') {
    // The newest earlier release that did not fail runs instead (a few reads: failures are rare in a row).
    for (let v = a.latestRelease - 1; v >= 1 && v >= a.latestRelease - 50; v--) {
      if (statusOf(v)?.status === 'failed') continue;
      const older = r.get<Release>(k.release(a.name, v));
      if (older?.image) {
        input.fallback = latestRelease(older);
        break;
      }
    }
  }
  return input;
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
      (p.deleteRuns?.length ?? 0) +
      (p.addons?.put.length ?? 0) +
      (p.addons?.remove.length ?? 0) ===
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
    ...(p.addons?.put ?? []).map((a) => ({ put: k.addonAssignment(a.host, a.name), value: a })),
    ...(p.addons?.remove ?? []).map((r) => ({ delete: k.addonAssignment(r.host, r.name) })),
  ];
  let revision = 0n;
  for (let i = 0; i < writes.length; i += 100) {
    const at = await store.commitAt([{ key: fenceKey, exists: true }], writes.slice(i, i + 100));
    if (at === undefined) return false;
    revision = at;
  }
  return revision;
}
