import { invalid, notFound } from '../../core/errors.js';
import { bumpRestart, type RestartRecord, type RestartTarget } from '../../core/restarts.js';
import { SIZES } from '../../core/sizes.js';
import type { App, Assignment, Formation, Instance, InstanceState } from '../../core/types.js';
import type { Deps } from '../deps.js';
import { latestReleaseOf, scalableTypes } from './formation.js';
import type { DynoView } from '../../core/api.js';
import { compareStrings } from '../../core/compare.js';
import { dynoName, parseDynoName } from '../../core/ids.js';
import { PROCESS_TYPE } from '../../core/names.js';

// Dynos: the app's containers as the scheduler assigned them and the agents
// report them; and restarts, which bump the app's restart generation so the
// scheduler replaces the containers blue-green (core/restarts.ts).

/** The size name of a container's limits, else "<memory>MB". */
export function sizeNameOf(memoryMb: number, cpuShares: number): string {
  return SIZES.find((s) => s.memoryMb === memoryMb && s.cpuShares === cpuShares)?.name ?? `${memoryMb}MB`;
}

/**
 * One dyno per name (type.index): the newest assignment of that name (a
 * replacement is always assigned after the container it replaces), with the
 * state its agent reports; "starting" while it reports nothing. Sorted by
 * type, then index.
 */
export function dynoViews(assignments: readonly Assignment[], instances: readonly Instance[]): DynoView[] {
  const newest = new Map<string, Assignment>();
  for (const a of assignments) {
    const name = dynoName(a.type, a.index);
    const cur = newest.get(name);
    if (!cur || a.release > cur.release || (a.release === cur.release && a.createdAt > cur.createdAt)) newest.set(name, a);
  }
  const instanceOf = new Map(instances.map((i) => [i.id, i]));
  return [...newest.values()]
    .sort((a, b) => compareStrings(a.type, b.type) || a.index - b.index)
    .map((a) => {
      const inst = instanceOf.get(a.id);
      const reported = inst && inst.host === a.host ? inst : undefined;
      return {
        id: a.id,
        name: dynoName(a.type, a.index),
        type: a.type,
        state: reported?.state ?? 'starting',
        release: { version: a.release },
        size: sizeNameOf(a.memoryMb, a.cpuShares),
        command: a.command,
        host: a.host,
        created_at: a.createdAt,
        updated_at: reported?.updatedAt || a.createdAt,
        restarts: reported?.restarts ?? 0,
        exit_code: reported?.exitCode ?? null,
        started_at: reported?.startedAt ?? null,
      };
    });
}

export async function dynosOf(deps: Deps, app: App): Promise<DynoView[]> {
  const { store } = deps;
  const [assignments, instances] = await Promise.all([store.list<Assignment>(store.keys.assignments()), store.list<Instance>(store.keys.instances(app.name))]);
  return dynoViews(
    assignments.filter((a) => a.app === app.name),
    instances.filter((i) => i.app === app.name),
  );
}

export async function dynoOf(deps: Deps, app: App, name: string): Promise<DynoView> {
  const dyno = (await dynosOf(deps, app)).find((d) => d.name === name || d.id === name);
  if (!dyno) throw notFound(`Couldn't find that dyno.`);
  return dyno;
}

/** The highest dyno index a restart names (quantities stop at MAX_QUANTITY, far below). */
const MAX_DYNO_INDEX = 999;

/** "web" -> the type; "web.1" -> one dyno. Anything else is refused. */
export function parseRestartTarget(raw: string | undefined): RestartTarget {
  if (raw === undefined) return { kind: 'all' };
  const dyno = parseDynoName(raw);
  if (dyno && dyno.index <= MAX_DYNO_INDEX) return { kind: 'dyno', ...dyno };
  if (PROCESS_TYPE.test(raw)) return { kind: 'type', type: raw };
  throw invalid(`Invalid dyno or process type ${JSON.stringify(raw.slice(0, 60))}: give a type (web) or a dyno (web.1)`);
}

/** The target exists: a type of the release (or of the formation), a dyno within the type's quantity. */
export function checkRestartTarget(target: RestartTarget, formation: Formation, types: ReadonlySet<string>): void {
  if (target.kind === 'all') return;
  if (!types.has(target.type) && !(target.type in formation)) throw notFound(`Couldn't find that process type (${target.type}).`);
  if (target.kind === 'dyno' && target.index > (formation[target.type]?.quantity ?? 0)) throw notFound(`Couldn't find that dyno (${dynoName(target.type, target.index)}).`);
}

export function targetName(target: RestartTarget): string {
  return target.kind === 'all' ? 'all' : target.kind === 'type' ? target.type : dynoName(target.type, target.index);
}

/**
 * Bumps the app's restart generation for the target in one transaction
 * (compare on the restart key's mod revision, and the app must exist);
 * retried on a lost race. The scheduler does the rest.
 */
export async function restartDynos(deps: Deps, app: App, target: RestartTarget): Promise<{ target: string; generation: number }> {
  const { store } = deps;
  if (target.kind !== 'all') {
    checkRestartTarget(target, await store.getFormation(app.name), scalableTypes(await latestReleaseOf(deps, app)));
  }
  const key = store.keys.restart(app.name);
  const next = await store.transact(async (tx) => {
    const cur = await tx.read<RestartRecord>(key);
    tx.require({ key: store.keys.app(app.name), exists: true });
    return tx.put(key, bumpRestart(cur, target));
  }, { conflict: `Too many concurrent restarts of ${app.name}; try again`, onConflict: () => store.getApp(app.name) });
  return { target: targetName(target), generation: next.generation };
}
