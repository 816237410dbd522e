import { invalid, notFound } from '../../core/errors.js';
import { releaseId, slugId } from '../../core/ids.js';
import type { App, Release, User } from '../../core/types.js';
import { userLookup } from '../apps/apps.js';
import type { ConfigVars } from '../configvars/configvars.js';
import type { Deps } from '../deps.js';
import type { ReleaseInfo, ReleaseView } from '../../core/api.js';
import { userRef } from '../users/users.js';
import { keptReleaseImages } from '../../core/images.js';
import { releaseStatusesOf, type ReleaseStatusFields } from './status.js';

// Releases: the list (each with its status, status.ts), one release (info,
// its config) and rollback: a new release copying an older one's image,
// config and process types. A deploy of another release's image (a slug) is
// in slugs.ts.

/** A release as the list shows it; pure. */
export function releaseView(release: Release, creator: User | undefined): ReleaseView {
  return {
    id: releaseId(release.app, release.version),
    version: release.version,
    description: release.description,
    commit: release.commit ?? null,
    created_at: release.createdAt,
    user: userRef(release.createdBy, creator),
  };
}

/** The app's releases, oldest first, each with its status. */
export async function releasesOf(deps: Deps, app: App): Promise<(ReleaseView & ReleaseStatusFields)[]> {
  const lookup = userLookup(deps);
  const [releases, statusOf] = await Promise.all([deps.store.listReleases(app.name), releaseStatusesOf(deps, app)]);
  return Promise.all(releases.map(async (r) => ({ ...releaseView(r, await lookup(r.createdBy)), ...statusOf(r) })));
}

/** Versions fit the 10 digits of the etcd key (core/keys.ts padVersion). */
const MAX_VERSION = 9_999_999_999;

/**
 * A release named as Heroku's API accepts it: a version (12 or "12"), "v12",
 * or the release id "<app>-v12" of `app`; pure. Throws invalid_params otherwise.
 */
export function parseReleaseRef(ref: unknown, app: string): number {
  let v: number | undefined;
  if (typeof ref === 'number') v = ref;
  else if (typeof ref === 'string') {
    const m =
      /^v?(\d{1,10})$/.exec(ref) ??
      (ref.startsWith(`${app}-v`) ? /^(\d{1,10})$/.exec(ref.slice(app.length + 2)) : null);
    if (m) v = Number(m[1]);
  }
  if (v === undefined || !Number.isSafeInteger(v) || v < 1 || v > MAX_VERSION) {
    throw invalid(
      `Not a release: ${JSON.stringify(ref)?.slice(0, 80) ?? String(ref)}; give a version such as 12 or "v12"`,
    );
  }
  return v;
}

/** The release info view; pure. */
export function releaseInfoView(
  release: Release,
  creator: User | undefined,
  latestVersion: number,
  status: ReleaseStatusFields = { status: 'pending', failure: null },
): ReleaseInfo {
  return {
    ...releaseView(release, creator),
    ...status,
    current: release.version === latestVersion,
    slug: release.image ? { id: slugId(release.app, release.version) } : null,
  };
}

async function getRelease(deps: Deps, app: App, version: number): Promise<Release> {
  const release =
    version <= app.latestRelease
      ? await deps.store.get<Release>(deps.store.keys.release(app.name, version))
      : undefined;
  if (!release) throw notFound(`Couldn't find release v${version} of ${app.name}.`);
  return release;
}

export async function releaseInfo(deps: Deps, app: App, version: number): Promise<ReleaseInfo> {
  const release = await getRelease(deps, app, version);
  const statusOf = await releaseStatusesOf(deps, app);
  return releaseInfoView(release, await userLookup(deps)(release.createdBy), app.latestRelease, statusOf(release));
}

export async function releaseConfig(deps: Deps, app: App, version: number): Promise<ConfigVars> {
  return (await getRelease(deps, app, version)).config;
}

/**
 * Why `target` cannot be rolled back to, given the release it would follow
 * and the images the platform still keeps (absent: not checked); pure.
 */
export function rollbackProblem(
  target: Release,
  latest: Release | undefined,
  kept?: { images: readonly string[]; n: number },
  targetFailed = false,
): string | undefined {
  if (!target.image) return `v${target.version} has no build to roll back to (it was made before the first deploy)`;
  // A failed latest release may be tried again: the rollback is a new release.
  if (latest && latest.version === target.version && !targetFailed)
    return `v${target.version} is already the current release`;
  if (kept && !kept.images.includes(target.image)) {
    return `v${target.version}'s build has been cleaned up: the platform keeps the builds of the last ${kept.n} distinct releases (PAAS_KEEP_RELEASE_IMAGES)`;
  }
  return undefined;
}

/** Release vN+1 copying v`version`'s image, config and process types: "Rollback to vK". */
export async function rollback(deps: Deps, app: App, user: User, version: number): Promise<ReleaseInfo> {
  const target = await getRelease(deps, app, version);
  const n = deps.keepReleaseImages;
  const kept = { images: keptReleaseImages(await deps.store.listReleases(app.name), n), n };
  const failed = (await releaseStatusesOf(deps, app))(target).status === 'failed';
  const release = await deps.store.createRelease(app.name, (_v, previous) => {
    const problem = rollbackProblem(target, previous, kept, failed);
    if (problem) throw invalid(problem);
    return {
      image: target.image,
      config: { ...target.config },
      processTypes: { ...target.processTypes },
      ...(target.healthcheck && { healthcheck: { ...target.healthcheck } }),
      description: `Rollback to v${target.version}`,
      ...(target.commit && { commit: target.commit }),
      ...(target.buildId && { buildId: target.buildId }),
      createdBy: user.id,
      createdAt: new Date().toISOString(),
    };
  });
  deps.metrics?.released('rollback');
  return releaseInfoView(release, user, release.version);
}
