import { conflict, invalid, notFound } from '../core/errors.js';
import { assertAppName } from '../core/names.js';
import type { Store } from '../core/store.js';
import type { App, Domain, User } from '../core/types.js';
import { infoOf, ownedApp, visibleApp } from './apps.js';
import type { Deps } from './deps.js';
import { parsePool } from './hosts.js';
import type { AppInfo } from '../core/api.js';

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
  if (body.name !== undefined) out.name = assertAppName(body.name);
  const pool = parsePool(body.pool);
  if (pool !== undefined) out.pool = pool;
  if (out.name !== undefined && out.pool !== undefined) throw invalid('Change the name and the pool in separate requests');
  if (out.name === undefined && out.maintenance === undefined && out.pool === undefined) throw invalid('Nothing to change: give a new "name", "maintenance": true|false or "pool": {"key": "value"} | null');
  return out;
}

/** PATCH /apps/:app: a rename needs the owner (or an admin); maintenance any user who sees the app. */
export async function patchApp(deps: Deps, user: User, name: string, patch: AppPatch): Promise<AppInfo> {
  const renaming = patch.name !== undefined && patch.name !== name;
  const ownerAction = renaming ? 'rename it' : patch.pool !== undefined ? 'change its pool' : undefined;
  const app = ownerAction ? await ownedApp(deps, user, name, ownerAction) : await visibleApp(deps, user, name);
  if (renaming) return infoOf(deps, await renameApp(deps.store, app.name, patch.name as string, patch.maintenance));
  if (patch.pool === undefined && (patch.maintenance === undefined || (app.maintenance ?? false) === patch.maintenance)) return infoOf(deps, app);
  return infoOf(deps, await setAppFields(deps.store, app.name, patch));
}

/**
 * Sets `maintenance` and/or the pool (null clears it) of the app record, each
 * only if given, in one compare-and-swap retried on a lost race.
 */
async function setAppFields(store: Store, name: string, { maintenance, pool }: Pick<AppPatch, 'maintenance' | 'pool'>): Promise<App> {
  const key = store.keys.app(name);
  return store.transact(async (tx) => {
    const cur = await tx.read<App>(key);
    if (!cur) throw notFound(`Couldn't find that app.`);
    const { pool: _old, ...rest } = cur;
    const app = pool === undefined ? cur : { ...rest, ...(pool && { pool }) };
    return tx.put<App>(key, { ...app, ...(maintenance !== undefined && { maintenance }) });
  }, { conflict: `Too many concurrent changes to ${name}; try again` });
}

interface Kv {
  key: string;
  value: string;
  mod: string;
}

async function range(store: Store, prefix: string): Promise<Kv[]> {
  const res = await store.etcd.getAll().prefix(prefix).exec();
  return res.kvs.map((kv) => ({ key: kv.key.toString(), value: kv.value.toString(), mod: kv.mod_revision }));
}

async function one(store: Store, key: string): Promise<Kv | undefined> {
  const kv = (await store.etcd.get(key).exec()).kvs[0];
  return kv ? { key, value: kv.value.toString(), mod: kv.mod_revision } : undefined;
}

/** A JSON record with its `app` field (if it has one naming `from`) set to `to`. */
export function renamedRecord(json: string, from: string, to: string): string {
  const v: unknown = JSON.parse(json);
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && (v as { app?: unknown }).app === from) return JSON.stringify({ ...v, app: to });
  return json;
}

/**
 * Moves the app record, its releases, formation, domains and collaborators
 * from `from` to `to` in one transaction: the new name must be free, the old
 * record and every moved key unchanged since read. Whatever else sits under
 * the old name (a collaborator added meanwhile, the restart record) is
 * deleted, so nothing is left for a future app of the old name to inherit.
 */
export async function renameApp(store: Store, from: string, to: string, maintenance?: boolean): Promise<App> {
  const k = store.keys;
  const { etcd } = store;
  return store.transact(async (tx) => {
    const cur = await tx.read<App>(k.app(from));
    if (!cur) throw notFound(`Couldn't find that app.`);
    if (await tx.read(k.app(to))) throw conflict(`Name ${to} is already taken`);
    const [releases, collaborators, formation, allDomains, buildpacks, statuses, drains] = await Promise.all([
      range(store, k.releases(from)),
      range(store, k.collaborators(from)),
      one(store, k.formation(from)),
      range(store, k.domains()),
      one(store, k.buildpacks(from)),
      range(store, k.releaseStatuses(from)),
      range(store, k.drains(from)),
    ]);
    const domains = allDomains.filter((d) => (JSON.parse(d.value) as Domain).app === from);
    const moved = [...releases, ...statuses, ...collaborators, ...(formation ? [formation] : []), ...(buildpacks ? [buildpacks] : []), ...domains, ...drains];
    const cleared = deletesUnder(store, from);
    // + deleting the old app record, putting the new one, and one to spare
    if (moved.length + cleared.length + 3 > MAX_TXN_OPS) {
      throw invalid(`${from} has too many releases, collaborators and domains (${moved.length}) to rename in one step; the store allows ${MAX_TXN_OPS} operations per transaction`);
    }
    const app: App = { ...cur, name: to, ...(maintenance !== undefined && { maintenance }) };
    const newKey = (key: string): string => {
      if (key === k.formation(from)) return k.formation(to);
      if (key === k.buildpacks(from)) return k.buildpacks(to);
      if (key.startsWith(k.releases(from))) return k.releases(to) + key.slice(k.releases(from).length);
      if (key.startsWith(k.releaseStatuses(from))) return k.releaseStatuses(to) + key.slice(k.releaseStatuses(from).length);
      if (key.startsWith(k.collaborators(from))) return k.collaborators(to) + key.slice(k.collaborators(from).length);
      if (key.startsWith(k.drains(from))) return k.drains(to) + key.slice(k.drains(from).length);
      return key; // domains are keyed by hostname: only their app field changes
    };
    tx.if(k.formation(to), 'Create', '==', 0);
    for (const kv of moved) tx.if(kv.key, 'Mod', '==', kv.mod);
    tx.then(etcd.delete().key(k.app(from)), ...cleared, ...moved.map((kv) => etcd.put(newKey(kv.key)).value(renamedRecord(kv.value, from, to))));
    return tx.put(k.app(to), app);
  }, { conflict: `Too many concurrent changes to ${from}; try again` });
}

/**
 * Deletes everything kept under an app's name apart from its record: the one
 * list rename (which moves what it keeps first) and destroy both use, so a new
 * per-app key is added here once. Build records go with the name: they are of
 * the old name's repository, which the builder removes.
 */
function deletesUnder(store: Store, name: string) {
  const k = store.keys;
  const { etcd } = store;
  return [
    etcd.delete().prefix(k.releases(name)),
    etcd.delete().key(k.formation(name)),
    etcd.delete().prefix(k.collaborators(name)),
    etcd.delete().key(k.restart(name)),
    etcd.delete().key(k.buildpacks(name)),
    etcd.delete().prefix(k.builds(name)),
    etcd.delete().prefix(k.buildOutput(name, '')),
    etcd.delete().key(k.buildCache(name)),
    etcd.delete().prefix(k.releaseStatuses(name)),
    etcd.delete().prefix(k.drains(name)),
  ];
}

/**
 * Deletes the app record and everything under its name (releases, formation,
 * collaborators, restart record) and its domains in one transaction that
 * compares the app record. The scheduler then removes its assignments and
 * route; the builder its repository and images.
 */
export async function destroyApp(store: Store, name: string): Promise<App> {
  const k = store.keys;
  const { etcd } = store;
  return store.transact(async (tx) => {
    const app = await tx.read<App>(k.app(name));
    if (!app) throw notFound(`Couldn't find that app.`);
    const domains = (await range(store, k.domains())).filter((d) => (JSON.parse(d.value) as Domain).app === name);
    for (const d of domains) tx.if(d.key, 'Mod', '==', d.mod);
    tx.then(etcd.delete().key(k.app(name)), ...deletesUnder(store, name), ...domains.map((d) => etcd.delete().key(d.key)));
    return app;
  }, { conflict: `Too many concurrent changes to ${name}; try again` });
}

/** DELETE /apps/:app: owner or admin only. */
export async function destroyAppFor(deps: Deps, user: User, name: string): Promise<AppInfo> {
  const app = await ownedApp(deps, user, name, 'destroy it');
  return infoOf(deps, await destroyApp(deps.store, app.name));
}
