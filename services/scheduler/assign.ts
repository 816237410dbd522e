import { limitFields } from '../core/sizes.js';
import type { Assignment } from '../core/types.js';
import type { AppInput, Desired, PlanInput, PlanPart, Snapshot } from './model.js';
import { sameSize } from './desired.js';
import { Placer, type Placement, type PlacementRequest } from './place.js';

// Where new containers go. The new containers of all apps are placed as one
// batch (largest first: place.ts), so big ones find room before small ones
// have fragmented the hosts; then each app takes its answers. A parked
// container (its app sleeps) holds no room; when its app wakes it is placed
// again, on its own host when that host has room (its container is there,
// created: waking it is only a start), else elsewhere as a new container.
// A dyno resized in place (inplace.ts) keeps its assignment, written again
// with its new limits.

/** Whether a desired container needs a host: none holds it, or the one holding it is parked and it must run. */
function needsHost(d: Desired, kept: Assignment | undefined): boolean {
  return kept ? kept.parked === true && !d.parked : !d.parked;
}

/** What placeNew decided: a host (or why none) for each desired container that needed one, by id. */
export interface NewPlacements {
  placements: Map<string, Placement>;
  /** The requests no host could take (appsToSleepForRoom may make room for them: room.ts). */
  waiting: PlacementRequest[];
}

/**
 * A host (or why none) for each desired container that needs one (needsHost), by id, counted in `placer` (built over
 * the kept containers holding room, with the resizes in place: inplace.ts).
 */
export function placeNew(
  apps: readonly AppInput[],
  desiredOf: ReadonlyMap<string, Desired[]>,
  s: Snapshot,
  placer: Placer,
): NewPlacements {
  const fresh = apps.flatMap((app) =>
    (desiredOf.get(app.name) ?? []).flatMap((d) => {
      const kept = s.keptById.get(d.id);
      if (!needsHost(d, kept)) return [];
      return [{ ...d, requiredTags: app.pool, ...(kept && { preferHost: kept.host }) }];
    }),
  );
  const answers = placer.placeAll(fresh);
  return {
    placements: new Map(fresh.map((d, i) => [d.id, answers[i]!])),
    waiting: fresh.filter((_, i) => !answers[i]!.ok),
  };
}

/** The Placer of a plan: the hosts with the kept containers that hold room on them. */
export function placerOf(s: Snapshot, input: Pick<PlanInput, 'hosts' | 'policy'>): Placer {
  return new Placer(input.hosts, [...holdingRoom(s.kept), ...(s.addonRoom ?? [])], input.policy);
}

/** The assignments that count on their hosts' room: all but the parked. */
export function holdingRoom(kept: readonly Assignment[]): Assignment[] {
  return kept.filter((a) => !a.parked);
}

export interface Assigned {
  /** The desired containers that are assigned, now or by this plan (in the order desired). */
  current: Assignment[];
  /** Why each desired container no host could take was not placed, by id. */
  unplaced: Map<string, string>;
  part: PlanPart;
}

/** Whether a kept container may be parked now; else when to look again (ms from now). */
export type CanPark = (a: Assignment) => true | { inMs: number };

const unparked = (a: Assignment): Assignment => {
  const { parked: _parked, cold: _cold, ...rest } = a;
  return rest;
};

/** A kept container with the desired one's limits (a resize in place: inplace.ts); itself when it has that size. */
function resized(have: Assignment, d: Desired): Assignment {
  if (sameSize(have, d)) return have;
  const { diskMb: _d, egressMbit: _e, ingressMbit: _i, ...rest } = have;
  return { ...rest, ...limitFields(d) };
}

/**
 * Each desired container: kept where it is (written again with new limits when it is resized in place: inplace.ts),
 * put where it was placed, or unplaced (`mine`: the app's kept assignments). A kept one is parked (its app sleeps:
 * once canPark allows it) or unparked (its app wakes: on its host when placement put it there, else moved) by
 * writing it again; parked `cold` (stopped, not frozen) when `cold` says so of it (lifetime.ts pastLifetime).
 */
export function assignDesired(
  desired: readonly Desired[],
  mine: readonly Assignment[],
  placementOf: ReadonlyMap<string, Placement>,
  canPark: CanPark = () => true,
  cold: (a: Assignment) => boolean = () => false,
): Assigned {
  const byId = new Map(mine.map((a) => [a.id, a]));
  const current: Assignment[] = [];
  const put: Assignment[] = [];
  const remove: { host: string; id: string }[] = [];
  const unplaced = new Map<string, string>();
  let recheckInMs: number | undefined;
  for (const d of desired) {
    const have = byId.get(d.id);
    if (have && !needsHost(d, have)) {
      let a = resized(have, d);
      if (d.parked && !have.parked) {
        const ok = canPark(have);
        if (ok === true) a = { ...a, parked: true, ...(cold(have) && { cold: true }) };
        else recheckInMs = Math.min(recheckInMs ?? Infinity, ok.inMs);
      }
      if (a !== have) put.push(a);
      current.push(a);
      continue;
    }
    if (!have && d.parked) {
      // A sleeping app's new container (a release while it sleeps): created ahead where its slot's parked one is,
      // else only when the app wakes.
      const slot = mine.find((a) => a.parked && a.type === d.type && a.index === d.index);
      if (slot) {
        const a = { ...d, host: slot.host };
        put.push(a);
        current.push(a);
      }
      continue;
    }
    const p = placementOf.get(d.id) ?? { ok: false, reason: 'not placed' };
    if (!p.ok) {
      unplaced.set(d.id, p.reason);
      if (have) current.push(have); // stays parked
      continue;
    }
    let a: Assignment;
    // unparked where it is: assigned again now (a rollout not yet judged counts from here)
    if (have && have.host === p.host) a = { ...resized(unparked(have), d), createdAt: d.createdAt };
    else {
      if (have) remove.push({ host: have.host, id: have.id }); // parked on a host with no room now
      const { parked: _parked, ...fresh } = d;
      a = { ...fresh, host: p.host };
    }
    put.push(a);
    current.push(a);
  }
  return {
    current,
    unplaced,
    part: {
      put,
      remove,
      unplaced: [...unplaced].map(([id, reason]) => ({ id, reason })),
      ...(recheckInMs !== undefined && { recheckInMs }),
    },
  };
}
