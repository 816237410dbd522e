import { sortedEntries } from '../core/compare.js';
import { assignmentId, dynoName } from '../core/ids.js';
import { generationOf } from '../core/restarts.js';
import { RELEASE_TYPE } from '../core/runs.js';
import { DEFAULT_SIZE, limitsOf, SIZES, sizeOrDefault, type Size } from '../core/sizes.js';
import type { Assignment, Formation } from '../core/types.js';
import { APP_PORT, type AppInput, type Desired } from './model.js';
import { currentCycle } from './lifetime.js';
import type { Fate } from './rollout.js';

// What an app should run: the containers of its release (without host), each
// named by its dyno, release, restart generation and size.

/** The app as planned: with its fallback as the release when the latest failed. */
export function runningApp(app: AppInput, fate: Fate): AppInput {
  if (!fate.fellBack) return app;
  const { release: _failed, ...rest } = app;
  return app.fallback ? { ...rest, release: app.fallback } : rest;
}

/** What the app runs now: while its release phase runs, only the one-off of the phase; else its formation. */
export function desiredOf(app: AppInput, fate: Fate, now: number, kept: ReadonlyMap<string, Assignment>): Desired[] {
  return fate.phase ? releasePhaseAssignment(app, now) : desiredFor(app, now, kept);
}

/**
 * `<app>.<type>.<index>.v<release>`, plus `.g<generation>` once the dyno has been restarted (and `.<size>` after a
 * resize done blue-green: sizedId).
 */
export function desiredId(app: string, type: string, index: number, release: number, generation = 0): string {
  const id = assignmentId(app, dynoName(type, index), release);
  return generation > 0 ? `${id}.g${generation}` : id;
}

/** Process types and quantities to run: the formation, web=1 when it does not say. */
function quantities(formation: Formation): [string, { quantity: number; size: string }][] {
  const f: Formation = { web: { quantity: 1, size: DEFAULT_SIZE }, ...formation };
  delete f[RELEASE_TYPE]; // runs once per release (releasePhaseAssignment), never as a formation
  return sortedEntries(f);
}

/** The limits that tell a size apart (every size differs from the others in memory or CPU shares). */
export type SizeLimits = Pick<Assignment, 'memoryMb' | 'cpuShares'>;

/** Whether two containers have the same size (memory and CPU shares). */
export function sameSize(a: SizeLimits, b: SizeLimits): boolean {
  return a.memoryMb === b.memoryMb && a.cpuShares === b.cpuShares;
}

/**
 * The id of a dyno of `size` whose id without size is `base`. A kept
 * assignment of the slot (`base` or `base.<any size>`) with these limits keeps
 * its id (one resized in place keeps the id it had: inplace.ts); else `base`
 * when no kept one holds it, else `base.<size>`, so a resize that is not done
 * in place gets a new id and replaces the dyno blue-green. Stable: the same
 * kept set gives the same id. (Both ids held with other limits, which only a
 * replacement under way can leave: `base.<size>`, and inplace.ts waits.)
 */
export function sizedId(base: string, size: Size, kept: ReadonlyMap<string, SizeLimits>): string {
  const fits = (id: string) => {
    const a = kept.get(id);
    return a !== undefined && sameSize(a, size);
  };
  const sized = `${base}.${size.name}`;
  const slot = [sized, base, ...SIZES.map((x) => `${base}.${x.name}`)];
  const held = slot.find(fits);
  if (held) return held;
  return kept.has(base) ? sized : base;
}

/** A container of the app's release: its image, config and size. */
function containerOf(
  app: AppInput,
  type: string,
  index: number,
  command: string,
  size: Size,
  now: number,
): Omit<Desired, 'id'> {
  const r = app.release as NonNullable<AppInput['release']>;
  return {
    app: app.name,
    release: r.version,
    type,
    index,
    image: r.image,
    command,
    env: { ...r.config },
    port: APP_PORT,
    ...limitsOf(size),
    createdAt: new Date(now).toISOString(),
  };
}

/**
 * The containers an app should run (without host): indices 1..q of the latest release per type, at their restart
 * generation and size (`kept`: the app's assignments, by id).
 */
export function desiredFor(app: AppInput, now: number, kept: ReadonlyMap<string, Assignment> = new Map()): Desired[] {
  const r = app.release;
  if (!r || !r.image) return [];
  const out: Desired[] = [];
  for (const [type, entry] of quantities(app.formation)) {
    const command = r.processTypes[type];
    if (command === undefined) continue;
    const size = sizeOrDefault(entry.size);
    for (let index = 1; index <= Math.max(0, Math.floor(entry.quantity)); index++) {
      const root = desiredId(app.name, type, index, r.version, generationOf(app.restart, type, index));
      const id = sizedId(currentCycle(root, kept.keys()), size, kept); // a slot cycled at its lifetime: lifetime.ts
      out.push({
        id,
        ...containerOf(app, type, index, command, size, now),
        ...(app.uid && { uid: app.uid }),
        ...(type === 'web' && r.healthcheck && { healthcheck: r.healthcheck }),
      });
    }
  }
  return out;
}

/** The release phase's one-off container `<app>.release.1.v<N>`: the release's `release` command, once. */
export function releasePhaseAssignment(app: AppInput, now: number): Desired[] {
  const r = app.release;
  const command = r?.processTypes[RELEASE_TYPE];
  if (!r || !r.image || command === undefined) return [];
  const size = sizeOrDefault(app.formation[RELEASE_TYPE]?.size);
  const id = desiredId(app.name, RELEASE_TYPE, 1, r.version);
  return [
    { id, ...containerOf(app, RELEASE_TYPE, 1, command, size, now), oneOff: true, ...(app.uid && { uid: app.uid }) },
  ];
}
