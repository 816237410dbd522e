import { forbidden, invalid, notFound } from '../../core/errors.js';
import { PROCESS_TYPE } from '../../core/names.js';
import type { App, HealthCheck, ProcessTypes, Release, ReleaseStatusRecord, Route, User } from '../../core/types.js';
import { releaseStatusOf, type ReleaseStatusFields } from '../releases/status.js';
import { checkHealthCheck } from '../../core/healthcheck.js';
import { appUrls, canSee, collaborationOf } from '../apps/apps.js';
import { appBuildpacks, parseConfigDefaults, withConfigDefaults } from '../buildpacks/buildpacks.js';
import { buildCacheGeneration } from '../builds/builds.js';
import type { Deps } from '../deps.js';
import { latestReleaseOf } from '../ps/formation.js';

// The /internal API, for the builder and the scheduler.

export interface AuthorizeRequest {
  fingerprint: string;
  app?: string;
}

export function parseAuthorizeRequest(body: Record<string, unknown>): AuthorizeRequest {
  const { fingerprint, app } = body;
  if (typeof fingerprint !== 'string' || fingerprint === '' || fingerprint.length > 200)
    throw invalid('fingerprint is required');
  if (app !== undefined && (typeof app !== 'string' || app === '')) throw invalid('app must be an app name');
  return app === undefined ? { fingerprint } : { fingerprint, app };
}

/** Whose key this is, and (with an app) whether they may push to it: owner, collaborator or admin. */
export async function authorize(deps: Deps, req: AuthorizeRequest): Promise<{ user: { id: string; email: string } }> {
  const key = await deps.repo.getSshKey(req.fingerprint);
  const user = key && (await deps.repo.getUser(key.user));
  if (!user) throw notFound('Unknown SSH key. Add it with `paas keys:add`.');
  if (req.app !== undefined) {
    const app = await deps.store.get<App>(deps.store.keys.app(req.app));
    if (!app) throw notFound(`Couldn't find that app.`);
    if (!canSee(user, app) && !canSee(user, app, await collaborationOf(deps, app.name, user.id)))
      throw forbidden(`You do not have access to the app ${app.name}.`);
  }
  return { user: { id: user.id, email: user.email } };
}

export async function internalApp(
  deps: Deps,
  name: string,
): Promise<{
  app: App;
  release: Release | null;
  serving_release: number;
  release_status: ({ version: number } & ReleaseStatusFields) | null;
  web_url: string;
  git_url: string;
  build_cache_generation: number;
  buildpacks: string[];
}> {
  const [app, route, build_cache_generation, buildpacks] = await Promise.all([
    deps.store.getApp(name),
    deps.store.get<Route>(deps.store.keys.route(name)),
    buildCacheGeneration(deps, name),
    appBuildpacks(deps, name),
  ]);
  const release = (await latestReleaseOf(deps, app)) ?? null;
  const record = release
    ? await deps.store.get<ReleaseStatusRecord>(deps.store.keys.releaseStatus(name, release.version))
    : undefined;
  const release_status = release && {
    version: release.version,
    ...releaseStatusOf(release.version, record, app.latestRelease, route?.release ?? 0, release.image),
  };
  return {
    app,
    release,
    serving_release: route?.release ?? 0,
    release_status,
    ...appUrls(name, deps.urls),
    build_cache_generation,
    buildpacks,
  };
}

export interface BuildRelease {
  image: string;
  processTypes: ProcessTypes;
  commit?: string;
  buildId?: string;
  description: string;
  user?: string;
  /** bin/release's config_vars: added only where the app has no such key. */
  configDefaults?: Record<string, string>;
  /** app.json's web startup check (core/healthcheck.ts). */
  healthcheck?: HealthCheck;
}

const IMAGE = /^[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[0-9a-f]{64})?$/;
const COMMIT = /^[0-9a-f]{7,64}$/;
const BUILD_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

function optional(body: Record<string, unknown>, field: string, re: RegExp): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || !re.test(v)) throw invalid(`${field} is not valid: ${JSON.stringify(v).slice(0, 100)}`);
  return v;
}

/** Validates the builder's request for a release; pure. */
export function parseBuildRelease(body: Record<string, unknown>): BuildRelease {
  const { image, processTypes, description } = body;
  if (typeof image !== 'string' || image.length > 255 || !IMAGE.test(image))
    throw invalid(`image is not a valid image reference: ${JSON.stringify(image)}`);
  if (typeof processTypes !== 'object' || processTypes === null || Array.isArray(processTypes))
    throw invalid('processTypes must be an object of type -> command');
  const types: ProcessTypes = {};
  for (const [type, command] of Object.entries(processTypes)) {
    if (!PROCESS_TYPE.test(type)) throw invalid(`invalid process type ${JSON.stringify(type.slice(0, 40))}`);
    if (typeof command !== 'string' || command.trim() === '' || command.length > 4096)
      throw invalid(`process type ${type} needs a command`);
    types[type] = command;
  }
  const commit = optional(body, 'commit', COMMIT);
  const buildId = optional(body, 'buildId', BUILD_ID);
  const user = optional(body, 'user', /^[A-Za-z0-9_-]{1,64}$/);
  if (description !== undefined && (typeof description !== 'string' || description.length > 500))
    throw invalid('description must be a string of up to 500 characters');
  const configDefaults = parseConfigDefaults(body.configDefaults);
  const healthcheck =
    body.healthcheck === undefined || body.healthcheck === null ? undefined : checkHealthCheck(body.healthcheck);
  if (typeof healthcheck === 'string') throw invalid(healthcheck);
  const desc =
    typeof description === 'string' && description.trim() !== ''
      ? description
      : `Deploy ${commit ? commit.slice(0, 7) : image}`;
  return {
    image,
    processTypes: types,
    description: desc,
    ...(commit && { commit }),
    ...(buildId && { buildId }),
    ...(user && { user }),
    ...(configDefaults && { configDefaults }),
    ...(healthcheck && { healthcheck }),
  };
}

/** Release vN+1 of a build: its image and process types, the config of vN. */
export async function createBuildRelease(
  deps: Deps,
  appName: string,
  req: BuildRelease,
): Promise<{ release: Release; web_url: string }> {
  let creator: User | undefined;
  if (req.user !== undefined) {
    creator = await deps.repo.getUser(req.user);
    if (!creator) throw invalid(`Unknown user ${req.user}`);
  }
  const release = await deps.store.createRelease(appName, (_version, previous) => ({
    image: req.image,
    config: withConfigDefaults(previous?.config ?? {}, req.configDefaults),
    processTypes: req.processTypes,
    ...(req.healthcheck && { healthcheck: req.healthcheck }),
    description: req.description,
    ...(req.commit && { commit: req.commit }),
    ...(req.buildId && { buildId: req.buildId }),
    createdBy: creator?.id ?? 'builder',
    createdAt: new Date().toISOString(),
    wakesApp: true, // the pusher waits for it to serve
  }));
  deps.metrics?.released('build');
  return { release, web_url: appUrls(appName, deps.urls).web_url };
}
