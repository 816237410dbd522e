import { dynoName } from '../core/ids.js';
import type { Assignment, Route } from '../core/types.js';
import { upInstance, type Desired, type Snapshot } from './model.js';

// Blue-green succession: which of an app's containers serve while its latest
// release rolls out, and which of the surplus wait for their successors.
//
// Blue-green keeps at most two releases: the latest and the one that serves
// until the latest is all up (servingRelease). A surplus container is
// replaced (kept until its successors are up) when it runs the serving
// release, or when a desired container of another generation or size takes
// its slot (a restart, a resize); otherwise (a scale-down, any other older
// release, a container of a failed newer release) it goes at once, so
// releases made faster than a rollout do not pile up until nothing fits.

export interface Succession {
  /** The release that serves while the latest rolls out (servingRelease). */
  serving: number;
  /** A surplus container that stays until its successors are up. */
  replaced(a: Assignment): boolean;
  /** Whether every desired container of the type is assigned and up (never while the release phase runs). */
  allUp(type: string): boolean;
}

export function successionOf(
  mine: readonly Assignment[],
  desired: readonly Desired[],
  current: readonly Assignment[],
  latest: number,
  holding: boolean,
  route: Pick<Route, 'release'> | undefined,
  s: Snapshot,
): Succession {
  const isUp = (a: Assignment) => upInstance(s, a) !== undefined;
  const serving = servingRelease(mine, latest, route, isUp);
  const slots = new Set(desired.map((d) => dynoName(d.type, d.index)));
  return {
    serving,
    replaced: (a) =>
      (a.release === serving && a.release < latest) ||
      (a.release === latest && (holding || slots.has(dynoName(a.type, a.index)))),
    allUp: (type) =>
      !holding && desired.filter((d) => d.type === type).every((d) => current.some((c) => c.id === d.id && isUp(c))),
  };
}

/**
 * The release that serves while the latest rolls out: the route's release
 * while any of its web containers is up; else the newest older release whose
 * kept web containers (all containers, without web) are all up; else the
 * route's release while any of its containers is kept (it may come back up);
 * 0 when none. The latest itself when the route has it (a restart, a resize).
 */
export function servingRelease(
  mine: readonly Assignment[],
  latest: number,
  route: Pick<Route, 'release'> | undefined,
  isUp: (a: Assignment) => boolean,
): number {
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
