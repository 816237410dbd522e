import { randomUUID } from 'node:crypto';
import { forbidden, invalid, notFound, PaasError } from '../../core/errors.js';
import { assertNewAppName, generateAppName } from '../../core/names.js';
import { DEFAULT_SIZE } from '../../core/sizes.js';
import type { ActiveBuild } from '../../core/builds.js';
import type { App, Collaborator, Formation, Route, User } from '../../core/types.js';
import type { Deps } from '../deps.js';
import { gitUrl, httpsUrl, webUrl } from '../../core/urls.js';
import type { AppInfo } from '../../core/api.js';
import { userRef } from '../users/users.js';
import { appState, buildActive, latestOutcome, stateReads, type AppState } from './state.js';

// Apps as users see them: an app is visible to its owner, its collaborators
// and admins; to anyone else it does not exist (404, no existence leak).

/** Where apps answer and are pushed to (the controller's config). */
export interface UrlSettings {
  domain: string;
  httpPort: number;
  /** Undefined: no HTTPS (PAAS_HTTPS_PORT off). */
  httpsPort?: number | undefined;
  sshHost: string;
  sshPort: number;
}

/** Where the app answers and where it is pushed to. */
export function appUrls(app: string, urls: UrlSettings): { web_url: string; git_url: string } {
  return { web_url: webUrl(app, urls.domain, urls.httpPort), git_url: gitUrl(app, urls.sshHost, urls.sshPort) };
}

/** The app as GET /apps/:app shows it, with its route's state (sleeping, waking, crashed) and its state; pure. */
export function appInfo(
  app: App,
  owner: User | undefined,
  urls: UrlSettings,
  route?: Pick<Route, 'state' | 'since'> & Partial<Pick<Route, 'dynos'>>,
  state: AppState = appState({ latestRelease: app.latestRelease, route, building: false }),
): AppInfo {
  return {
    id: app.id,
    name: app.name,
    owner: userRef(app.owner, owner),
    created_at: app.createdAt,
    ...appUrls(app.name, urls),
    https_url: urls.httpsPort === undefined ? null : httpsUrl(app.name, urls.domain, urls.httpsPort),
    release: app.latestRelease > 0 ? { version: app.latestRelease } : null,
    maintenance: app.maintenance ?? false,
    pool: app.pool && Object.keys(app.pool).length ? { ...app.pool } : null,
    dyno_state: route?.state ?? null,
    sleeping_since: (route?.state === 'sleeping' && route.since) || null,
    state,
  };
}

/** Owner or admin; or a collaborator, given the user's collaborator record on this app (if any). */
export function canSee(user: User, app: App, collaboration?: Collaborator): boolean {
  if (user.admin || app.owner === user.id) return true;
  return collaboration !== undefined && collaboration.user === user.id && collaboration.appId === app.id;
}

/** The user's collaborator record on the app, if any (one etcd get). */
export function collaborationOf(deps: Deps, app: string, userId: string): Promise<Collaborator | undefined> {
  return deps.store.get<Collaborator>(deps.store.keys.collaborator(app, userId));
}

/** The app if it exists and `user` may see it (two gets at most). */
export async function seenApp(deps: Deps, user: User, name: string): Promise<App | undefined> {
  const app = await deps.store.get<App>(deps.store.keys.app(name));
  if (app && (canSee(user, app) || canSee(user, app, await collaborationOf(deps, app.name, user.id)))) return app;
  return undefined;
}

/** The app if `user` may see it, else 404 exactly as for an app that does not exist. */
export async function visibleApp(deps: Deps, user: User, name: string): Promise<App> {
  const app = await seenApp(deps, user, name);
  if (app) return app;
  throw notFound(`Couldn't find that app.`);
}

/**
 * The app if `user` may change it as its owner (owner or admin): destroy,
 * rename, collaborators. Another user who can see the app gets 403; one who
 * cannot gets the same 404 as for a missing app.
 */
export async function ownedApp(deps: Deps, user: User, name: string, action: string): Promise<App> {
  const app = await visibleApp(deps, user, name);
  if (!user.admin && app.owner !== user.id) throw forbidden(`Only the owner of ${app.name} can ${action}.`);
  return app;
}

/** Looks users up once each, for views that name several. */
export function userLookup(deps: Deps): (id: string) => Promise<User | undefined> {
  const cache = new Map<string, Promise<User | undefined>>();
  return (id) => {
    let p = cache.get(id);
    if (!p) {
      p = deps.repo.getUser(id);
      cache.set(id, p);
    }
    return p;
  };
}

/** What infoOf reads of every app at once (GET /apps): routes, formations, builds in progress. */
export interface AllStates {
  routes: ReadonlyMap<string, Route>;
  formations: ReadonlyMap<string, Formation>;
  building: ReadonlyMap<string, ActiveBuild>;
}

/**
 * The app's AppInfo, with its route's state and its state (apps/state.ts): read here, unless `all` holds them for
 * every app (the list reads them at once); then only an app whose latest release is not served yet reads more.
 */
export async function infoOf(
  deps: Deps,
  app: App,
  { lookup = userLookup(deps), all }: { lookup?: ReturnType<typeof userLookup>; all?: AllStates } = {},
): Promise<AppInfo> {
  const { store } = deps;
  const [owner, route, formation, active] = await Promise.all([
    lookup(app.owner),
    all ? all.routes.get(app.name) : store.get<Route>(store.keys.route(app.name)),
    all ? all.formations.get(app.name) : store.get<Formation>(store.keys.formation(app.name)),
    all ? all.building.get(app.name) : store.get<ActiveBuild>(store.keys.activeBuild(app.name)),
  ]);
  const latest = await latestOutcome(store, app, route);
  const building = buildActive(active, Date.now());
  return appInfo(
    app,
    owner,
    deps.urls,
    route,
    appState({ latestRelease: app.latestRelease, route, formation, building, latest }),
  );
}

/** Every route, by app (one range read). */
async function routesByApp(deps: Deps): Promise<Map<string, Route>> {
  return new Map((await deps.store.list<Route>(deps.store.keys.routes())).map((r) => [r.app, r]));
}

/** The name to create: the one asked for (validated), else undefined so a generated one is used. */
export function requestedName(name: unknown): string | undefined {
  if (name === undefined || name === null || name === '') return undefined;
  return assertNewAppName(name);
}

export async function createAppFor(
  deps: Deps,
  user: User,
  name: string | undefined,
  random: () => number = Math.random,
): Promise<AppInfo> {
  const formation = { web: { quantity: 1, size: DEFAULT_SIZE } };
  const make = (n: string): App => ({
    name: n,
    id: randomUUID(),
    owner: user.id,
    createdAt: new Date().toISOString(),
    latestRelease: 0,
  });
  if (name !== undefined) return infoOf(deps, await deps.store.createApp(make(name), formation));
  for (let attempt = 0; attempt < 10; attempt++) {
    try {
      return await infoOf(deps, await deps.store.createApp(make(generateAppName(random)), formation));
    } catch (err) {
      if (!(err instanceof PaasError && err.code === 'conflict')) throw err;
    }
  }
  throw invalid('Could not find a free app name; please choose one');
}

/** Every collaborator record of one user, across apps (one range read). */
async function collaborationsOf(deps: Deps, userId: string): Promise<Collaborator[]> {
  return (await deps.store.list<Collaborator>(deps.store.keys.allCollaborators())).filter((c) => c.user === userId);
}

/** Every app `user` may see (two range reads: the apps, the collaborators). */
export async function visibleApps(deps: Deps, user: User): Promise<App[]> {
  const [all, mine] = await Promise.all([deps.repo.listApps(), user.admin ? [] : collaborationsOf(deps, user.id)]);
  const grants = new Map(mine.map((c) => [c.appId, c]));
  return all.filter((a) => canSee(user, a, grants.get(a.id)));
}

export async function listAppsFor(deps: Deps, user: User): Promise<AppInfo[]> {
  const lookup = userLookup(deps);
  const [apps, routes, states] = await Promise.all([
    visibleApps(deps, user),
    routesByApp(deps),
    stateReads(deps.store),
  ]);
  return Promise.all(apps.map((a) => infoOf(deps, a, { lookup, all: { routes, ...states } })));
}
