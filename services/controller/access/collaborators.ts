import { conflict, invalid, notFound } from '../../core/errors.js';
import type { App, Collaborator, User } from '../../core/types.js';
import { ownedApp, userLookup, visibleApp } from '../apps/apps.js';
import type { Deps } from '../deps.js';
import { normaliseEmail, userRef } from '../users/users.js';
import type { CollaboratorView } from '../../core/api.js';
import { by } from '../../core/compare.js';

// Collaborators: users other than the owner who may see an app, push to it
// and change it (config, scale, releases, ...), but not destroy or rename it
// nor manage its collaborators. /collaborators/<app>/<user id> -> Collaborator.
// Only the owner or an admin adds and removes them.

/** The owner first, then collaborators by email (by id for a user that is gone); pure. */
export function collaboratorViews(
  app: App,
  owner: User | undefined,
  collaborators: { record: Collaborator; user: User | undefined }[],
): CollaboratorView[] {
  const rest = collaborators
    .filter((c) => c.record.user !== app.owner)
    .map(({ record, user }): CollaboratorView => ({
      id: record.user,
      user: userRef(record.user, user),
      role: 'collaborator',
      created_at: record.createdAt,
    }))
    .sort(by((c) => c.user.email ?? c.id));
  return [{ id: app.owner, user: userRef(app.owner, owner), role: 'owner', created_at: app.createdAt }, ...rest];
}

/** The app's collaborator records that were granted on this very app (not on a destroyed namesake). */
async function recordsOf(deps: Deps, app: App): Promise<Collaborator[]> {
  return (await deps.store.list<Collaborator>(deps.store.keys.collaborators(app.name))).filter(
    (c) => c.appId === app.id,
  );
}

export async function listCollaborators(deps: Deps, user: User, appName: string): Promise<CollaboratorView[]> {
  const app = await visibleApp(deps, user, appName);
  const lookup = userLookup(deps);
  const records = await recordsOf(deps, app);
  const withUsers = await Promise.all(records.map(async (record) => ({ record, user: await lookup(record.user) })));
  return collaboratorViews(app, await lookup(app.owner), withUsers);
}

/** The `user` of POST /apps/:app/collaborators: an email address. */
export function parseCollaboratorRequest(body: Record<string, unknown>): string {
  if (body.user === undefined) throw invalid('user is required: the email of the user to add');
  return normaliseEmail(body.user);
}

/**
 * Adds a collaborator: one create-only transaction that also requires the app
 * record to be the one read (so an app destroyed meanwhile gets no grant).
 */
export async function addCollaborator(
  deps: Deps,
  user: User,
  appName: string,
  email: string,
  now = new Date(),
): Promise<CollaboratorView> {
  const app = await ownedApp(deps, user, appName, 'manage collaborators');
  const target = await deps.repo.userByEmail(email);
  if (!target) throw notFound(`Couldn't find that user.`);
  if (target.id === app.owner) throw conflict(`${target.email} is the owner of ${app.name}.`);
  const { store } = deps;
  const appKey = store.keys.app(app.name);
  const cur = await store.getVersioned<App>(appKey);
  if (!cur || cur.value.id !== app.id) throw notFound(`Couldn't find that app.`);
  const key = store.keys.collaborator(app.name, target.id);
  const already = () => conflict(`${target.email} is already a collaborator on ${app.name}.`);
  const existing = await store.getVersioned<Collaborator>(key);
  if (existing && existing.value.appId === app.id) throw already();
  const record: Collaborator = { user: target.id, app: app.name, appId: app.id, createdAt: now.toISOString() };
  // a grant left over from a destroyed namesake is overwritten, anything else only created
  const guard = existing ? { key, modRevision: existing.modRevision } : { key, absent: true as const };
  if (
    !(await store.commit([guard, { key: appKey, createRevision: cur.createRevision }], [{ put: key, value: record }]))
  ) {
    const after = await store.getVersioned<App>(appKey);
    if (after?.createRevision !== cur.createRevision) throw notFound(`Couldn't find that app.`);
    throw already(); // added by a concurrent request
  }
  return { id: target.id, user: userRef(target.id, target), role: 'collaborator', created_at: record.createdAt };
}

/** The user named in DELETE /apps/:app/collaborators/:who — an email, or a user id. */
async function userNamed(deps: Deps, who: string): Promise<User | undefined> {
  if (who.includes('@')) return deps.repo.userByEmail(normaliseEmail(who));
  return /^[A-Za-z0-9_-]{1,64}$/.test(who) ? deps.repo.getUser(who) : undefined;
}

/** Removes a collaborator (owner or admin only); 404 if they are not one. */
export async function removeCollaborator(
  deps: Deps,
  user: User,
  appName: string,
  who: string,
): Promise<CollaboratorView> {
  const app = await ownedApp(deps, user, appName, 'manage collaborators');
  const target = await userNamed(deps, who);
  const missing = () => notFound(`${who} is not a collaborator on ${app.name}.`);
  if (!target) throw missing();
  const { store } = deps;
  const key = store.keys.collaborator(app.name, target.id);
  const cur = await store.getVersioned<Collaborator>(key);
  if (!cur || cur.value.appId !== app.id) throw missing();
  const record = cur.value;
  if (!(await store.commit([{ key, modRevision: cur.modRevision }], [{ delete: key }]))) throw missing();
  return { id: target.id, user: userRef(target.id, target), role: 'collaborator', created_at: record.createdAt };
}
