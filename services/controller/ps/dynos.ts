import { notFound } from '../../core/errors.js';
import { sizeNameOf } from '../../core/sizes.js';
import type { App, Assignment, Instance, Route } from '../../core/types.js';
import type { Deps } from '../deps.js';
import type { DynoView } from '../../core/api.js';
import { compareStrings } from '../../core/compare.js';
import { dynoName } from '../../core/ids.js';

// Dynos: the app's containers as the scheduler assigned them and the agents
// report them (restarts.ts restarts them).

export { sizeNameOf }; // the size name of a container's limits (core/sizes.ts)

/**
 * One dyno per name (type.index): the newest assignment of that name (a
 * replacement is always assigned after the container it replaces), with the
 * state its agent reports; "starting" while it reports nothing; "sleeping"
 * when the scheduler parked it (the app sleeps) and its agent no longer
 * reports it up, since the route's `since` when the route says the app sleeps. Sorted by type, then index.
 */
export function dynoViews(
  assignments: readonly Assignment[],
  instances: readonly Instance[],
  route?: Pick<Route, 'state' | 'since'>,
): DynoView[] {
  const asleepSince = route?.state === 'sleeping' ? route.since : undefined;
  const newest = new Map<string, Assignment>();
  for (const a of assignments) {
    const name = dynoName(a.type, a.index);
    const cur = newest.get(name);
    if (!cur || a.release > cur.release || (a.release === cur.release && a.createdAt > cur.createdAt))
      newest.set(name, a);
  }
  const instanceOf = new Map(instances.map((i) => [i.id, i]));
  return [...newest.values()]
    .sort((a, b) => compareStrings(a.type, b.type) || a.index - b.index)
    .map((a) => {
      const inst = instanceOf.get(a.id);
      const reported = inst && inst.host === a.host ? inst : undefined;
      const updatedAt = reported?.updatedAt || a.createdAt;
      return {
        id: a.id,
        name: dynoName(a.type, a.index),
        type: a.type,
        // parked: sleeping once its agent has stopped it (or it has no container); up until then
        state: a.parked ? (reported?.state === 'up' ? 'up' : 'sleeping') : (reported?.state ?? 'starting'),
        release: { version: a.release },
        size: sizeNameOf(a.memoryMb, a.cpuShares),
        command: a.command,
        host: a.host,
        created_at: a.createdAt,
        updated_at: (a.parked && asleepSince) || updatedAt,
        restarts: reported?.restarts ?? 0,
        exit_code: reported?.exitCode ?? null,
        started_at: reported?.startedAt ?? null,
      };
    });
}

export async function dynosOf(deps: Deps, app: App): Promise<DynoView[]> {
  const { store } = deps;
  const [assignments, instances, route] = await Promise.all([
    store.list<Assignment>(store.keys.assignments()),
    store.list<Instance>(store.keys.instances(app.name)),
    store.get<Route>(store.keys.route(app.name)),
  ]);
  return dynoViews(
    assignments.filter((a) => a.app === app.name),
    instances.filter((i) => i.app === app.name),
    route,
  );
}

export async function dynoOf(deps: Deps, app: App, name: string): Promise<DynoView> {
  const dyno = (await dynosOf(deps, app)).find((d) => d.name === name || d.id === name);
  if (!dyno) throw notFound(`Couldn't find that dyno.`);
  return dyno;
}
