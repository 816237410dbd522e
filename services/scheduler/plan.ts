import { generationOf, type RestartRecord } from '../core/restarts.js';
import { DEFAULT_SIZE, SIZES, type Size } from '../core/sizes.js';
import type { Assignment, Formation, HealthCheck, Instance, ProcessTypes, Route } from '../core/types.js';
import { Placer, type HostRoom, type PolicyName } from './place.js';

// The scheduler's decisions: desired state (latest release + formation) and
// actual state (hosts, assignments, instances, routes) in, the smallest set of
// writes out. Pure: no clock, no etcd; `now` comes in with the input.

/** Port every process listens on inside its container (given as PORT). */
export const APP_PORT = 5000;

export interface LatestRelease {
  version: number;
  image: string;
  config: Record<string, string>;
  processTypes: ProcessTypes;
  /** The web process's HTTP startup check (Release.healthcheck), copied into its assignments. */
  healthcheck?: HealthCheck;
}

export interface AppInput {
  name: string;
  /** The app's latest release, if it has one. */
  release?: LatestRelease;
  formation: Formation;
  /** Custom domains (valid, lowercase), copied into the route for the router. */
  domains?: string[];
  /** Maintenance mode: copied into the route; the router answers 503. */
  maintenance?: boolean;
  /** The app's restart record (keys.restart): containers of an older generation are replaced like those of an older release. */
  restart?: RestartRecord;
  /** Host tags every container of the app requires (App.pool); absent: any host. */
  pool?: Record<string, string>;
}

export interface PlanInput {
  now: number; // ms since the epoch
  /** Time between a route no longer listing a container and its removal. */
  drainMs: number;
  apps: AppInput[];
  /** Live hosts with their effective tags and capacity. */
  hosts: HostRoom[];
  /** Placement policy by name (place.ts); default balanced. */
  policy?: PolicyName;
  assignments: Assignment[];
  instances: Instance[];
  routes: Route[];
}

export interface Plan {
  put: Assignment[];
  remove: { host: string; id: string }[];
  routes: Route[];
  deleteRoutes: string[];
  /** Desired containers no host can take now, and why. */
  unplaced: { id: string; reason: string }[];
  /** Set when a removal waits for a drain: plan again after this many ms. */
  recheckInMs?: number;
}

/** `<app>.<type>.<index>.v<release>`, plus `.g<generation>` once the dyno has been restarted. */
export function assignmentId(app: string, type: string, index: number, release: number, generation = 0): string {
  const id = `${app}.${type}.${index}.v${release}`;
  return generation > 0 ? `${id}.g${generation}` : id;
}

function sizeOf(name: string | undefined): Size {
  return SIZES.find((s) => s.name === (name ?? '').toLowerCase()) ?? (SIZES.find((s) => s.name === DEFAULT_SIZE) as Size);
}

/** Process types and quantities to run: the formation, web=1 when it does not say. */
function quantities(formation: Formation): [string, { quantity: number; size: string }][] {
  const f: Formation = { web: { quantity: 1, size: DEFAULT_SIZE }, ...formation };
  return Object.entries(f).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The containers an app should run (without host): indices 1..q of the latest release per type, at their restart generation. */
export function desiredFor(app: AppInput, now: number): Omit<Assignment, 'host'>[] {
  const r = app.release;
  if (!r || !r.image) return [];
  const out: Omit<Assignment, 'host'>[] = [];
  for (const [type, entry] of quantities(app.formation)) {
    const command = r.processTypes[type];
    if (command === undefined) continue;
    const size = sizeOf(entry.size);
    for (let index = 1; index <= Math.max(0, Math.floor(entry.quantity)); index++) {
      out.push({
        id: assignmentId(app.name, type, index, r.version, generationOf(app.restart, type, index)),
        app: app.name,
        release: r.version,
        type,
        index,
        image: r.image,
        command,
        env: { ...r.config },
        port: APP_PORT,
        memoryMb: size.memoryMb,
        cpuShares: size.cpuShares,
        createdAt: new Date(now).toISOString(),
        ...(type === 'web' && r.healthcheck && { healthcheck: r.healthcheck }),
      });
    }
  }
  return out;
}

const upstreamOf = (i: Instance) => `${i.address}:${i.port}`;

export function plan(input: PlanInput): Plan {
  const out: Plan = { put: [], remove: [], routes: [], deleteRoutes: [], unplaced: [] };
  const liveHosts = new Set(input.hosts.map((h) => h.id));
  const appNames = new Set(input.apps.map((a) => a.name));
  const instanceOf = new Map(input.instances.map((i) => [`${i.app}/${i.id}`, i]));
  const routeOf = new Map(input.routes.map((r) => [r.app, r]));
  /** Up instance of an assignment (on the host it is assigned to), if any. */
  const upInstance = (a: { app: string; id: string; host: string }): Instance | undefined => {
    const i = instanceOf.get(`${a.app}/${a.id}`);
    return i && i.state === 'up' && i.host === a.host ? i : undefined;
  };

  // Assignments on hosts that are gone, or of apps that are gone, go first.
  const kept: Assignment[] = [];
  for (const a of input.assignments) {
    if (!liveHosts.has(a.host) || !appNames.has(a.app)) out.remove.push({ host: a.host, id: a.id });
    else kept.push(a);
  }
  for (const r of input.routes) if (!appNames.has(r.app)) out.deleteRoutes.push(r.app);

  const apps = [...input.apps].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  // New containers of all apps are placed as one batch (largest first: place.ts).
  const desiredOf = new Map(apps.map((app) => [app.name, desiredFor(app, input.now)]));
  const keptIds = new Set(kept.map((a) => a.id));
  const fresh = apps.flatMap((app) => (desiredOf.get(app.name) ?? []).filter((d) => !keptIds.has(d.id)).map((d) => ({ ...d, requiredTags: app.pool })));
  const placements = new Placer(input.hosts, kept, input.policy).placeAll(fresh);
  const placementOf = new Map(fresh.map((d, i) => [d.id, placements[i]!]));
  for (const app of apps) {
    const mine = kept.filter((a) => a.app === app.name);
    const byId = new Map(mine.map((a) => [a.id, a]));
    const desired = desiredOf.get(app.name) ?? [];
    const desiredIds = new Set(desired.map((d) => d.id));
    const current: Assignment[] = []; // desired and assigned (now or in this plan)
    for (const d of desired) {
      const have = byId.get(d.id);
      if (have) {
        current.push(have);
        continue;
      }
      const p = placementOf.get(d.id) ?? { ok: false, reason: 'not placed' };
      if (!p.ok) {
        out.unplaced.push({ id: d.id, reason: p.reason });
        continue;
      }
      const a: Assignment = { ...d, host: p.host };
      out.put.push(a);
      current.push(a);
    }
    const surplus = mine.filter((a) => !desiredIds.has(a.id));
    const latest = app.release?.version ?? 0;
    // A surplus container is replaced (kept until its successors are up) when
    // it runs an older release, or when a desired container of another
    // generation takes its slot (a restart); otherwise it is a scale-down.
    const slots = new Set(desired.map((d) => `${d.type}.${d.index}`));
    const replaced = (a: Assignment) => a.release < latest || slots.has(`${a.type}.${a.index}`);
    const allUp = (type: string) =>
      desired.filter((d) => d.type === type).every((d) => current.some((c) => c.id === d.id && upInstance(c)));

    // Route: the latest release's web instances once all are up; until then
    // the older ones that are up, so traffic never goes to nothing, with the
    // desired ones of the same release (a restart replaces only some).
    const webUpNew = current.filter((a) => a.type === 'web').flatMap((a) => upInstance(a) ?? []);
    const webUpOld = surplus.filter((a) => a.type === 'web' && replaced(a)).flatMap((a) => upInstance(a) ?? []);
    const oldReleases = new Set(webUpOld.map((i) => i.release));
    const chosen = allUp('web') || webUpOld.length === 0 ? webUpNew : [...webUpOld, ...webUpNew.filter((i) => oldReleases.has(i.release))];
    const upstreams = [...new Set(chosen.map(upstreamOf))].sort();
    const release = chosen.reduce((max, i) => Math.max(max, i.release), 0);
    const stored = routeOf.get(app.name);
    const domains = [...new Set(app.domains ?? [])].sort();
    const maintenance = app.maintenance === true;
    const moved = !stored || !sameList(stored.upstreams, upstreams) || (stored.release ?? 0) !== release;
    if (moved || !sameList(stored.domains ?? [], domains) || (stored.maintenance ?? false) !== maintenance) {
      // updatedAt dates the upstreams (the drain delay counts from it): a change of domains or maintenance keeps it.
      const updatedAt = moved ? new Date(input.now).toISOString() : stored.updatedAt;
      out.routes.push({ app: app.name, upstreams, release, ...(domains.length > 0 && { domains }), ...(maintenance && { maintenance }), updatedAt });
    }

    // Surplus containers go once their replacements are up (scale-down of
    // the latest release: at once) and, for web, once the stored route has
    // stopped listing them for the drain delay.
    const routed = new Set(stored?.upstreams ?? []);
    const drainedAt = stored ? Date.parse(stored.updatedAt) + input.drainMs : 0;
    for (const a of surplus) {
      if (replaced(a) && !allUp(a.type)) continue;
      if (a.type === 'web') {
        const inst = instanceOf.get(`${a.app}/${a.id}`);
        if (inst && routed.has(upstreamOf(inst))) continue; // the new route is written first
        if (!stored && webUpNew.length + webUpOld.length > 0) continue;
        if (input.now < drainedAt) {
          out.recheckInMs = Math.min(out.recheckInMs ?? Infinity, drainedAt - input.now);
          continue;
        }
      }
      out.remove.push({ host: a.host, id: a.id });
    }
  }
  return out;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
