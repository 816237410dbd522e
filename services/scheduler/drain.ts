import { routeUpstreams, type StoredRoute } from '../core/routes.js';
import type { Assignment } from '../core/types.js';
import { instanceKey, type PlanPart, type Snapshot } from './model.js';
import { upstreamOf } from './route.js';
import type { Succession } from './succession.js';

// The surplus of an app (its kept containers nothing desires any more) goes
// once its replacements are up (a scale-down of the latest release: at once)
// and, for web, once the stored route has stopped listing it for the drain
// delay, so no request in flight is cut.

export function drainSurplus(
  surplus: readonly Assignment[],
  succession: Succession,
  stored: StoredRoute | undefined,
  anyWebUp: boolean,
  s: Snapshot,
  drainMs: number,
): PlanPart {
  const routed = new Set(stored ? routeUpstreams(stored) : []);
  const drainedAt = stored ? Date.parse(stored.updatedAt) + drainMs : 0;
  const remove: { host: string; id: string }[] = [];
  let recheckInMs: number | undefined;
  for (const a of surplus) {
    if (a.parked) {
      remove.push({ host: a.host, id: a.id }); // not running, not routed: nothing to wait for
      continue;
    }
    if (succession.replaced(a) && !succession.allUp(a.type)) continue;
    if (a.type === 'web') {
      const inst = s.instanceOf.get(instanceKey(a));
      if (inst && routed.has(upstreamOf(inst))) continue; // the new route is written first
      if (!stored && anyWebUp) continue;
      if (s.now < drainedAt) {
        recheckInMs = Math.min(recheckInMs ?? Infinity, drainedAt - s.now);
        continue;
      }
    }
    remove.push({ host: a.host, id: a.id });
  }
  return { remove, ...(recheckInMs !== undefined && { recheckInMs }) };
}
