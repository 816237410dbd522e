import type { ReleaseInfo } from '../../core/api.js';
import type { BuildRecord } from '../../core/builds.js';
import { invalid, notFound } from '../../core/errors.js';
import { parseSlugId, slugId } from '../../core/ids.js';
import { keptReleaseImages } from '../../core/images.js';
import type { Txn } from '../../core/store.js';
import type { App, Release, User } from '../../core/types.js';
import { seenApp, visibleApps } from '../apps/apps.js';
import type { Deps } from '../deps.js';
import { parseReleaseRef, releaseInfoView } from './releases.js';

// Deploying an existing build to an app (Heroku's POST /apps/:app/releases
// with a slug): a new release of the target with the image, process types
// and health check of another (or the same) app's release and the target's
// own config. The slug is named by its slug id `<app>/v<N>` (core/ids.ts) or
// by the id of the build that made it. The caller must see both apps; a
// source they may not see is the same 404 as a missing one.

const BUILD_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** What POST /apps/:app/releases asks for: a rollback to a version of the app, or a deploy of a slug. */
export type ReleaseRequest = { rollback: number } | { slug: SlugRef };

/** A slug as named in a request: a release of an app, or a build (found among the apps the caller sees). */
export type SlugRef = { app: string; version: number } | { build: string };

/** The body of POST /apps/:app/releases: exactly one of `release` and `slug`; pure, invalid_params otherwise. */
export function parseReleaseRequest(body: Record<string, unknown>, app: string): ReleaseRequest {
  const given = (v: unknown) => v !== undefined && v !== null;
  if (given(body.release) && given(body.slug))
    throw invalid('Give either "release" (a rollback) or "slug" (a deploy of a build), not both');
  if (given(body.release)) return { rollback: parseReleaseRef(body.release, app) };
  if (given(body.slug)) return { slug: parseSlugRef(body.slug) };
  throw invalid(
    'Give "release" to roll back to (12, "v12") or "slug" to deploy (a slug id such as "my-app/v12", as releases:info shows it, or a build id)',
  );
}

/** A slug id `<app>/v<N>` or a build id; pure, invalid_params otherwise. */
export function parseSlugRef(ref: unknown): SlugRef {
  if (typeof ref === 'string') {
    const release = parseSlugId(ref);
    if (release) return release;
    if (BUILD_ID.test(ref)) return { build: ref };
  }
  throw invalid(
    `Not a slug: ${JSON.stringify(ref)?.slice(0, 80) ?? String(ref)}; give a slug id such as "my-app/v12" (releases:info shows it) or a build id`,
  );
}

/** How a slug reference reads in messages and descriptions. */
export function slugRefText(ref: SlugRef): string {
  return 'build' in ref ? ref.build : slugId(ref.app, ref.version);
}

/** Why `release` (slug `slug`) cannot be deployed, given the images its app still keeps; pure. */
export function slugProblem(
  release: Pick<Release, 'image'>,
  slug: string,
  kept: { images: readonly string[]; n: number },
): string | undefined {
  if (!release.image) return `${slug} has no build (a config-only release made before its app's first deploy)`;
  if (!kept.images.includes(release.image))
    return `${slug}'s build has been cleaned up: the platform keeps the builds of the last ${kept.n} distinct releases of an app (PAAS_KEEP_RELEASE_IMAGES)`;
  return undefined;
}

/**
 * The release that deploys `source`'s image on an app whose latest release is `previous`: the source's image,
 * process types, health check, commit and build, the app's own config; pure.
 */
export function slugRelease(
  source: Release,
  previous: Release | undefined,
  o: { description: string; createdBy: string; createdAt: string },
): Omit<Release, 'version' | 'app'> {
  return {
    image: source.image,
    config: { ...(previous?.config ?? {}) },
    processTypes: { ...source.processTypes },
    ...(source.healthcheck && { healthcheck: { ...source.healthcheck } }),
    description: o.description,
    ...(source.commit && { commit: source.commit }),
    ...(source.buildId && { buildId: source.buildId }),
    createdBy: o.createdBy,
    createdAt: o.createdAt,
  };
}

/** A release of a slug that can be deployed: the app it is of, the release, its slug id. */
export interface Slug {
  app: App;
  release: Release;
  id: string;
}

/** The slug `ref` names among the apps `user` sees (`target` first); 404 for one missing or not theirs. */
export async function findSlug(deps: Deps, user: User, target: App, ref: SlugRef): Promise<Slug> {
  const missing = () => notFound(`Couldn't find that slug: ${slugRefText(ref)}.`);
  let app: App;
  let version: number;
  if ('build' in ref) {
    const found = await findBuild(deps, user, target, ref.build);
    if (!found) throw missing();
    if (found.build.release === null)
      throw invalid(`Build ${ref.build} of ${found.app.name} made no release (it is ${found.build.status})`);
    ({ app } = found);
    version = found.build.release;
  } else {
    const seen = ref.app === target.name ? target : await seenApp(deps, user, ref.app);
    if (!seen) throw missing();
    app = seen;
    version = ref.version;
  }
  const release =
    version <= app.latestRelease
      ? await deps.store.get<Release>(deps.store.keys.release(app.name, version))
      : undefined;
  if (!release) throw missing();
  return { app, release, id: slugId(app.name, version) };
}

/** The build `id` in the target app's records, else in those of another app `user` sees. */
async function findBuild(
  deps: Deps,
  user: User,
  target: App,
  id: string,
): Promise<{ app: App; build: BuildRecord } | undefined> {
  const { store } = deps;
  const own = await store.get<BuildRecord>(store.keys.build(target.name, id));
  if (own) return { app: target, build: own };
  const others = (await visibleApps(deps, user)).filter((a) => a.name !== target.name);
  const builds = await Promise.all(others.map((a) => store.get<BuildRecord>(store.keys.build(a.name, id))));
  const i = builds.findIndex((b) => b !== undefined);
  return i < 0 ? undefined : { app: others[i] as App, build: builds[i] as BuildRecord };
}

/** Options of releaseSlug: which release to deploy, where, as what. */
export interface SlugDeploy {
  slug: Slug;
  /** The apps that get a release, in order. */
  targets: readonly string[];
  description: string;
  user: User;
  /** Further reads and checks of each target inside the transaction (a promotion: still in the pipeline). */
  check?: (tx: Txn, target: string) => Promise<void>;
}

/**
 * Release vN+1 of every target running the slug's image, all in one transaction: the source app's record is read
 * (so its releases cannot change before the commit) and the slug checked against the images it keeps, then each
 * target's record is bumped with its release, as Store.createRelease does. So the image is among the kept images of
 * an existing app in every state the builder's clean-up can read (the source's before, the targets' after). A lost race
 * runs it again; a refusal writes nothing.
 */
export async function releaseSlug(deps: Deps, o: SlugDeploy): Promise<Release[]> {
  const { store } = deps;
  const k = store.keys;
  const n = deps.keepReleaseImages;
  return store.transact(
    async (tx) => {
      const source = await tx.readApp(o.slug.app.name);
      if (source.id !== o.slug.app.id || source.latestRelease < o.slug.release.version)
        throw notFound(`Couldn't find that slug: ${o.slug.id}.`);
      const kept = { images: keptReleaseImages(await store.listReleases(source.name), n), n };
      const problem = slugProblem(o.slug.release, o.slug.id, kept);
      if (problem) throw invalid(problem);
      const now = new Date().toISOString();
      const made: Release[] = [];
      for (const target of o.targets) {
        const cur = target === source.name ? source : await tx.readApp(target);
        await o.check?.(tx, target);
        const previous =
          cur.latestRelease > 0 ? await store.get<Release>(k.release(target, cur.latestRelease)) : undefined;
        const version = cur.latestRelease + 1;
        const release = slugRelease(o.slug.release, previous, {
          description: o.description,
          createdBy: o.user.id,
          createdAt: now,
        });
        tx.put<App>(k.app(target), { ...cur, latestRelease: version });
        made.push(tx.put<Release>(k.release(target, version), { ...release, app: target, version }));
      }
      return made;
    },
    { attempts: 100, backoff: true, conflict: `Too many concurrent changes to ${o.targets.join(', ')}; try again` },
  );
}

/** POST /apps/:app/releases `{slug}`: release vN+1 of `target` running the slug, "Deploy <slug id>". */
export async function deploySlug(deps: Deps, target: App, user: User, ref: SlugRef): Promise<ReleaseInfo> {
  const slug = await findSlug(deps, user, target, ref);
  const [release] = await releaseSlug(deps, { slug, targets: [target.name], description: `Deploy ${slug.id}`, user });
  deps.metrics?.released('slug');
  return releaseInfoView(release as Release, user, (release as Release).version);
}
