import { randomBytes, randomUUID } from 'node:crypto';
import {
  addonName,
  assertAddonName,
  attachmentVars,
  parseAlias,
  parseKind,
  parsePlan,
  type AddonRecord,
  type AttachmentRecord,
} from '../../core/addons.js';
import type { AddonChangeView } from '../../core/api.js';
import { conflict, invalid, notFound } from '../../core/errors.js';
import type { Txn } from '../../core/store.js';
import type { Release, User } from '../../core/types.js';
import { seenApp, visibleApp } from '../apps/apps.js';
import { configRelease, type ConfigPatch } from '../configvars/configvars.js';
import type { Deps } from '../deps.js';
import { readAddonState, viewIn, visibleAddon } from './views.js';

// Add-ons' desired state: create, attach, detach, destroy (design: core/addons.ts).
// Each is one etcd transaction (Store.transact): the add-on record, its
// attachments and a release of every app whose config changes, made as
// config:set makes its release (configvars.ts configRelease), or nothing at
// all. A transaction reads every app it releases (putRelease) and the add-on
// record, and an attach or detach writes the record again, so a concurrent
// destroy and attach cannot both commit (the loser runs again and sees the
// other's writes).

const TXN = { attempts: 100, backoff: true } as const;

/** A strong password: 24 random bytes, base64url (32 characters: no quoting in a URL or a shell). */
export function newPassword(): string {
  return randomBytes(24).toString('base64url');
}

const attachDescription = (addon: string, alias: string) => `Attach ${alias} (@ref:${addon})`;
const detachDescription = (addon: string, alias: string) => `Detach ${alias} (@ref:${addon})`;

/** The app's attachments as they are (the app record, read by putRelease in the same attempt, guards them). */
async function attachmentsOf(deps: Deps, app: string): Promise<AttachmentRecord[]> {
  return deps.store.list<AttachmentRecord>(deps.store.keys.addonAttachments(app));
}

/** Attaches `rec` to `app` as `alias` within the attempt: the attachment and the app's release. */
async function attachIn(
  deps: Deps,
  tx: Txn,
  rec: AddonRecord,
  app: string,
  typedAlias: unknown,
  user: User,
): Promise<Release> {
  const k = deps.store.keys;
  const alias = parseAlias(typedAlias, rec.name);
  const existing = await attachmentsOf(deps, app);
  if ((await tx.read(k.addonAttachment(app, alias))) !== undefined)
    throw conflict(`An add-on is already attached to ${app} as ${alias}: choose another name with --as`);
  let vars: string[] = [];
  const release = await deps.store.putRelease(tx, app, (_v, previous) => {
    const set = attachmentVars(rec, alias, previous?.config ?? {}, existing);
    vars = [...set.keys()].sort();
    return configRelease(previous, set, { user, description: attachDescription(rec.name, alias) });
  });
  tx.put<AttachmentRecord>(k.addonAttachment(app, alias), {
    app,
    addon: rec.name,
    alias,
    vars,
    createdAt: new Date().toISOString(),
  });
  return release;
}

/** Detaches one attachment within the attempt: deletes it and releases its app without the vars it set. */
async function detachIn(deps: Deps, tx: Txn, a: AttachmentRecord, user: User): Promise<Release> {
  const k = deps.store.keys;
  if ((await tx.read(k.addonAttachment(a.app, a.alias))) === undefined)
    throw conflict(`${a.addon} was detached from ${a.app} meanwhile`);
  tx.delete(k.addonAttachment(a.app, a.alias));
  const patch: ConfigPatch = new Map(a.vars.map((v) => [v, null]));
  return deps.store.putRelease(tx, a.app, (_v, previous) =>
    configRelease(previous, patch, { user, description: detachDescription(a.addon, a.alias), evenUnchanged: true }),
  );
}

async function changeView(deps: Deps, rec: AddonRecord, releases: readonly Release[]): Promise<AddonChangeView> {
  deps.metrics?.released('config', releases.length);
  const s = await readAddonState(deps);
  return { addon: viewIn(s, rec), releases: releases.map((r) => ({ app: r.app, version: r.version })) };
}

/** POST /apps/:app/addons {kind, plan?, as?}: a new add-on owned by the app, attached to it. */
export async function createAddon(deps: Deps, user: User, appName: string, body: Record<string, unknown>) {
  const app = await visibleApp(deps, user, appName);
  const kind = parseKind(body.kind);
  const plan = parsePlan(body.plan);
  if (body.as !== undefined) parseAlias(body.as, 'x'); // a bad alias is refused before anything is read
  const k = deps.store.keys;
  const password = newPassword();
  const { rec, release } = await deps.store.transact(
    async (tx) => {
      const taken = new Set((await deps.store.list<AddonRecord>(k.addons())).map((r) => r.name));
      let name = addonName(kind, taken);
      while ((await tx.read(k.addon(name))) !== undefined) name = addonName(kind, taken.add(name));
      const rec: AddonRecord = {
        id: randomUUID(),
        name,
        kind,
        plan: plan.name,
        app: app.name,
        password,
        createdBy: user.id,
        createdAt: new Date().toISOString(),
      };
      tx.put(k.addon(name), rec);
      const release = await attachIn(deps, tx, rec, app.name, body.as, user);
      return { rec, release };
    },
    { ...TXN, conflict: `Too many concurrent changes to ${app.name}; try again` },
  );
  deps.logger.info({ addon: rec.name, kind, plan: plan.name, app: app.name }, 'add-on created');
  return changeView(deps, rec, [release]);
}

/** POST /addons/:addon/attachments {app, as?}: the user must see both the add-on's owner app and the app. */
export async function attachAddon(deps: Deps, user: User, name: string, body: Record<string, unknown>) {
  const rec = await visibleAddon(deps, user, assertAddonName(name));
  if (!(await seenApp(deps, user, rec.app))) throw notFound(`Couldn't find that add-on.`);
  if (typeof body.app !== 'string') throw invalid('Name the app to attach to: {"app": "my-app"}');
  const app = await visibleApp(deps, user, body.app);
  const k = deps.store.keys;
  const release = await deps.store.transact(
    async (tx) => {
      const cur = await tx.read<AddonRecord>(k.addon(rec.name));
      if (cur?.id !== rec.id) throw notFound(`Couldn't find that add-on.`);
      tx.put(k.addon(rec.name), cur); // a destroy that read the record before this commits runs again
      return attachIn(deps, tx, cur, app.name, body.as, user);
    },
    { ...TXN, conflict: `Too many concurrent changes to ${app.name}; try again` },
  );
  return changeView(deps, rec, [release]);
}

/** DELETE /apps/:app/addons/:addon: the attachment goes, and its config vars with a new release. */
export async function detachAddon(deps: Deps, user: User, appName: string, name: string) {
  const app = await visibleApp(deps, user, appName);
  const k = deps.store.keys;
  const rec = await deps.store.get<AddonRecord>(k.addon(assertAddonName(name)));
  const attachment = (await attachmentsOf(deps, app.name)).find((a) => a.addon === name);
  if (!rec || !attachment) throw notFound(`${name} is not attached to ${app.name}.`);
  if (rec.app === app.name)
    throw invalid(
      `${name} belongs to ${app.name}: destroy it instead (paas addons:destroy ${name} --confirm ${app.name})`,
    );
  const release = await deps.store.transact(
    async (tx) => {
      const cur = await tx.read<AddonRecord>(k.addon(rec.name));
      if (cur) tx.put(k.addon(rec.name), cur);
      return detachIn(deps, tx, attachment, user);
    },
    { ...TXN, conflict: `Too many concurrent changes to ${app.name}; try again` },
  );
  return changeView(deps, rec, [release]);
}

/**
 * DELETE /addons/:addon?confirm=APP[&force=true]: the record, every attachment and their config vars (a release of
 * each app), in one transaction. Refused while attached to an app other than its owner, unless forced. The
 * scheduler then removes its container; its volume stays (to be removed after a grace period: not yet).
 */
export async function destroyAddon(deps: Deps, user: User, name: string, opts: { confirm?: unknown; force: boolean }) {
  const rec = await visibleAddon(deps, user, assertAddonName(name));
  if (!(await seenApp(deps, user, rec.app))) throw notFound(`Couldn't find that add-on.`);
  if (opts.confirm !== rec.app)
    throw invalid(
      `This destroys ${rec.name} and its data. To proceed, type paas addons:destroy ${rec.name} --confirm ${rec.app}`,
    );
  const k = deps.store.keys;
  const releases = await deps.store.transact(
    async (tx) => {
      const cur = await tx.read<AddonRecord>(k.addon(rec.name));
      if (cur?.id !== rec.id) throw notFound(`Couldn't find that add-on.`);
      const attached = (await deps.store.list<AttachmentRecord>(k.addonAttachments())).filter(
        (a) => a.addon === rec.name,
      );
      const others = attached.filter((a) => a.app !== rec.app).map((a) => a.app);
      if (others.length > 0 && !opts.force)
        throw conflict(
          `${rec.name} is attached to ${others.join(', ')} as well: detach it there first, or destroy it with --force`,
        );
      tx.delete(k.addon(rec.name));
      const out: Release[] = [];
      for (const a of attached) out.push(await detachIn(deps, tx, a, user));
      return out;
    },
    { ...TXN, conflict: `Too many concurrent changes to ${rec.name}; try again` },
  );
  deps.logger.info({ addon: rec.name, app: rec.app, forced: opts.force }, 'add-on destroyed');
  return changeView(deps, rec, releases);
}

/**
 * Before an app is destroyed (apps/lifecycle.ts): its add-ons go with it (core/keys.ts), so it is refused (409) while
 * one of them is attached to another app, which would keep config vars naming a database that is gone.
 */
export async function refuseSharedAddons(deps: Pick<Deps, 'store'>, app: string): Promise<void> {
  const k = deps.store.keys;
  const owned = new Set(
    (await deps.store.list<AddonRecord>(k.addons())).filter((r) => r.app === app).map((r) => r.name),
  );
  if (owned.size === 0) return;
  const shared = (await deps.store.list<AttachmentRecord>(k.addonAttachments())).filter(
    (a) => owned.has(a.addon) && a.app !== app,
  );
  if (shared.length > 0)
    throw conflict(
      `${app}'s add-ons are attached to other apps (${shared.map((a) => `${a.addon} to ${a.app}`).join(', ')}): detach or destroy them first`,
    );
}

/** Pure check of a DELETE's query: `force` is true only for "true" or "1". */
export function forceOf(q: unknown): boolean {
  return q === 'true' || q === '1';
}
