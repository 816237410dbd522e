import { limitFields } from '../core/sizes.js';
import type { Assignment } from '../core/types.js';
import { sameSize } from './desired.js';
import { slotOf } from './lifetime.js';
import type { AppInput, Desired, Snapshot } from './model.js';
import type { Placer } from './place.js';

// Resizing in place (`paas ps:resize web=standard-2x`): a dyno whose size
// changed keeps its container when nothing but its limits differ and its host
// has room for the new limits in place of the old. The desired container then
// takes the id of the kept one, so the same assignment (id, host) is written
// again with the new limits (assign.ts), and the agent applies them to the
// running container (agent/resize.ts): no new container, no drain, the route
// unchanged. Otherwise the dyno keeps the new id sizedId gave it and is
// replaced blue-green as before: its host lacks room, a replacement of its
// slot is under way (two kept containers), or its container would differ in
// more than its limits.
//
// Room is what placement counts (memory and CPU shares, place.ts): the host's
// load without the old limits and with the new, in the Placer that places the
// new containers of the plan next (assign.ts placeNew), so what a resize
// takes no new container gets. Resizes that ask for no more go first, so what
// they free can serve growths on the same host; the others go in plan order
// (apps by name, then types and indices) as far as the room goes. A parked
// (sleeping) container holds no room: it is rewritten with the new limits as
// it is (waking, it is placed with them: assign.ts), and so is one about to
// be parked. Pure.

/** The key of a slot (root and cycle, no size): the ids a resize moves between. */
function slotKey(id: string): string {
  const s = slotOf(id);
  return `${s.root}\u0000${s.cycle}`;
}

/** Whether two records make the same container but for its limits (release, command, environment, uid, port). */
function sameContainer(a: Desired, b: Desired): boolean {
  if (a.image !== b.image || a.command !== b.command || a.port !== b.port || a.uid !== b.uid) return false;
  const ea = Object.entries(a.env);
  return ea.length === Object.keys(b.env).length && ea.every(([k, v]) => b.env[k] === v);
}

/** The desired container as the kept one resized: the kept id, the desired limits. */
const inPlace = (d: Desired, kept: Assignment): Desired => ({ ...d, id: kept.id });

interface Candidate {
  app: AppInput;
  list: Desired[];
  i: number;
  kept: Assignment;
}

/**
 * Each app's desired containers with those that can be resized in place given their kept container's id; the room
 * they take (or free) counted in `placer`.
 */
export function resizeInPlace(
  apps: readonly AppInput[],
  desiredOf: ReadonlyMap<string, Desired[]>,
  s: Snapshot,
  placer: Placer,
): Map<string, Desired[]> {
  const out = new Map<string, Desired[]>();
  const needRoom: Candidate[] = [];
  for (const app of apps) {
    const list = [...(desiredOf.get(app.name) ?? [])];
    out.set(app.name, list);
    const slots = new Map<string, Assignment[]>();
    for (const a of s.keptOf.get(app.name) ?? []) {
      if (a.oneOff) continue;
      const k = slotKey(a.id);
      slots.set(k, [...(slots.get(k) ?? []), a]);
    }
    list.forEach((d, i) => {
      if (d.oneOff) return;
      const have = s.keptById.get(d.id);
      if (have && sameSize(have, d)) return; // as it is
      const mates = slots.get(slotKey(d.id)) ?? [];
      const kept = mates.length === 1 ? mates[0] : undefined;
      if (!kept || !sameContainer(kept, d)) {
        // Both ids of the slot held with other limits (sizedId): the resize waits for the replacement under way.
        if (have) list[i] = { ...d, ...limitFields(have) };
        return;
      }
      if (kept.parked || d.parked) list[i] = inPlace(d, kept);
      else needRoom.push({ app, list, i, kept });
    });
  }
  const asksNoMore = (c: Candidate) =>
    c.list[c.i]!.memoryMb <= c.kept.memoryMb && c.list[c.i]!.cpuShares <= c.kept.cpuShares;
  for (const c of [...needRoom.filter(asksNoMore), ...needRoom.filter((x) => !asksNoMore(x))]) {
    const d = c.list[c.i]!;
    const to = { memoryMb: d.memoryMb, cpuShares: d.cpuShares, ...(c.app.pool && { requiredTags: c.app.pool }) };
    if (placer.resize(c.kept, to)) c.list[c.i] = inPlace(d, c.kept);
  }
  return out;
}
