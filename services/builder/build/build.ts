import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuildPhase } from '../../core/builds.js';
import { parseAppJsonHealthCheck } from '../../core/healthcheck.js';
import type { Logger } from '../../core/logger.js';
import type { HealthCheck, ProcessTypes } from '../../core/types.js';
import { appUid } from '../../core/uids.js';
import type { BuilderConfig } from '../config.js';
import type { AppInfo, Controller, Pusher } from '../controller.js';
import { BuildFailure } from '../failures.js';
import { info, topic, warn, type Output } from '../output.js';
import { releaseAndLaunch, type LaunchSettings } from '../release/launch.js';
import type { RemoteFetch } from './bpfetch.js';
import { buildpackFailure, driverArgs, planBuildpacks, releaseConfigVars, type BuildpackPlan } from './buildpacks.js';
import { syncCacheGeneration } from './cachegen.js';
import type { BuildDisks } from './disks.js';
import type { BuildDocker } from './docker.js';
import { DRIVER, driverFailure } from './driver.js';
import { chownApp, readBuildFile, readIndex, writeEnvDir } from './files.js';
import { describeProcessTypes, resolveProcessTypes } from './processtypes.js';

// One build, after the source is extracted into <dir>/app: buildpacks in a
// build container, the app image, then its release (release/launch.ts).
// Throws BuildFailure with a message for the pusher; anything else is an
// internal error.

/** What a build needs of the builder's config; the build container's extra limits may be absent (Docker's defaults). */
export type BuildSettings = LaunchSettings &
  Pick<
    BuilderConfig,
    | 'cluster'
    | 'buildStackImage'
    | 'runStackImage'
    | 'buildpacksDir'
    | 'buildpacks'
    | 'buildpacksCacheDir'
    | 'buildpacksAllowFile'
    | 'cacheDir'
    | 'buildMemoryMb'
  > &
  Partial<Pick<BuilderConfig, 'buildCpus' | 'buildPids' | 'buildTimeoutS'>>;

export interface BuildDeps {
  settings: BuildSettings;
  controller: Controller;
  docker: BuildDocker;
  logger: Logger;
  /** Bounded disk for builds (disks.ts); absent: unbounded. */
  disks?: BuildDisks;
}

export interface BuildJob {
  id: string;
  app: string;
  user: Pusher;
  commit: string;
  /** builds/<id>: holds app/ (the source), env/ and out/. */
  dir: string;
  out: Output;
  signal: AbortSignal;
  /** Called as each timed phase starts (build records). */
  phase?: (name: BuildPhase) => void;
}

/** Sortable, unique, a valid Docker tag. */
export function newBuildId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

export function imageRepo(cluster: string, app: string): string {
  return `${cluster}/app-${app}`;
}

/** The build's folders: the source, the env dir, bin/release's output, the app's cache. */
interface BuildDirs {
  appDir: string;
  envDir: string;
  outDir: string;
  cacheDir: string;
}

export async function runBuild(
  job: BuildJob,
  deps: BuildDeps,
): Promise<{ version: number; webUrl: string; image: string }> {
  const s = deps.settings;
  const log = deps.logger.child({ module: 'build', build: job.id, app: job.app });
  const dirs: BuildDirs = {
    appDir: join(job.dir, 'app'),
    envDir: join(job.dir, 'env'),
    outDir: join(job.dir, 'out'),
    cacheDir: join(s.cacheDir, job.app),
  };

  for (const image of [s.buildStackImage, s.runStackImage]) {
    if (!(await deps.docker.imageExists(image)))
      throw new BuildFailure(
        `the stack image ${image} is missing on this platform; ask its operator to run the set-up`,
      );
  }
  const appInfo = await deps.controller.getApp(job.app);
  const config = appInfo.release?.config ?? {};
  await writeEnvDir(dirs.envDir, config);
  await mkdir(dirs.outDir, { recursive: true });
  await mkdir(dirs.cacheDir, { recursive: true });
  if ((await deps.disks?.mountCache(job.app, dirs.cacheDir)) === 'reset')
    info(
      job.out,
      `The build cache was over its ${deps.disks?.settings.cacheMb} MB limit (PAAS_BUILD_CACHE_MB); this build starts cold`,
    );
  try {
    const built = await buildInCache(job, deps, dirs, appInfo);
    if (job.signal.aborted) throw new BuildFailure('the push was cancelled');
    return { ...(await releaseAndLaunch(job, deps, built)), image: built.image };
  } finally {
    await deps.disks
      ?.unmountCache(dirs.cacheDir)
      .catch((err: unknown) => log.warn({ err }, 'cannot unmount the build cache'));
  }
}

/** The buildpacks compile the source in the build container, then the slug becomes the app image. */
async function buildInCache(
  job: BuildJob,
  deps: BuildDeps,
  dirs: BuildDirs,
  appInfo: AppInfo,
): Promise<{
  image: string;
  processTypes: ProcessTypes;
  healthcheck?: HealthCheck;
  configDefaults?: Record<string, string>;
}> {
  const config = appInfo.release?.config ?? {};
  const uid = appUid((appInfo.app ?? {}) as { uid?: number }); // the app's own (core/uids.ts): the build runs as it, the slug is its
  if (await syncCacheGeneration(dirs.cacheDir, appInfo.build_cache_generation ?? 0))
    info(job.out, 'The build cache was cleared (builds:cache:clear); this build starts cold');
  await chownApp([dirs.appDir, dirs.envDir, dirs.outDir, dirs.cacheDir], uid);
  const plan = await planFor(job, deps, dirs, appInfo);
  await compile(job, deps, dirs, plan, uid);
  const slug = await describeSlug(job, dirs, plan, config);

  job.phase?.('image');
  topic(job.out, 'Compressing and committing the app image...');
  const s = deps.settings;
  const image = await deps.docker.makeAppImage({
    runImage: s.runStackImage,
    slugDir: dirs.appDir,
    repo: imageRepo(s.cluster, job.app),
    tag: job.id,
    labels: {
      'paas.cluster': s.cluster,
      'paas.app': job.app,
      'paas.commit': job.commit,
      'paas.build': job.id,
      'paas.uid': String(uid),
    },
    uid,
  });
  info(job.out, `Done: ${image}`);
  return { image, ...slug };
}

/** Which buildpacks run, fetched (a URL's from inside a container of the build stack) and ready to mount. */
async function planFor(job: BuildJob, deps: BuildDeps, dirs: BuildDirs, appInfo: AppInfo): Promise<BuildpackPlan> {
  const s = deps.settings;
  const remote: RemoteFetch = (e, into, limits) =>
    deps.docker.fetchBuildpack(
      {
        image: s.buildStackImage,
        kind: e.kind,
        url: e.url,
        ref: e.ref,
        ...limits,
        labels: { 'paas.cluster': s.cluster, 'paas.app': job.app, 'paas.build': job.id },
      },
      into,
    );
  const config = appInfo.release?.config ?? {};
  return planBuildpacks(s, {
    appBuildpacks: appInfo.buildpacks ?? [],
    config,
    dotBuildpacks: await readBuildFile(join(dirs.appDir, '.buildpacks')),
    out: job.out,
    signal: job.signal,
    remote,
  }).catch((err: Error) => {
    throw err.name === 'BuildpackFailure' ? new BuildFailure(err.message) : err;
  });
}

/** The build container: the driver runs the plan's buildpacks over the source; a failure names the buildpack. */
async function compile(
  job: BuildJob,
  deps: BuildDeps,
  dirs: BuildDirs,
  plan: BuildpackPlan,
  uid: number,
): Promise<void> {
  const s = deps.settings;
  const log = deps.logger.child({ module: 'build', build: job.id, app: job.app });
  const started = Date.now();
  const code = await deps.docker.runBuild({
    name: `${s.cluster}-build-${job.id}`,
    image: s.buildStackImage,
    cmd: ['bash', '-c', DRIVER, ...driverArgs(plan)],
    env: ['HOME=/tmp/home', 'STACK=paas-bookworm', `SOURCE_VERSION=${job.commit}`],
    mounts: [
      { source: dirs.appDir, target: '/tmp/build', readOnly: false },
      { source: dirs.cacheDir, target: '/tmp/cache', readOnly: false },
      { source: dirs.envDir, target: '/tmp/env', readOnly: true },
      { source: dirs.outDir, target: '/tmp/out', readOnly: false },
      ...plan.mounts,
    ],
    memoryMb: s.buildMemoryMb,
    cpus: s.buildCpus,
    pidsLimit: s.buildPids,
    timeoutS: s.buildTimeoutS,
    ...(deps.disks && { diskMb: deps.disks.settings.buildMb, cacheMb: deps.disks.settings.cacheMb }),
    labels: { 'paas.cluster': s.cluster, 'paas.app': job.app, 'paas.build': job.id },
    uid,
    onLine: (line) => job.out.line(line),
    signal: job.signal,
  });
  log.info({ code, ms: Date.now() - started }, 'build container finished');
  if (job.signal.aborted) throw new BuildFailure('the push was cancelled');
  if (code !== 0)
    throw new BuildFailure(
      buildpackFailure(code, plan, await readIndex(join(dirs.outDir, 'current'))) ?? driverFailure(code),
    );
}

/**
 * What the slug runs: its process types (bin/release, the Procfile), app.json's web check and bin/release's config
 * defaults, told to the pusher.
 */
async function describeSlug(
  job: BuildJob,
  dirs: BuildDirs,
  plan: BuildpackPlan,
  config: Record<string, string>,
): Promise<{ processTypes: ProcessTypes; healthcheck?: HealthCheck; configDefaults?: Record<string, string> }> {
  const releaseYaml = await readBuildFile(join(dirs.outDir, 'release.yml'));
  if (releaseYaml === undefined) throw new BuildFailure("the buildpack's bin/release printed nothing");
  const procfile = await readBuildFile(join(dirs.appDir, 'Procfile'));
  const types = resolveProcessTypes({ releaseYaml, procfile });
  if (!types.ok) throw new BuildFailure(types.message);
  topic(job.out, 'Discovering process types');
  info(
    job.out,
    `${procfile === undefined ? 'Default types for buildpack' : 'Procfile declares types'} -> ${describeProcessTypes(types.value)}`,
  );
  if (!types.value.web) warn(job.out, 'No web process type: the app will get no HTTP traffic');
  const health = parseAppJsonHealthCheck(await readBuildFile(join(dirs.appDir, 'app.json')));
  if (!health.ok) throw new BuildFailure(health.message);
  for (const w of health.warnings) warn(job.out, w);
  if (health.value) info(job.out, `app.json: web is up once GET ${health.value.path} answers 2xx/3xx`);
  const configDefaults = await releaseDefaults(dirs.outDir, plan.labels.length, config);
  return {
    processTypes: types.value,
    ...(health.value && { healthcheck: health.value }),
    ...(configDefaults && { configDefaults }),
  };
}

/** bin/release's config_vars the app has not set (undefined: none), shown to the pusher. */
async function releaseDefaults(
  outDir: string,
  count: number,
  config: Record<string, string>,
): Promise<Record<string, string> | undefined> {
  const yamls: string[] = [];
  for (let i = 0; i < count; i++) yamls.push((await readBuildFile(join(outDir, `release-${i}.yml`))) ?? '');
  const missing = Object.entries(releaseConfigVars(yamls)).filter(([k]) => !Object.hasOwn(config, k));
  return missing.length ? Object.fromEntries(missing) : undefined;
}
