import type { Assignment } from '../core/types.js';
import type { AppInput, Desired, PlanInput, PlanPart, Snapshot } from './model.js';
import { Placer, type Placement } from './place.js';

// Where new containers go. The new containers of all apps are placed as one
// batch (largest first: place.ts), so big ones find room before small ones
// have fragmented the hosts; then each app takes its answers.

/** A host (or why none) for each desired container no kept assignment holds, by id. */
export function placeNew(
  apps: readonly AppInput[],
  desiredOf: ReadonlyMap<string, Desired[]>,
  s: Snapshot,
  input: Pick<PlanInput, 'hosts' | 'policy'>,
): Map<string, Placement> {
  const fresh = apps.flatMap((app) =>
    (desiredOf.get(app.name) ?? []).filter((d) => !s.keptById.has(d.id)).map((d) => ({ ...d, requiredTags: app.pool })),
  );
  const placements = new Placer(input.hosts, s.kept, input.policy).placeAll(fresh);
  return new Map(fresh.map((d, i) => [d.id, placements[i]!]));
}

export interface Assigned {
  /** The desired containers that are assigned, now or by this plan (in the order desired). */
  current: Assignment[];
  /** Why each desired container no host could take was not placed, by id. */
  unplaced: Map<string, string>;
  part: PlanPart;
}

/**
 * Each desired container: kept where it is, put where it was placed, or unplaced (`mine`: the app's kept assignments).
 */
export function assignDesired(
  desired: readonly Desired[],
  mine: readonly Assignment[],
  placementOf: ReadonlyMap<string, Placement>,
): Assigned {
  const byId = new Map(mine.map((a) => [a.id, a]));
  const current: Assignment[] = [];
  const put: Assignment[] = [];
  const unplaced = new Map<string, string>();
  for (const d of desired) {
    const have = byId.get(d.id);
    if (have) {
      current.push(have);
      continue;
    }
    const p = placementOf.get(d.id) ?? { ok: false, reason: 'not placed' };
    if (!p.ok) {
      unplaced.set(d.id, p.reason);
      continue;
    }
    const a: Assignment = { ...d, host: p.host };
    put.push(a);
    current.push(a);
  }
  return { current, unplaced, part: { put, unplaced: [...unplaced].map(([id, reason]) => ({ id, reason })) } };
}
