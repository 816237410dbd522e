import { by } from '../core/compare.js';
import { addonPlaced, planAddons } from './addons.js';
import type { StoredRoute } from '../core/routes.js';
import type { Assignment } from '../core/types.js';
import { assignDesired, holdingRoom, placeNew, placerOf, type CanPark } from './assign.js';
import { desiredOf, runningApp } from './desired.js';
import { drainSurplus } from './drain.js';
import { resizeInPlace } from './inplace.js';
import {
  instanceKey,
  joinParts,
  type AppInput,
  type Desired,
  type Plan,
  type PlanInput,
  type PlanPart,
  type Snapshot,
} from './model.js';
import type { Placement, PlacementRequest } from './place.js';
import { appsToSleepForRoom, wakeGivenUpAt } from './room.js';
import { fateOf, judgeReleasePhase, judgeRollout, type Fate } from './rollout.js';
import { cycleDynos, dropAtLifetime, pastLifetime } from './lifetime.js';
import { routedInstances, routeStatus, routeUpdate } from './route.js';
import { isRunAssignment, planRuns } from './runs.js';
import { parkAsleep, sleepOf, type SleepState } from './sleep.js';
import { successionOf } from './succession.js';

// The scheduler's decisions: desired state (latest release + formation) and
// actual state (hosts, assignments, instances, routes) in, the smallest set of
// writes out. Pure: no clock, no etcd; `now` comes in with the input. Each
// step returns its part of the plan (model.ts); plan() joins them:
//
//   removeGone      assignments on lost hosts, of deleted apps; their routes
//   desiredOf       per app: the containers it should run (desired.ts),
//                   parked while it sleeps (sleep.ts), a dyno past its
//                   lifetime given a successor, or the app put to sleep
//                   if it can sleep and is idle (lifetime.ts)
//   resizeInPlace   a dyno resized keeps its container where its host has
//                   room for the new limits (inplace.ts), else is replaced
//   placeNew        hosts for the new ones of all apps, as one batch (assign.ts)
//   planApp         per app: assign, judge the release (rollout.ts), route
//                   (route.ts), drain the surplus (drain.ts)
//   planRuns        the `paas run` one-offs (runs.ts)
//   planAddons      first of all: each add-on's container, placed once and kept on its host (addons.ts); the
//                   apps' new containers are placed around them
//
// With `input.only`, only those apps are planned (the scheduler's pass after
// a change to them); the others are left as they are.

export function plan(input: PlanInput): Plan {
  const s = snapshotOf(input);
  const addons = addonsPart(input, s);
  const only = input.only;
  const planned = input.apps.filter((a) => !only || only.has(a.name));
  let pass = planApps(planned, new Set(), input, s);
  // No host has room for some: idle apps that can sleep are put to sleep to make it (room.ts), planned with the rest.
  const busy = new Set(pass.waiting.map((w) => w.app));
  const toSleep = new Set(appsToSleepForRoom(pass.waiting, busy, input, s, input.makeRoomIdleMs ?? 0));
  if (toSleep.size > 0) {
    const more = input.apps.filter((a) => toSleep.has(a.name) && !(only?.has(a.name) ?? true));
    pass = planApps([...planned, ...more], toSleep, input, s);
  }
  const out = joinParts([removeGone(input, s), ...pass.parts, planRuns(input, s, afterPlan(s.kept, pass.parts))]);
  for (const at of pass.timers.values()) out.recheckInMs = Math.min(out.recheckInMs ?? Infinity, at);
  if (pass.timers.size > 0) out.recheckOf = pass.timers;
  if (toSleep.size > 0) out.asleepForRoom = [...toSleep].sort();
  if (addons) out.addons = addons;
  return out;
}

/** The add-ons' step (addons.ts), with the room their containers hold put in the snapshot for the apps' placement. */
function addonsPart(input: PlanInput, s: Snapshot): Plan['addons'] {
  if (!input.addons?.length && !input.addonAssignments?.length) return undefined;
  const live = new Set(input.hosts.map((h) => h.id));
  const part = planAddons({
    addons: input.addons ?? [],
    assignments: input.addonAssignments ?? [],
    hosts: input.hosts,
    appRoom: holdingRoom(s.kept),
    poolOf: new Map(input.apps.flatMap((a) => (a.pool ? [[a.name, a.pool] as const] : []))),
    policy: input.policy,
    at: s.at,
  });
  const removed = new Set(part.remove.map((r) => `${r.host}/${r.name}`));
  const put = new Set(part.put.map((a) => a.name));
  const kept = (input.addonAssignments ?? []).filter((a) => !removed.has(`${a.host}/${a.name}`) && !put.has(a.name));
  s.addonRoom = [...kept, ...part.put].filter((a) => live.has(a.host)).map(addonPlaced);
  return part.put.length + part.remove.length + part.unplaced.length > 0 ? part : undefined;
}

/** The apps' parts of a plan, their timers (ms from now, by app) and the new containers no host could take. */
interface AppsPass {
  parts: PlanPart[];
  timers: Map<string, number>;
  waiting: PlacementRequest[];
}

/** Plans `chosen` (those in `toSleep` put to sleep now: room.ts), their new containers placed as one batch. */
function planApps(chosen: readonly AppInput[], toSleep: ReadonlySet<string>, input: PlanInput, s: Snapshot): AppsPass {
  const timers = new Map<string, number>();
  const apps = [...chosen].sort(by((a) => a.name)).map((app) => {
    const fate = fateOf(app.release, app.status);
    const stored = s.routeOf.get(app.name);
    let sleep = toSleep.has(app.name) ? { asleep: true, since: input.now } : sleepOf(app, input.now, stored);
    const givenUp = sleep.asleep
      ? undefined
      : wakeGivenUpAt(app, stored, s.keptOf.get(app.name) ?? [], input.wakeWaitMs ?? 0);
    if (givenUp !== undefined && givenUp <= input.now)
      sleep = { asleep: true, since: input.now }; // nobody waits
    else if (givenUp !== undefined) timers.set(app.name, givenUp - input.now);
    return { app: runningApp(app, fate), fate, sleep };
  });
  const desired = new Map(
    apps.map((x) => {
      const { app, fate } = x;
      const mine = s.keptOf.get(app.name) ?? [];
      const all = desiredOf(app, fate, input.now, new Map(mine.map((a) => [a.id, a])));
      const sleep = dropAtLifetime(app, x.sleep, all, mine, s); // idle at a lifetime: asleep instead of cycled
      x.sleep = sleep;
      const cycled = cycleDynos(app, parkAsleep(app, all, sleep), mine, s);
      const at = minDefined(minDefined(sleep.recheckInMs, cycled.recheckInMs), timers.get(app.name));
      if (at !== undefined) timers.set(app.name, at);
      return [app.name, cycled.desired];
    }),
  );
  const placer = placerOf(s, input);
  const running = apps.map((a) => a.app);
  const resized = resizeInPlace(running, desired, s, placer);
  const { placements, waiting } = placeNew(running, resized, s, placer);
  const parts = apps.map(({ app, fate, sleep }) => {
    const part = planApp(app, fate, resized.get(app.name) ?? [], placements, s, input, sleep);
    const at = minDefined(part.recheckInMs, timers.get(app.name));
    if (at !== undefined) timers.set(app.name, at);
    return part;
  });
  return { parts, timers, waiting };
}

function groupBy<T>(xs: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    const list = out.get(k);
    if (list) list.push(x);
    else out.set(k, [x]);
  }
  return out;
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b);
}

/** What the hosts hold once the apps' parts are applied (a put replaces a kept one of its key), parked ones left out. */
function afterPlan(kept: readonly Assignment[], parts: readonly PlanPart[]): Assignment[] {
  const byKey = new Map(kept.map((a) => [`${a.host}/${a.id}`, a]));
  for (const p of parts) {
    for (const r of p.remove ?? []) byKey.delete(`${r.host}/${r.id}`);
    for (const a of p.put ?? []) byKey.set(`${a.host}/${a.id}`, a);
  }
  return holdingRoom([...byKey.values()]);
}

/** The input indexed once; assignments on hosts that are gone, or of apps that are gone, are not kept. */
export function snapshotOf(input: PlanInput): Snapshot {
  const liveHosts = new Set(input.hosts.map((h) => h.id));
  const appNames = new Set(input.apps.map((a) => a.name));
  const kept = input.assignments.filter((a) => liveHosts.has(a.host) && appNames.has(a.app));
  return {
    now: input.now,
    at: new Date(input.now).toISOString(),
    kept,
    keptById: new Map(kept.map((a) => [a.id, a])),
    keptOf: groupBy(
      kept.filter((a) => !isRunAssignment(a)),
      (a) => a.app,
    ),
    instanceOf: new Map(input.instances.map((i) => [instanceKey(i), i])),
    routeOf: new Map(input.routes.map((r) => [r.app, r])),
  };
}

/** The step of what is gone: the assignments not kept (lost hosts, deleted apps) and the routes of deleted apps. */
export function removeGone(input: PlanInput, s: Snapshot): PlanPart {
  const kept = new Set(s.kept);
  const appNames = new Set(input.apps.map((a) => a.name));
  return {
    remove: input.assignments.filter((a) => !kept.has(a)).map((a) => ({ host: a.host, id: a.id })),
    deleteRoutes: input.routes.filter((r) => !appNames.has(r.app)).map((r) => r.app),
  };
}

/** One app's part: its new assignments, its release's fate, its route and the drain of its surplus. */
export function planApp(
  app: AppInput,
  fate: Fate,
  desired: readonly Desired[],
  placements: ReadonlyMap<string, Placement>,
  s: Snapshot,
  input: PlanInput,
  sleep: SleepState = { asleep: false },
): PlanPart {
  const mine = s.keptOf.get(app.name) ?? []; // `paas run` one-offs: planRuns
  const stored = s.routeOf.get(app.name);
  const parking = canPark(stored, s, input);
  const { current, unplaced, part: assigned } = assignDesired(desired, mine, placements, parking, pastLifetime(app, s));
  const desiredIds = new Set(desired.map((d) => d.id));
  const surplus = mine.filter((a) => !desiredIds.has(a.id));
  // While the release phase runs, what serves stays as it is.
  const holding = fate.phase;
  const succession = successionOf(mine, desired, current, app.release?.version ?? 0, holding, stored, s);
  const parts: PlanPart[] = [assigned];
  const release = app.release;
  // Asleep, the release phase waits for the wake (its one-off sleeps with the app), and is judged from then.
  if (holding && release && !sleep.asleep)
    parts.push(
      judgeReleasePhase(app.name, release, current[0], unplaced.get(desired[0]?.id ?? ''), s, input, app.wokenAt),
    );
  if (fate.judged && !holding && release && !sleep.asleep)
    parts.push(
      judgeRollout({ ...app, release }, desired, current, unplaced, succession.allUp('web'), s, input.rolloutTimeoutMs),
    );
  const { chosen, anyUp } = routedInstances(current, surplus, succession, s);
  const routed = sleep.asleep ? [] : chosen; // asleep: no dyno is routed to, even before it is parked
  // Web dynos still to come: placed once there is room, or run once the release phase has passed.
  const coming = desired.some((d) => d.type === 'web' && unplaced.has(d.id)) || (holding && hasWeb(release));
  const status = routeStatus(sleep, routed, current, s, coming);
  parts.push(routeUpdate(app, routed, [...current, ...surplus], stored, s.at, status));
  // Asleep with a release phase to run at its wake, its parked dynos stay (`paas ps`: sleeping) until it wakes.
  const drained = holding && sleep.asleep ? surplus.filter((a) => !a.parked) : surplus;
  parts.push(drainSurplus(drained, succession, stored, anyUp, s, input.drainMs));
  return joinParts(parts);
}

const hasWeb = (r: AppInput['release']) => r?.processTypes.web !== undefined;

/**
 * A web container is parked once the route has said `sleeping` for the drain delay (no request in flight is cut);
 * the others at once.
 */
function canPark(stored: StoredRoute | undefined, s: Snapshot, input: Pick<PlanInput, 'drainMs'>): CanPark {
  return (a) => {
    if (a.type !== 'web') return true;
    if (stored?.state !== 'sleeping') return { inMs: input.drainMs };
    const at = Date.parse(stored.updatedAt) + input.drainMs;
    return s.now >= at ? true : { inMs: at - s.now };
  };
}

/** The planner's data, for callers of plan() (model.ts). */
export type { AppInput, LatestRelease, Plan, PlanInput } from './model.js';
