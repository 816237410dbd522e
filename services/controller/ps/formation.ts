import { invalid, notFound } from '../../core/errors.js';
import { PROCESS_TYPE } from '../../core/names.js';
import { DEFAULT_SIZE, SIZES, sizeByName } from '../../core/sizes.js';
import type { App, Formation, Release } from '../../core/types.js';
import { sortedEntries } from '../../core/compare.js';
import type { Deps } from '../deps.js';
import type { FormationEntryView, SizeView } from '../../core/api.js';

// Formation: how many containers of each process type run, and their size.
// Scaling changes /formation/<app> in one compare-and-swap transaction; it
// makes no release. The scheduler sees the change and places or removes
// containers.

/** Most containers of one process type an app may ask for. */
export const MAX_QUANTITY = 100;

/** An absolute quantity, or a change of the current one ("+1", "-2"). */
export type QuantityChange = { set: number } | { add: number };

export interface FormationUpdate {
  type: string;
  quantity?: QuantityChange;
  size?: string;
}

export function sizesView(): SizeView[] {
  return SIZES.map((s) => ({
    name: s.name,
    memory_mb: s.memoryMb,
    cpu_shares: s.cpuShares,
    memory: s.memoryMb / 1024,
    disk_mb: s.diskMb,
    egress_mbit: s.egressMbit,
    ingress_mbit: s.ingressMbit,
  }));
}

const QUANTITY_RULE = `Quantity must be a whole number from 0 to ${MAX_QUANTITY}`;

/** A process type as given: a string of the Procfile's characters (else the message names it). */
export function parseType(raw: unknown): string {
  if (typeof raw !== 'string' || !PROCESS_TYPE.test(raw))
    throw invalid(`Invalid process type ${JSON.stringify(raw)}: letters, digits, _ and -, up to 30`);
  return raw;
}

/** 3, or "+1" / "-2" for a change of the current quantity. Refuses 2.5, -1, "three", "3". */
export function parseQuantity(raw: unknown): QuantityChange {
  if (typeof raw === 'number') {
    if (!Number.isInteger(raw) || raw < 0 || raw > MAX_QUANTITY)
      throw invalid(`${QUANTITY_RULE}, got ${JSON.stringify(raw)}`);
    return { set: raw };
  }
  if (typeof raw === 'string') {
    const m = /^([+-])(\d{1,3})$/.exec(raw);
    if (m) return { add: (m[1] === '-' ? -1 : 1) * Number(m[2]) };
  }
  throw invalid(`${QUANTITY_RULE} (or "+N"/"-N" to change it), got ${JSON.stringify(raw)}`);
}

/** A size name of the table, canonical (lower case). */
export function parseSize(raw: unknown): string {
  if (typeof raw !== 'string') throw invalid(`Size must be a string, one of ${SIZES.map((s) => s.name).join(', ')}`);
  return sizeByName(raw).name;
}

/** One update from a request body; the type from the path wins over a type in the body. */
export function parseUpdate(raw: unknown, typeFromPath?: string): FormationUpdate {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw invalid('Each formation update must be an object {type, quantity?, size?}');
  const o = raw as Record<string, unknown>;
  const update: FormationUpdate = { type: parseType(typeFromPath ?? o.type) };
  if (o.quantity !== undefined && o.quantity !== null) update.quantity = parseQuantity(o.quantity);
  if (o.size !== undefined && o.size !== null) update.size = parseSize(o.size);
  if (!update.quantity && !update.size)
    throw invalid(`Nothing to change for ${update.type}: give a quantity or a size`);
  return update;
}

/** The body of the batch update: {updates: [{type, quantity?, size?}, ...]}, at least one. */
export function parseBatch(body: Record<string, unknown>): FormationUpdate[] {
  const updates = body.updates;
  if (!Array.isArray(updates) || updates.length === 0)
    throw invalid('The body must be {"updates": [{"type": "web", "quantity": 2}, ...]} with at least one update');
  if (updates.length > 50) throw invalid('At most 50 updates at a time');
  return updates.map((u) => parseUpdate(u));
}

/** The process types that may be scaled: the latest build's; before the first build only web. */
export function scalableTypes(release: Pick<Release, 'image' | 'processTypes'> | undefined): Set<string> {
  if (!release || !release.image) return new Set(['web', ...Object.keys(release?.processTypes ?? {})]);
  return new Set(Object.keys(release.processTypes));
}

/**
 * The formation after the updates, in order; all or nothing: the first bad
 * update throws and nothing is changed. Also answers which types changed.
 */
export function applyUpdates(
  formation: Formation,
  updates: readonly FormationUpdate[],
  allowed: ReadonlySet<string>,
): { formation: Formation; changed: string[] } {
  const next: Formation = { ...formation };
  const changed: string[] = [];
  for (const u of updates) {
    if (u.type === 'release')
      throw invalid(
        'The release process type runs once for each new release, before it is deployed (release phase); it cannot be scaled.',
      );
    if (!allowed.has(u.type)) throw invalid(`No such process type ${u.type} defined in Procfile.`);
    const cur = next[u.type] ?? { quantity: 0, size: DEFAULT_SIZE };
    let quantity = cur.quantity;
    if (u.quantity && 'set' in u.quantity) quantity = u.quantity.set;
    else if (u.quantity) quantity = cur.quantity + u.quantity.add;
    if (quantity < 0 || quantity > MAX_QUANTITY) throw invalid(`${QUANTITY_RULE}: ${u.type} would be at ${quantity}`);
    next[u.type] = { quantity, size: u.size ?? cur.size };
    if (!changed.includes(u.type)) changed.push(u.type);
  }
  return { formation: next, changed };
}

/** The formation as GET /apps/:app/formation shows it, by type; pure. */
export function formationView(formation: Formation): { type: string; quantity: number; size: string }[] {
  return sortedEntries(formation).map(([type, e]) => ({ type, quantity: e.quantity, size: e.size }));
}

/** GET /apps/:app/formation. */
export async function formationOf(deps: Deps, app: App): Promise<ReturnType<typeof formationView>> {
  return formationView(await deps.store.getFormation(app.name));
}

function entryView(formation: Formation, type: string): FormationEntryView {
  const e = formation[type] ?? { quantity: 0, size: DEFAULT_SIZE };
  return { type, quantity: e.quantity, size: e.size };
}

/** The app's latest release, from the app record already read (undefined before the first). */
export async function latestReleaseOf(deps: Deps, app: App): Promise<Release | undefined> {
  return app.latestRelease > 0
    ? deps.store.get<Release>(deps.store.keys.release(app.name, app.latestRelease))
    : undefined;
}

/** One process type's entry; a type of the release that was never scaled is at 0. */
export async function formationEntryOf(deps: Deps, app: App, rawType: string): Promise<FormationEntryView> {
  const type = parseType(rawType);
  const formation = await deps.store.getFormation(app.name);
  if (!(type in formation) && !scalableTypes(await latestReleaseOf(deps, app)).has(type))
    throw notFound(`Couldn't find that formation.`);
  return entryView(formation, type);
}

/**
 * Applies the updates in one transaction that succeeds only if the formation
 * did not change since it was read and the app still exists; retried on a
 * lost race. Answers the updated entries.
 */
export async function updateFormation(
  deps: Deps,
  app: App,
  updates: readonly FormationUpdate[],
): Promise<FormationEntryView[]> {
  const { store } = deps;
  const key = store.keys.formation(app.name);
  const allowed = scalableTypes(await latestReleaseOf(deps, app));
  return store.transact(
    async (tx) => {
      const { formation, changed } = applyUpdates((await tx.read<Formation>(key)) ?? {}, updates, allowed);
      tx.require({ key: store.keys.app(app.name), exists: true });
      tx.put(key, formation);
      return changed.map((t) => entryView(formation, t));
    },
    {
      conflict: `Too many concurrent changes to ${app.name}'s formation; try again`,
      onConflict: () => store.getApp(app.name),
    },
  );
}
