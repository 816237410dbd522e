import { invalid, notFound } from '../../core/errors.js';
import { dynoName, parseDynoName } from '../../core/ids.js';
import { PROCESS_TYPE } from '../../core/names.js';
import { bumpRestart, type RestartRecord, type RestartTarget } from '../../core/restarts.js';
import type { App, Formation } from '../../core/types.js';
import type { Deps } from '../deps.js';
import { latestReleaseOf, scalableTypes } from './formation.js';

// Restarts bump the app's restart generation (/restarts/<app>) so the
// scheduler replaces the containers blue-green (core/restarts.ts).

/** The highest dyno index a restart names (quantities stop at MAX_QUANTITY, far below). */
const MAX_DYNO_INDEX = 999;

/** "web" -> the type; "web.1" -> one dyno. Anything else is refused. */
export function parseRestartTarget(raw: string | undefined): RestartTarget {
  if (raw === undefined) return { kind: 'all' };
  const dyno = parseDynoName(raw);
  if (dyno && dyno.index <= MAX_DYNO_INDEX) return { kind: 'dyno', ...dyno };
  if (PROCESS_TYPE.test(raw)) return { kind: 'type', type: raw };
  throw invalid(
    `Invalid dyno or process type ${JSON.stringify(raw.slice(0, 60))}: give a type (web) or a dyno (web.1)`,
  );
}

/** The target exists: a type of the release (or of the formation), a dyno within the type's quantity. */
export function checkRestartTarget(target: RestartTarget, formation: Formation, types: ReadonlySet<string>): void {
  if (target.kind === 'all') return;
  if (!types.has(target.type) && !(target.type in formation))
    throw notFound(`Couldn't find that process type (${target.type}).`);
  if (target.kind === 'dyno' && target.index > (formation[target.type]?.quantity ?? 0))
    throw notFound(`Couldn't find that dyno (${dynoName(target.type, target.index)}).`);
}

export function targetName(target: RestartTarget): string {
  return target.kind === 'all' ? 'all' : target.kind === 'type' ? target.type : dynoName(target.type, target.index);
}

/**
 * Bumps the app's restart generation for the target in one transaction
 * (compare on the restart key's mod revision, and the app must exist);
 * retried on a lost race. The scheduler does the rest.
 */
export async function restartDynos(
  deps: Deps,
  app: App,
  target: RestartTarget,
): Promise<{ target: string; generation: number }> {
  const { store } = deps;
  if (target.kind !== 'all') {
    checkRestartTarget(target, await store.getFormation(app.name), scalableTypes(await latestReleaseOf(deps, app)));
  }
  const key = store.keys.restart(app.name);
  const next = await store.transact(
    async (tx) => {
      const cur = await tx.read<RestartRecord>(key);
      tx.require({ key: store.keys.app(app.name), exists: true });
      return tx.put(key, bumpRestart(cur, target));
    },
    { conflict: `Too many concurrent restarts of ${app.name}; try again`, onConflict: () => store.getApp(app.name) },
  );
  return { target: targetName(target), generation: next.generation };
}
