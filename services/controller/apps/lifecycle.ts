import { conflict, invalid } from '../../core/errors.js';
import { refuseSharedAddons } from '../addons/addons.js';
import { assertNewAppName } from '../../core/names.js';
import { APP_KEY_FAMILIES, type AppKeys } from '../../core/keys.js';
import type { Entry, Store, Txn } from '../../core/store.js';
import type { App, User } from '../../core/types.js';
import { infoOf, ownedApp, visibleApp } from './apps.js';
import type { Deps } from '../deps.js';
import { parsePool } from '../hosts/hosts.js';
import type { AppInfo } from '../../core/api.js';

// The app's life after create: maintenance on/off, rename and destroy. Each
// is one etcd transaction that compares the app record it read, so a change
// racing it (a release, a domain added) makes it retry, never half-apply.

/** etcd refuses a transaction with more operations than this (its --max-txn-ops default). */
export const MAX_TXN_OPS = 128;

export interface AppPatch {
  name?: string;
  maintenance?: boolean;
  /** Required host tags; null clears them (owner or admin). */
  pool?: Record<string, string> | null;
}

/** Validates PATCH /apps/:app's body; pure. */
export function parseAppPatch(body: Record<string, unknown>): AppPatch {
  const out: AppPatch = {};
  if (body.maintenance !== undefined) {
    if (typeof body.maintenance !== 'boolean') throw invalid('maintenance must be true or false');
    out.maintenance = body.maintenance;
  }
  if (body.name !== undefined) out.name = assertNewAppName(body.name);
  const pool = parsePool(body.pool);
  if (pool !== undefined) out.pool = pool;
  if (out.name !== undefined && out.pool !== undefined)
    throw invalid('Change the name and the pool in separate requests');
  if (out.name === undefined && out.maintenance === undefined && out.pool === undefined)
    throw invalid('Nothing to change: give a new "name", "maintenance": true|false or "pool": {"key": "value"} | null');
  return out;
}

/**
 * PATCH /apps/:app: a rename needs the owner (or an admin); maintenance any user who sees the app. Answers the app,
 * and `maintenance` when the patch turned it on or off (as the app was read).
 */
export async function patchApp(
  deps: Deps,
  user: User,
  name: string,
  patch: AppPatch,
): Promise<{ info: AppInfo; maintenance?: boolean }> {
  const renaming = patch.name !== undefined && patch.name !== name;
  const ownerAction = renaming ? 'rename it' : patch.pool !== undefined ? 'change its pool' : undefined;
  const app = ownerAction ? await ownedApp(deps, user, name, ownerAction) : await visibleApp(deps, user, name);
  const switched = patch.maintenance !== undefined && (app.maintenance ?? false) !== patch.maintenance;
  const changed = switched ? { maintenance: patch.maintenance as boolean } : {};
  if (renaming) {
    const renamed = await renameApp(deps.store, app.name, patch.name as string, patch.maintenance);
    deps.series.rename(app.name, renamed.name);
    return { info: await infoOf(deps, renamed), ...changed };
  }
  if (patch.pool === undefined && !switched) return { info: await infoOf(deps, app) };
  return { info: await infoOf(deps, await setAppFields(deps.store, app.name, patch)), ...changed };
}

/**
 * Sets `maintenance` and/or the pool (null clears it) of the app record, each
 * only if given, in one compare-and-swap retried on a lost race.
 */
async function setAppFields(
  store: Store,
  name: string,
  { maintenance, pool }: Pick<AppPatch, 'maintenance' | 'pool'>,
): Promise<App> {
  const key = store.keys.app(name);
  return store.transact(
    async (tx) => {
      const cur = await tx.readApp(name);
      const { pool: _old, ...rest } = cur;
      const app = pool === undefined ? cur : { ...rest, ...(pool && { pool }) };
      return tx.put<App>(key, { ...app, ...(maintenance !== undefined && { maintenance }) });
    },
    { conflict: `Too many concurrent changes to ${name}; try again` },
  );
}

/** A record with its `app` field (if it has one naming `from`) set to `to`; pure. */
export function renamedRecord(value: unknown, from: string, to: string): unknown {
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && (value as { app?: unknown }).app === from)
    return { ...value, app: to };
  return value;
}

/** The family's keys of `app` as they are now. */
async function entriesOf(store: Store, keys: AppKeys, app: string): Promise<Entry<unknown>[]> {
  if ('key' in keys) {
    const cur = await store.getVersioned(keys.key);
    return cur ? [{ key: keys.key, ...cur }] : [];
  }
  if ('prefix' in keys) return (await store.range(keys.prefix)).entries;
  return (await store.range<{ app?: unknown }>(keys.where)).entries.filter((e) => e.value.app === app);
}

/** Deletes the family's keys of one app at commit (`where` families are deleted by the entries read). */
function deleteKeys(tx: Txn, keys: AppKeys): void {
  if ('key' in keys) tx.delete(keys.key);
  else if ('prefix' in keys) tx.deletePrefix(keys.prefix);
}

/** Where a key of the family moves when its app is renamed. */
function movedKey(key: string, from: AppKeys, to: AppKeys): string {
  if ('key' in from && 'key' in to) return to.key;
  if ('prefix' in from && 'prefix' in to) return to.prefix + key.slice(from.prefix.length);
  return key; // not keyed by app (domains): only the record's app changes
}

/**
 * Renames the app in one transaction, each per-app key family as core/keys.ts's
 * APP_KEY_FAMILIES says (moved, its records' app rewritten, or dropped): the
 * new name must be free, the old record and every moved key unchanged since
 * read. Whatever else sits under the old name (a collaborator added
 * meanwhile) is deleted, so nothing is left for a future app of the old name
 * to inherit.
 */
export async function renameApp(store: Store, from: string, to: string, maintenance?: boolean): Promise<App> {
  const k = store.keys;
  return store.transact(
    async (tx) => {
      const cur = await tx.readApp(from);
      if (await tx.read(k.app(to))) throw conflict(`Name ${to} is already taken`);
      const families = await Promise.all(
        APP_KEY_FAMILIES.filter((f) => f.rename !== 'others').map(async (f) => {
          const keys = f.keys(k, from);
          return {
            f,
            from: keys,
            to: f.keys(k, to),
            entries: f.rename === 'drop' ? [] : await entriesOf(store, keys, from),
          };
        }),
      );
      const moved = families.flatMap((m) => m.entries);
      const cleared = families.filter((m) => m.f.rename !== 'app-field');
      // + deleting the old app record, putting the new one, and one to spare
      if (moved.length + cleared.length + 3 > MAX_TXN_OPS) {
        throw invalid(
          `${from} has too many releases, collaborators and domains (${moved.length}) to rename in one step; the store allows ${MAX_TXN_OPS} operations per transaction`,
        );
      }
      const app: App = { ...cur, name: to, ...(maintenance !== undefined && { maintenance }) };
      tx.require({ key: k.formation(to), absent: true });
      for (const e of moved) tx.require({ key: e.key, modRevision: e.modRevision });
      tx.delete(k.app(from));
      for (const m of cleared) deleteKeys(tx, m.from);
      for (const m of families) {
        for (const e of m.entries)
          tx.put(movedKey(e.key, m.from, m.to), m.f.rename === 'move' ? e.value : renamedRecord(e.value, from, to));
      }
      return tx.put(k.app(to), app);
    },
    { conflict: `Too many concurrent changes to ${from}; try again` },
  );
}

/**
 * Deletes the app record and every per-app key family that goes with it
 * (core/keys.ts's APP_KEY_FAMILIES: releases, formation, collaborators, domains,
 * ...) in one transaction that compares the app record. The scheduler then
 * removes its assignments and route; the builder its repository and images.
 */
export async function destroyApp(store: Store, name: string): Promise<App> {
  const k = store.keys;
  const families = APP_KEY_FAMILIES.filter((f) => f.destroy).map((f) => f.keys(k, name));
  return store.transact(
    async (tx) => {
      const app = await tx.readApp(name);
      const named = (
        await Promise.all(families.filter((keys) => 'where' in keys).map((keys) => entriesOf(store, keys, name)))
      ).flat();
      for (const e of named) tx.require({ key: e.key, modRevision: e.modRevision });
      tx.delete(k.app(name));
      for (const keys of families) deleteKeys(tx, keys);
      for (const e of named) tx.delete(e.key);
      return app;
    },
    { conflict: `Too many concurrent changes to ${name}; try again` },
  );
}

/** DELETE /apps/:app: owner or admin only. */
export async function destroyAppFor(deps: Deps, user: User, name: string): Promise<AppInfo> {
  const app = await ownedApp(deps, user, name, 'destroy it');
  await refuseSharedAddons(deps, app.name);
  const destroyed = await destroyApp(deps.store, app.name);
  deps.series.forget(app.name);
  return infoOf(deps, destroyed);
}
