import type { RestartRecord } from '../core/restarts.js';
import type { StoredRoute } from '../core/routes.js';
import type { RunRequest } from '../core/runs.js';
import type {
  Assignment,
  Formation,
  HealthCheck,
  Instance,
  ProcessTypes,
  ReleaseStatusRecord,
  Route,
} from '../core/types.js';
import type { SchedulerConfig } from './config.js';
import type { AddonAssignment, AddonDesired } from '../core/addons.js';
import type { HostRoom, Placed } from './place.js';

// The planner's data: what it reads (PlanInput, plain data read by state.ts
// at one etcd revision) and what it decides (Plan, written by state.ts). Each
// step of plan.ts returns a PlanPart; plan() joins them.

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
  /** Release.wakesApp: a push; its creation counts as activity (a sleeping app wakes for it). */
  wakesApp?: boolean;
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
  /** The redirect-https feature: copied into the route; the router answers HTTP with a 308 to HTTPS. */
  redirectHttps?: boolean;
  /**
   * The app's restart record (keys.restart): containers of an older generation are replaced like those of an older
   * release.
   */
  restart?: RestartRecord;
  /** Host tags every container of the app requires (App.pool); absent: any host. */
  pool?: Record<string, string>;
  /** The app's uid (App.uid), copied into its assignments. */
  uid?: number;
  /** What became of the latest release so far (keys.releaseStatus): release phase done, succeeded or failed. */
  status?: ReleaseStatus;
  /**
   * When the latest release failed: the newest earlier release that did not, which runs instead (absent: nothing runs).
   */
  fallback?: LatestRelease;
  /** Idle seconds after which the web process sleeps (core/dynopolicy.ts autosleepSeconds); 0 or absent: never. */
  autosleepS?: number;
  /** Process types that keep running while the app sleeps (App.keepAwake). */
  keepAwake?: string[];
  /** App.lifetimeS: seconds a dyno runs before it is replaced (0: never; absent: the default, per dyno). */
  lifetimeS?: number;
  /** The latest a router saw a request (or an open websocket) or asked for a wake, ms since the epoch. */
  activityAt?: number;
  /**
   * The last wake a router asked for (ms since the epoch): a release made while the app slept is judged from its wake
   * (rollout.ts), not from its creation.
   */
  wokenAt?: number;
  /** When a user last asked the app to sleep (`paas ps:sleep`), ms since the epoch. */
  sleepRequestedAt?: number;
}

/** What became of a release so far (its ReleaseStatusRecord without app and version). */
export type ReleaseStatus = Pick<ReleaseStatusRecord, 'status' | 'reason' | 'at'>;

/** A container to run, not yet given a host. */
export type Desired = Omit<Assignment, 'host'>;

/** A run request with the release it runs (undefined: that release no longer exists). */
export interface RunInput {
  request: RunRequest;
  release?: LatestRelease;
}

/** The scheduler's settings the planner goes by (config.ts). */
export type PlanSettings = Pick<SchedulerConfig, 'drainMs' | 'policy' | 'rolloutTimeoutMs' | 'releaseTimeoutMs'>;

export interface PlanInput extends PlanSettings {
  now: number; // ms since the epoch
  apps: AppInput[];
  /** Live hosts with their effective tags and capacity. */
  hosts: HostRoom[];
  assignments: Assignment[];
  instances: Instance[];
  /** The stored routes (an older scheduler's records list `upstreams` too: core/routes.ts). */
  routes: StoredRoute[];
  /** `paas run` requests with their releases (runs.ts). */
  runs?: RunInput[];
  /** Plan only these apps (the ones that changed); absent: every app. `apps` still lists every app. */
  only?: ReadonlySet<string>;
  /**
   * How long an app that can sleep must have been idle (or its idle time, if shorter) to be put to sleep to make room
   * (room.ts; SchedulerConfig.makeRoomIdleMs); absent or 0: never.
   */
  makeRoomIdleMs?: number;
  /**
   * How long a wake waits for room before its app goes back to sleep (room.ts wakeGivenUpAt; the router's
   * PAAS_ROUTER_WAKE_TIMEOUT); absent or 0: it waits on.
   */
  wakeWaitMs?: number;
  /** The add-ons with the apps attached to each (core/addons.ts); absent: none (addons.ts plans them). */
  addons?: AddonDesired[];
  /** The add-on assignments stored, on any host. */
  addonAssignments?: AddonAssignment[];
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
  /** Per app: plan it again after this many ms (an idle clock, a lifetime, a drain, a rollout timeout). */
  recheckOf?: Map<string, number>;
  /** Idle apps this plan puts to sleep to make room for containers no host could take (room.ts). */
  asleepForRoom?: string[];
  /** The add-ons' containers to write and remove (keys.addonAssignment), and those no host can take (addons.ts). */
  addons?: {
    put: AddonAssignment[];
    remove: { host: string; name: string }[];
    unplaced: { name: string; reason: string }[];
  };
}

/** What one step of the planner decides: any part of a plan. */
export type PlanPart = Partial<Plan>;

/** The parts joined in order: lists concatenated, the earliest recheck. */
export function joinParts(parts: readonly PlanPart[]): Plan {
  const out: Plan = { put: [], remove: [], routes: [], deleteRoutes: [], unplaced: [], statuses: [] };
  for (const p of parts) {
    out.put.push(...(p.put ?? []));
    out.remove.push(...(p.remove ?? []));
    out.routes.push(...(p.routes ?? []));
    out.deleteRoutes.push(...(p.deleteRoutes ?? []));
    out.unplaced.push(...(p.unplaced ?? []));
    out.statuses.push(...(p.statuses ?? []));
    if (p.recheckInMs !== undefined) out.recheckInMs = Math.min(out.recheckInMs ?? Infinity, p.recheckInMs);
    if (p.deleteRuns && p.deleteRuns.length > 0) out.deleteRuns = [...(out.deleteRuns ?? []), ...p.deleteRuns];
  }
  return out;
}

/** The input as every step reads it, indexed once (plan.ts: snapshotOf). */
export interface Snapshot {
  now: number;
  /** `now` as an ISO time, for the records written. */
  at: string;
  /** The assignments on live hosts of existing apps (the others go first). */
  kept: Assignment[];
  keptById: ReadonlyMap<string, Assignment>;
  /** The kept assignments of each app but its `paas run` one-offs (runs.ts), by app. */
  keptOf: ReadonlyMap<string, readonly Assignment[]>;
  /** Instances by instanceKey. */
  instanceOf: ReadonlyMap<string, Instance>;
  routeOf: ReadonlyMap<string, StoredRoute>;
  /** The add-ons' containers (kept and placed by this plan): they hold room on their hosts (addons.ts). */
  addonRoom?: readonly Placed[];
}

/** The key of an instance in Snapshot.instanceOf: `<app>/<id>`. */
export function instanceKey(a: Pick<Assignment, 'app' | 'id'>): string {
  return `${a.app}/${a.id}`;
}

/**
 * The instance of an assignment as its agent reports it for this version of it (on its host, answering its createdAt:
 * after a wake, not the report of the container being put to sleep).
 */
export function reportedInstance(
  s: Pick<Snapshot, 'instanceOf'>,
  a: Pick<Assignment, 'app' | 'id' | 'host' | 'createdAt'>,
): Instance | undefined {
  const i = s.instanceOf.get(instanceKey(a));
  const current = i?.assignedAt === undefined || i.assignedAt === a.createdAt;
  return i && i.host === a.host && current ? i : undefined;
}

/** The up instance of an assignment, on the host it is assigned to. */
export function upInstance(
  s: Pick<Snapshot, 'instanceOf'>,
  a: Pick<Assignment, 'app' | 'id' | 'host' | 'createdAt'>,
): Instance | undefined {
  const i = reportedInstance(s, a);
  return i?.state === 'up' ? i : undefined;
}

/**
 * The instance of a one-off assignment (a run or the release phase) once it has exited on the host it is assigned to.
 */
export function exitedInstance(s: Snapshot, a: Pick<Assignment, 'app' | 'id' | 'host'>): Instance | undefined {
  const i = s.instanceOf.get(instanceKey(a));
  return i && i.host === a.host && (i.state === 'succeeded' || i.state === 'failed') ? i : undefined;
}
