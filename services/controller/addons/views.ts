import { planNamed, type AddonAssignment, type AddonInstance, type AddonRecord } from '../../core/addons.js';
import type { AttachmentRecord } from '../../core/addons.js';
import type { AddonStateView, AddonView } from '../../core/api.js';
import { notFound } from '../../core/errors.js';
import type { Host, User } from '../../core/types.js';
import type { Deps } from '../deps.js';
import { seenApp, visibleApps } from '../apps/apps.js';

// Add-ons as users see them: an add-on is visible to whoever sees its owner
// app or an app it is attached to; to anyone else it does not exist (404).

/** What the scheduler and the agents say of an add-on (its assignment, its instance, its host's record). */
export interface AddonActual {
  assignment?: Pick<AddonAssignment, 'host' | 'addonId'>;
  instance?: Pick<AddonInstance, 'state' | 'restarts' | 'host' | 'addonId'>;
  hostUp: boolean;
}

/** Its state from what runs; pure. An instance of an earlier add-on of the same name does not count. */
export function addonState(rec: Pick<AddonRecord, 'id'>, actual: AddonActual): AddonStateView {
  const assigned = actual.assignment?.addonId === rec.id ? actual.assignment : undefined;
  if (!assigned) return 'provisioning';
  if (!actual.hostUp) return 'unreachable';
  const i = actual.instance;
  if (!i || i.addonId !== rec.id || i.host !== assigned.host) return 'starting';
  return i.state;
}

/** The view of an add-on; pure. */
export function addonView(
  rec: AddonRecord,
  attachments: readonly AttachmentRecord[],
  actual: AddonActual = { hostUp: false },
): AddonView {
  const plan = planNamed(rec.plan);
  const state = addonState(rec, actual);
  const current = actual.instance?.addonId === rec.id ? actual.instance : undefined;
  return {
    id: rec.id,
    name: rec.name,
    kind: rec.kind,
    plan: rec.plan,
    app: rec.app,
    memory_mb: plan.memoryMb,
    cpu_shares: plan.cpuShares,
    state,
    host: actual.assignment?.addonId === rec.id ? actual.assignment.host : null,
    restarts: current?.restarts ?? 0,
    created_at: rec.createdAt,
    attachments: attachments
      .filter((a) => a.addon === rec.name)
      .map((a) => ({ app: a.app, name: a.alias, config_vars: [...a.vars] }))
      .sort((a, b) => (a.app === rec.app ? -1 : b.app === rec.app ? 1 : a.app < b.app ? -1 : 1)),
  };
}

/** Every record the views read, once (add-ons are few next to apps: one range each). */
export interface AddonState {
  addons: AddonRecord[];
  attachments: AttachmentRecord[];
  assignments: AddonAssignment[];
  instances: AddonInstance[];
  hosts: Set<string>;
}

export async function readAddonState(deps: Pick<Deps, 'store'>): Promise<AddonState> {
  const { store } = deps;
  const k = store.keys;
  const [addons, attachments, assignments, instances, hosts] = await Promise.all([
    store.list<AddonRecord>(k.addons()),
    store.list<AttachmentRecord>(k.addonAttachments()),
    store.list<AddonAssignment>(k.addonAssignments()),
    store.list<AddonInstance>(k.addonInstances()),
    store.list<Host>(k.hosts()),
  ]);
  return { addons, attachments, assignments, instances, hosts: new Set(hosts.map((h) => h.id)) };
}

/** The view of one add-on from the state read. */
export function viewIn(s: AddonState, rec: AddonRecord): AddonView {
  const assignment = s.assignments.find((a) => a.name === rec.name && a.addonId === rec.id);
  const instance = s.instances.find((i) => i.name === rec.name);
  return addonView(rec, s.attachments, {
    ...(assignment && { assignment }),
    ...(instance && { instance }),
    hostUp: assignment !== undefined && s.hosts.has(assignment.host),
  });
}

/** The add-on if `user` sees its owner app or an app it is attached to; else 404. */
export async function visibleAddon(deps: Deps, user: User, name: string): Promise<AddonRecord> {
  const k = deps.store.keys;
  const rec = await deps.store.get<AddonRecord>(k.addon(name));
  if (rec) {
    if (await seenApp(deps, user, rec.app)) return rec;
    const attached = (await deps.store.list<AttachmentRecord>(k.addonAttachments())).filter((a) => a.addon === name);
    for (const a of attached) if (await seenApp(deps, user, a.app)) return rec;
  }
  throw notFound(`Couldn't find that add-on.`);
}

/** GET /addons/:addon. */
export async function addonInfo(deps: Deps, user: User, name: string): Promise<AddonView> {
  const rec = await visibleAddon(deps, user, name);
  return viewIn(await readAddonState(deps), rec);
}

/** GET /apps/:app/addons: the add-ons attached to the app (its own among them), by name. */
export async function appAddons(deps: Deps, app: string): Promise<AddonView[]> {
  const s = await readAddonState(deps);
  const names = new Set(s.attachments.filter((a) => a.app === app).map((a) => a.addon));
  return s.addons.filter((r) => names.has(r.name)).map((r) => viewIn(s, r));
}

/** GET /addons: the add-ons of every app the user sees (an admin: all), by name. */
export async function allAddons(deps: Deps, user: User): Promise<AddonView[]> {
  const [s, apps] = await Promise.all([readAddonState(deps), visibleApps(deps, user)]);
  const seen = new Set(apps.map((a) => a.name));
  const attachedTo = (name: string) => s.attachments.some((a) => a.addon === name && seen.has(a.app));
  return s.addons.filter((r) => seen.has(r.app) || attachedTo(r.name)).map((r) => viewIn(s, r));
}
