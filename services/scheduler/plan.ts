import { generationOf, type RestartRecord } from '../core/restarts.js';
import { DEFAULT_RELEASE_TIMEOUT_MS, releaseTimeoutReason } from '../core/releasephase.js';
import { RELEASE_TYPE } from '../core/runs.js';
import { DEFAULT_SIZE, sizeOrDefault, type Size } from '../core/sizes.js';
import type { Assignment, Formation, HealthCheck, Instance, ProcessTypes, ReleaseStatusRecord, Route, RouteDyno } from '../core/types.js';
import { Placer, type HostRoom, type PolicyName } from './place.js';
import { exitedInstance, isRunAssignment, planRuns, type RunInput } from './runs.js';
import { DEFAULT_ROLLOUT_TIMEOUT_MS, fateOf, releasePhaseFailure, rolloutFailure, rolloutStart, type ReleaseStatus, type RolloutItem } from './rollout.js';

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
  /** Release.createdAt: the rollout timeout counts from it while nothing of the release could be placed. */
  createdAt?: string;
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
  /** The app's uid (App.uid), copied into its assignments. */
  uid?: number;
  /** What became of the latest release so far (keys.releaseStatus): release phase done, succeeded or failed. */
  status?: ReleaseStatus;
  /** When the latest release failed: the newest earlier release that did not, which runs instead (absent: nothing runs). */
  fallback?: LatestRelease;
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
  /** How long the latest release's web containers have to come up before it is failed (default DEFAULT_ROLLOUT_TIMEOUT_MS); the release phase's time does not count. */
  rolloutTimeoutMs?: number;
  /** How long a release command may run, from its one-off's assignment, before the release is failed (default DEFAULT_RELEASE_TIMEOUT_MS). */
  releaseTimeoutMs?: number;
  /** `paas run` requests with their releases (runs.ts). */
  runs?: RunInput[];
}

export interface Plan {
  put: Assignment[];
  remove: { host: string; id: string }[];
  routes: Route[];
  deleteRoutes: string[];
  /** Desired containers no host can take now, and why. */
  unplaced: { id: string; reason: string }[];
  /** Release status records to write (keys.releaseStatus): release phase results, rollouts succeeded or failed. */
  statuses: ReleaseStatusRecord[];
  /** Set when a removal waits for a drain: plan again after this many ms. */
  recheckInMs?: number;
  /** Run requests to delete (keys.run): the one-off ended, expired or was lost (runs.ts). */
  deleteRuns?: { app: string; name: string }[];
}

/** `<app>.<type>.<index>.v<release>`, plus `.g<generation>` once the dyno has been restarted (and `.<size>` after a resize: sizedId). */
export function assignmentId(app: string, type: string, index: number, release: number, generation = 0): string {
  const id = `${app}.${type}.${index}.v${release}`;
  return generation > 0 ? `${id}.g${generation}` : id;
}

/** Process types and quantities to run: the formation, web=1 when it does not say. */
function quantities(formation: Formation): [string, { quantity: number; size: string }][] {
  const f: Formation = { web: { quantity: 1, size: DEFAULT_SIZE }, ...formation };
  delete f[RELEASE_TYPE]; // runs once per release (releasePhaseAssignment), never as a formation
  return Object.entries(f).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The id of a dyno of `size` whose id without size is `base`: a resize needs a
 * new id (containers are never changed in place), so the size is appended
 * when a kept assignment holds `base` with other limits; the kept one of these
 * two ids with the right limits keeps its id. Stable: the same kept set gives
 * the same id.
 */
export function sizedId(base: string, size: Size, kept: ReadonlyMap<string, Pick<Assignment, 'memoryMb' | 'cpuShares'>>): string {
  const fits = (a: Pick<Assignment, 'memoryMb' | 'cpuShares'> | undefined) => a !== undefined && a.memoryMb === size.memoryMb && a.cpuShares === size.cpuShares;
  const sized = `${base}.${size.name}`;
  if (fits(kept.get(sized))) return sized;
  const held = kept.get(base);
  return held && !fits(held) ? sized : base;
}

/** The containers an app should run (without host): indices 1..q of the latest release per type, at their restart generation and size (`kept`: the app's assignments, by id). */
export function desiredFor(app: AppInput, now: number, kept: ReadonlyMap<string, Assignment> = new Map()): Omit<Assignment, 'host'>[] {
  const r = app.release;
  if (!r || !r.image) return [];
  const out: Omit<Assignment, 'host'>[] = [];
  for (const [type, entry] of quantities(app.formation)) {
    const command = r.processTypes[type];
    if (command === undefined) continue;
    const size = sizeOrDefault(entry.size);
    for (let index = 1; index <= Math.max(0, Math.floor(entry.quantity)); index++) {
      out.push({
        id: sizedId(assignmentId(app.name, type, index, r.version, generationOf(app.restart, type, index)), size, kept),
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
        diskMb: size.diskMb, egressMbit: size.egressMbit, ingressMbit: size.ingressMbit,
        createdAt: new Date(now).toISOString(),
        ...(app.uid && { uid: app.uid }),
        ...(type === 'web' && r.healthcheck && { healthcheck: r.healthcheck }),
      });
    }
  }
  return out;
}

/** The release phase's one-off container `<app>.release.1.v<N>`: the release's `release` command, once. */
export function releasePhaseAssignment(app: AppInput, now: number): Omit<Assignment, 'host'>[] {
  const r = app.release;
  const command = r?.processTypes[RELEASE_TYPE];
  if (!r || !r.image || command === undefined) return [];
  const size = sizeOrDefault(app.formation[RELEASE_TYPE]?.size);
  const id = assignmentId(app.name, RELEASE_TYPE, 1, r.version);
  const env = { ...r.config };
  return [{ id, app: app.name, release: r.version, type: RELEASE_TYPE, index: 1, image: r.image, command, env, port: APP_PORT, memoryMb: size.memoryMb, cpuShares: size.cpuShares,
        diskMb: size.diskMb, egressMbit: size.egressMbit, ingressMbit: size.ingressMbit, createdAt: new Date(now).toISOString(), oneOff: true, ...(app.uid && { uid: app.uid }) }];
}

/** The app as planned: with its fallback as the release when the latest failed. */
function running(app: AppInput): AppInput {
  if (!fateOf(app.release, app.status).fellBack) return app;
  const { release: _failed, ...rest } = app;
  return app.fallback ? { ...rest, release: app.fallback } : rest;
}

const upstreamOf = (i: Instance) => `${i.address}:${i.port}`;

/** The route's dyno details of its instances, sorted by upstream, one per upstream (so also the route's upstreams). */
function routeDynos(chosen: readonly Instance[], assignments: readonly Assignment[]): RouteDyno[] {
  const byId = new Map(assignments.map((a) => [a.id, a]));
  const out = new Map<string, RouteDyno>();
  for (const i of chosen) {
    const a = byId.get(i.id);
    const upstream = upstreamOf(i);
    out.set(upstream, { upstream, dyno: a ? `${a.type}.${a.index}` : i.type, host: i.host, ...(i.bridge && { bridge: i.bridge }) });
  }
  return [...out.values()].sort((x, y) => (x.upstream < y.upstream ? -1 : x.upstream > y.upstream ? 1 : 0));
}

export function plan(input: PlanInput): Plan {
  const out: Plan = { put: [], remove: [], routes: [], deleteRoutes: [], unplaced: [], statuses: [] };
  const timeoutMs = input.rolloutTimeoutMs ?? DEFAULT_ROLLOUT_TIMEOUT_MS;
  const releaseTimeoutMs = input.releaseTimeoutMs ?? DEFAULT_RELEASE_TIMEOUT_MS;
  const at = new Date(input.now).toISOString();
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

  const apps = [...input.apps].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map(running);
  const fates = new Map(input.apps.map((app) => [app.name, fateOf(app.release, app.status)]));
  // New containers of all apps are placed as one batch (largest first: place.ts).
  // While its release phase runs, a release is only its one-off container.
  const keptById = new Map(kept.map((a) => [a.id, a]));
  const desiredOf = new Map(apps.map((app) => [app.name, fates.get(app.name)?.phase ? releasePhaseAssignment(app, input.now) : desiredFor(app, input.now, keptById)]));
  const fresh = apps.flatMap((app) => (desiredOf.get(app.name) ?? []).filter((d) => !keptById.has(d.id)).map((d) => ({ ...d, requiredTags: app.pool })));
  const placements = new Placer(input.hosts, kept, input.policy).placeAll(fresh);
  const placementOf = new Map(fresh.map((d, i) => [d.id, placements[i]!]));
  for (const app of apps) {
    const mine = kept.filter((a) => a.app === app.name && !isRunAssignment(a)); // `paas run` one-offs: planRuns
    const byId = new Map(mine.map((a) => [a.id, a]));
    const desired = desiredOf.get(app.name) ?? [];
    const desiredIds = new Set(desired.map((d) => d.id));
    const current: Assignment[] = []; // desired and assigned (now or in this plan)
    const unplacedHere = new Map<string, string>();
    for (const d of desired) {
      const have = byId.get(d.id);
      if (have) {
        current.push(have);
        continue;
      }
      const p = placementOf.get(d.id) ?? { ok: false, reason: 'not placed' };
      if (!p.ok) {
        out.unplaced.push({ id: d.id, reason: p.reason });
        unplacedHere.set(d.id, p.reason);
        continue;
      }
      const a: Assignment = { ...d, host: p.host };
      out.put.push(a);
      current.push(a);
    }
    const surplus = mine.filter((a) => !desiredIds.has(a.id));
    const latest = app.release?.version ?? 0;
    const fate = fates.get(app.name) ?? { fellBack: false, phase: false, judged: false };
    // While the release phase runs, what serves stays as it is.
    const holding = fate.phase;
    if (holding && app.release) releasePhase(app.name, app.release, current[0], unplacedHere.get(desired[0]?.id ?? ''));
    // Blue-green keeps at most two releases: the latest and the one that
    // serves until the latest is all up (servingRelease). A surplus container
    // is replaced (kept until its successors are up) when it runs the serving
    // release, or when a desired container of another generation or size
    // takes its slot (a restart, a resize); otherwise (a scale-down, any other
    // older release, a container of a failed newer release) it goes at once,
    // so releases made faster than a rollout do not pile up until nothing fits.
    const serving = servingRelease(mine, latest, routeOf.get(app.name), (a) => upInstance(a) !== undefined);
    const slots = new Set(desired.map((d) => `${d.type}.${d.index}`));
    const replaced = (a: Assignment) => (a.release === serving && a.release < latest) || (a.release === latest && (holding || slots.has(`${a.type}.${a.index}`)));
    const allUp = (type: string) =>
      !holding && desired.filter((d) => d.type === type).every((d) => current.some((c) => c.id === d.id && upInstance(c)));
    if (fate.judged && !holding && app.release) judgeRollout(app, desired, current, unplacedHere, allUp('web'));

    // Route: the latest release's web instances once all are up; until then
    // the replaced ones that are up, so traffic never goes to nothing, of one
    // release only (the serving one), with the desired ones of that release
    // (a restart or resize replaces only some).
    const webUpNew = current.filter((a) => a.type === 'web').flatMap((a) => upInstance(a) ?? []);
    const webUpOld = surplus.filter((a) => a.type === 'web' && replaced(a)).flatMap((a) => upInstance(a) ?? []);
    const routedRelease = webUpOld.some((i) => i.release === serving) ? serving : webUpOld.reduce((max, i) => Math.max(max, i.release), 0);
    const chosen = allUp('web') || webUpOld.length === 0 ? webUpNew : [...webUpOld, ...webUpNew].filter((i) => i.release === routedRelease);
    const dynos = routeDynos(chosen, [...current, ...surplus]);
    const upstreams = dynos.map((d) => d.upstream);
    const release = chosen.reduce((max, i) => Math.max(max, i.release), 0);
    const stored = routeOf.get(app.name);
    const domains = [...new Set(app.domains ?? [])].sort();
    const maintenance = app.maintenance === true;
    const moved = !stored || !sameList(stored.upstreams, upstreams) || (stored.release ?? 0) !== release;
    const sameDynos = JSON.stringify(stored?.dynos ?? []) === JSON.stringify(dynos);
    if (moved || !sameDynos || !sameList(stored.domains ?? [], domains) || (stored.maintenance ?? false) !== maintenance) {
      // updatedAt dates the upstreams (the drain delay counts from it): a change of domains, maintenance or dyno details keeps it.
      const updatedAt = moved ? at : stored.updatedAt;
      out.routes.push({ app: app.name, upstreams, ...(dynos.length > 0 && { dynos }), release, ...(domains.length > 0 && { domains }), ...(maintenance && { maintenance }), updatedAt });
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
  planRuns(input, kept, instanceOf, out, APP_PORT);
  return out;

  /**
   * The one-off of a release phase: its result is recorded and it is removed;
   * running past the release timeout (from its assignment), it is removed and
   * the release fails; unplaced past the rollout timeout, the release fails.
   */
  function releasePhase(app: string, release: LatestRelease, one: Assignment | undefined, unplaced: string | undefined): void {
    const done = one && exitedInstance(instanceOf, one);
    if (one && done) {
      const failed = done.state === 'failed';
      out.statuses.push({ app, version: release.version, status: failed ? 'failed' : 'released', ...(failed && { reason: releasePhaseFailure(done) }), at });
      out.remove.push({ host: one.host, id: one.id });
    } else if (one) {
      const deadline = rolloutStart([one], release, undefined, input.now) + releaseTimeoutMs; // from its assignment
      if (input.now < deadline) {
        out.recheckInMs = Math.min(out.recheckInMs ?? Infinity, deadline - input.now);
        return;
      }
      out.statuses.push({ app, version: release.version, status: 'failed', reason: releaseTimeoutReason(releaseTimeoutMs), at });
      out.remove.push({ host: one.host, id: one.id });
    } else if (input.now - rolloutStart([], release, undefined, input.now) >= timeoutMs) {
      out.statuses.push({ app, version: release.version, status: 'failed', reason: `release command could not be placed: ${unplaced ?? 'no host'}`, at });
    }
  }

  /** The latest release succeeds once all is placed and its web containers are up; fails when that takes longer than the timeout. */
  function judgeRollout(app: AppInput, desired: Omit<Assignment, 'host'>[], current: Assignment[], unplaced: Map<string, string>, webUp: boolean): void {
    const release = app.release as LatestRelease;
    const assigned = new Map(current.map((c) => [c.id, c]));
    if (webUp && desired.every((d) => assigned.has(d.id))) {
      out.statuses.push({ app: app.name, version: release.version, status: 'succeeded', at });
      return;
    }
    const deadline = rolloutStart(current.filter((c) => c.release === release.version), release, app.status, input.now) + timeoutMs;
    if (input.now < deadline) {
      out.recheckInMs = Math.min(out.recheckInMs ?? Infinity, deadline - input.now);
      return;
    }
    const items: RolloutItem[] = [];
    for (const d of desired) {
      const a = assigned.get(d.id);
      if (a ? d.type !== 'web' || upInstance(a) : false) continue;
      const inst = a && instanceOf.get(`${a.app}/${a.id}`);
      items.push({ name: `${d.type}.${d.index}`, ...(a && { assignment: a }), ...(inst && inst.host === a?.host && { instance: inst }), ...(!a && { unplaced: unplaced.get(d.id) ?? 'not placed' }) });
    }
    out.statuses.push({ app: app.name, version: release.version, status: 'failed', reason: rolloutFailure(items), at });
  }
}

/**
 * The release that serves while the latest rolls out: the route's release
 * while any of its web containers is up; else the newest older release whose
 * kept web containers (all containers, without web) are all up; else the
 * route's release while any of its containers is kept (it may come back up);
 * 0 when none. The latest itself when the route has it (a restart, a resize).
 */
export function servingRelease(mine: readonly Assignment[], latest: number, route: Pick<Route, 'release'> | undefined, isUp: (a: Assignment) => boolean): number {
  const routed = route?.release ?? 0;
  const ofRelease = (r: number) => mine.filter((a) => a.release === r && !a.oneOff);
  const routedKept = routed > 0 && routed <= latest ? ofRelease(routed) : [];
  if (routedKept.some((a) => a.type === 'web' && isUp(a))) return routed;
  const older = [...new Set(mine.filter((a) => a.release < latest).map((a) => a.release))].sort((a, b) => b - a);
  for (const r of older) {
    const of = ofRelease(r);
    const web = of.filter((a) => a.type === 'web');
    const judged = web.length > 0 ? web : of;
    if (judged.length > 0 && judged.every(isUp)) return r;
  }
  return routedKept.length > 0 ? routed : 0;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
