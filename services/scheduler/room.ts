import { compareStrings } from '../core/compare.js';
import { sleepsWithApp } from '../core/dynopolicy.js';
import type { Assignment } from '../core/types.js';
import { holdingRoom } from './assign.js';
import type { AppInput, PlanInput, Snapshot } from './model.js';
import { Placer, type PlacementRequest } from './place.js';
import { isRunAssignment } from './runs.js';
import { idleFor, idleSince, lastActivity, sleepOf } from './sleep.js';
import { routeUpstreams, type StoredRoute } from '../core/routes.js';

// Room on a full host. When containers that must run (a wake, a deploy, a
// scale) find no host with room, apps that can sleep and have been idle at
// least PAAS_SCHEDULER_MAKE_ROOM_IDLE_S (or their own idle time, if shorter)
// are put to sleep early, longest idle first, as few of them as free room for
// as many of the waiting containers as their sleep can: a host holds the
// apps in use, as the hosting design this platform grew from runs a
// container only while it is wanted. Their containers are parked after the
// drain delay (no request in flight is cut); the waiting ones are placed on
// the pass after, within the router's hold. Apps asleep whose containers
// still hold room (parked at their drain's end) count as room already
// freeing, so a pass puts no more to sleep while those are parked. A wake
// that finds no room for as long as the router holds a request
// (PAAS_ROUTER_WAKE_TIMEOUT) with no request since is given up: the app goes
// back to sleep rather than being placed later for nobody.

/** An app that may be put to sleep to make room, and the room its containers hold. */
interface Candidate {
  app: string;
  idleSince: number;
  holding: readonly Assignment[];
}

/** The containers of an app that sleep with it (the rest run on while it sleeps). */
function sleepingWith(app: AppInput, holding: readonly Assignment[]): Assignment[] {
  return holding.filter((a) => !isRunAssignment(a) && sleepsWithApp(app, a.type));
}

/**
 * The apps to put to sleep now so that `waiting` (requests no host could take this pass) find room: none when all fit
 * once the apps already falling asleep are parked, or when no idle app's sleep would place one more of them. `busy`:
 * apps not to put to sleep (those the waiting containers belong to). Pure.
 */
export function appsToSleepForRoom(
  waiting: readonly PlacementRequest[],
  busy: ReadonlySet<string>,
  input: Pick<PlanInput, 'apps' | 'hosts' | 'policy' | 'now'>,
  s: Pick<Snapshot, 'kept' | 'routeOf'>,
  idleMs: number,
): string[] {
  if (waiting.length === 0 || idleMs <= 0) return [];
  const holding = holdingRoom(s.kept);
  const holdingOf = new Map<string, Assignment[]>();
  for (const a of holding) holdingOf.set(a.app, [...(holdingOf.get(a.app) ?? []), a]);
  const freeing = new Set<Assignment>();
  const candidates: Candidate[] = [];
  for (const app of input.apps) {
    const mine = holdingOf.get(app.name);
    if (!mine || busy.has(app.name)) continue;
    if (sleepOf(app, input.now, s.routeOf.get(app.name)).asleep) {
      for (const a of sleepingWith(app, mine)) freeing.add(a);
      continue;
    }
    const since = idleSince(app);
    if (since === undefined || !idleFor(app, input.now, idleMs)) continue;
    const sleeping = sleepingWith(app, mine);
    if (sleeping.length > 0) candidates.push({ app: app.name, idleSince: since, holding: sleeping });
  }
  candidates.sort((a, b) => a.idleSince - b.idleSince || compareStrings(a.app, b.app));
  const placedWith = (k: number): number => {
    const gone = new Set(freeing);
    for (const c of candidates.slice(0, k)) for (const a of c.holding) gone.add(a);
    const placer = new Placer(
      input.hosts,
      holding.filter((a) => !gone.has(a)),
      input.policy,
    );
    return placer.placeAll(waiting).filter((p) => p.ok).length;
  };
  const now = placedWith(0);
  if (now === waiting.length || candidates.length === 0) return [];
  const most = placedWith(candidates.length);
  if (most <= now) return [];
  // The fewest longest-idle apps that place as many (more asleep never frees less room).
  let lo = 1;
  let hi = candidates.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (placedWith(mid) >= most) hi = mid;
    else lo = mid + 1;
  }
  return candidates.slice(0, lo).map((c) => c.app);
}

/**
 * When a wake waiting for room is given up (ms since the epoch), or undefined when this app is not such a wake: its
 * last awakening was a router's wake (no release since), its route says `waking` with no dyno, and none of its
 * containers that sleep with it holds a host (it waits to be placed, not for a start or a release phase). It is
 * given up `waitMs` after its last activity (a request held, or the wake), when no request waits for it any more.
 */
export function wakeGivenUpAt(
  app: AppInput,
  stored: StoredRoute | undefined,
  mine: readonly Assignment[],
  waitMs: number,
): number | undefined {
  if (waitMs <= 0 || app.wokenAt === undefined || stored?.state !== 'waking' || routeUpstreams(stored).length > 0)
    return undefined;
  const created = Date.parse(app.release?.createdAt ?? '');
  if (Number.isFinite(created) && created > app.wokenAt) return undefined;
  if (mine.some((a) => !a.parked && !isRunAssignment(a) && sleepsWithApp(app, a.type))) return undefined;
  return (lastActivity(app) ?? app.wokenAt) + waitMs;
}
