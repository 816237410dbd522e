import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../core/logger.js';
import { CONFIG_KEY } from '../../core/names.js';
import type { Controller, Pusher } from '../controller.js';
import type { BuildDocker } from './docker.js';
import { appUid } from '../../core/uids.js';
import { buildpackFailure, driverArgs, planBuildpacks, releaseConfigVars } from './buildpacks.js';
import { DRIVER, driverFailure } from './driver.js';
import type { BuildPhase } from '../../core/builds.js';
import { syncCacheGeneration } from './cachegen.js';
import type { RemoteFetch } from './bpfetch.js';
import type { BuildDisks } from './disks.js';
import { info, topic, warn, type Output } from '../output.js';
import { describeProcessTypes, resolveProcessTypes } from './processtypes.js';
import { parseAppJsonHealthCheck } from '../../core/healthcheck.js';
import { DEFAULT_RELEASE_TIMEOUT_MS } from '../../core/releasephase.js';
import { ReleasePhaseFollower } from '../release/releaselog.js';

// One build, after the source is extracted into <dir>/app: buildpacks in a
// build container, the app image, the release. Throws BuildFailure with a
// message for the pusher; anything else is an internal error.

export class BuildFailure extends Error {
  override name = 'BuildFailure';
}

/** The build succeeded but its release failed (release phase, or its containers never came up): the push fails with this message. */
export class ReleaseFailure extends BuildFailure {
  override name = 'ReleaseFailure';
}

export interface BuildSettings {
  cluster: string;
  buildStackImage: string;
  runStackImage: string;
  buildpacksDir: string;
  buildpacks: string[];
  buildpacksCacheDir: string;
  buildpacksAllowFile: boolean;
  cacheDir: string;
  buildMemoryMb: number;
  /** How long a push waits for its release to serve before it ends anyway (0: not at all); after its release phase, when it has one. */
  deployWaitMs: number;
  /** How long a release command may run (the scheduler's PAAS_SCHEDULER_RELEASE_TIMEOUT_MS): a push with one waits that much longer. */
  releaseTimeoutMs?: number;
  /** Limits of the build container beyond memory (limits.ts); absent: Docker's defaults, no timeout. */
  buildCpus?: number;
  buildPids?: number;
  buildTimeoutS?: number;
}

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

/** The env dir: one file per config var, as Heroku's ENV_DIR. */
export async function writeEnvDir(dir: string, config: Record<string, string>): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [name, value] of Object.entries(config)) {
    if (!CONFIG_KEY.test(name)) continue; // the controller validates names; never let one make a path
    await writeFile(join(dir, name), value, { mode: 0o600 });
  }
}

export async function runBuild(job: BuildJob, deps: BuildDeps): Promise<{ version: number; webUrl: string; image: string }> {
  const s = deps.settings;
  const log = deps.logger.child({ module: 'build', build: job.id, app: job.app });
  const appDir = join(job.dir, 'app');
  const envDir = join(job.dir, 'env');
  const outDir = join(job.dir, 'out');
  const cacheDir = join(s.cacheDir, job.app);

  for (const image of [s.buildStackImage, s.runStackImage]) {
    if (!(await deps.docker.imageExists(image))) throw new BuildFailure(`the stack image ${image} is missing on this platform; ask its operator to run the set-up`);
  }
  const appInfo = await deps.controller.getApp(job.app);
  const config = appInfo.release?.config ?? {};
  await writeEnvDir(envDir, config);
  await mkdir(outDir, { recursive: true });
  await mkdir(cacheDir, { recursive: true });
  if ((await deps.disks?.mountCache(job.app, cacheDir)) === 'reset') info(job.out, `The build cache was over its ${deps.disks?.settings.cacheMb} MB limit (PAAS_BUILD_CACHE_MB); this build starts cold`);
  try {
    return await buildInCache(job, deps, { appDir, envDir, outDir, cacheDir, config, appInfo });
  } finally {
    await deps.disks?.unmountCache(cacheDir).catch((err: unknown) => log.warn({ err }, 'cannot unmount the build cache'));
  }
}

async function buildInCache(
  job: BuildJob,
  deps: BuildDeps,
  d: { appDir: string; envDir: string; outDir: string; cacheDir: string; config: Record<string, string>; appInfo: Awaited<ReturnType<Controller['getApp']>> },
): Promise<{ version: number; webUrl: string; image: string }> {
  const s = deps.settings;
  const log = deps.logger.child({ module: 'build', build: job.id, app: job.app });
  const { appDir, envDir, outDir, cacheDir, config, appInfo } = d;
  const uid = appUid((appInfo.app ?? {}) as { uid?: number }); // the app's own (core/uids.ts): the build runs as it, the slug is its
  if (await syncCacheGeneration(cacheDir, appInfo.build_cache_generation ?? 0)) info(job.out, 'The build cache was cleared (builds:cache:clear); this build starts cold');
  await chownApp([appDir, envDir, outDir, cacheDir], uid);
  const remote: RemoteFetch = (e, into, limits) =>
    deps.docker.fetchBuildpack({ image: s.buildStackImage, kind: e.kind, url: e.url, ref: e.ref, ...limits, labels: { 'paas.cluster': s.cluster, 'paas.app': job.app, 'paas.build': job.id } }, into);
  const plan = await planBuildpacks(s, { appBuildpacks: appInfo.buildpacks ?? [], config, dotBuildpacks: await readBuildFile(join(appDir, '.buildpacks')), out: job.out, signal: job.signal, remote }).catch((err: Error) => {
    throw err.name === 'BuildpackFailure' ? new BuildFailure(err.message) : err;
  });

  const started = Date.now();
  const code = await deps.docker.runBuild({
    name: `${s.cluster}-build-${job.id}`,
    image: s.buildStackImage,
    cmd: ['bash', '-c', DRIVER, ...driverArgs(plan)],
    env: ['HOME=/tmp/home', 'STACK=paas-bookworm', `SOURCE_VERSION=${job.commit}`],
    mounts: [
      { source: appDir, target: '/tmp/build', readOnly: false },
      { source: cacheDir, target: '/tmp/cache', readOnly: false },
      { source: envDir, target: '/tmp/env', readOnly: true },
      { source: outDir, target: '/tmp/out', readOnly: false },
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
  if (code !== 0) throw new BuildFailure(buildpackFailure(code, plan, await readIndex(join(outDir, 'current'))) ?? driverFailure(code));

  const releaseYaml = await readBuildFile(join(outDir, 'release.yml'));
  if (releaseYaml === undefined) throw new BuildFailure("the buildpack's bin/release printed nothing");
  const procfile = await readBuildFile(join(appDir, 'Procfile'));
  const types = resolveProcessTypes({ releaseYaml, procfile });
  if (!types.ok) throw new BuildFailure(types.message);
  topic(job.out, 'Discovering process types');
  info(job.out, `${procfile === undefined ? 'Default types for buildpack' : 'Procfile declares types'} -> ${describeProcessTypes(types.value)}`);
  if (!types.value.web) warn(job.out, 'No web process type: the app will get no HTTP traffic');
  const health = parseAppJsonHealthCheck(await readBuildFile(join(appDir, 'app.json')));
  if (!health.ok) throw new BuildFailure(health.message);
  for (const w of health.warnings) warn(job.out, w);
  if (health.value) info(job.out, `app.json: web is up once GET ${health.value.path} answers 2xx/3xx`);
  const configDefaults = await releaseDefaults(outDir, plan.labels.length, config);

  job.phase?.('image');
  topic(job.out, 'Compressing and committing the app image...');
  const image = await deps.docker.makeAppImage({
    runImage: s.runStackImage,
    slugDir: appDir,
    repo: imageRepo(s.cluster, job.app),
    tag: job.id,
    labels: { 'paas.cluster': s.cluster, 'paas.app': job.app, 'paas.commit': job.commit, 'paas.build': job.id, 'paas.uid': String(uid) },
    uid,
  });
  info(job.out, `Done: ${image}`);
  if (job.signal.aborted) throw new BuildFailure('the push was cancelled');

  job.phase?.('release');
  const beforeRelease = Date.now();
  const { release, web_url } = await deps.controller.createRelease(job.app, {
    image,
    processTypes: types.value,
    ...(health.value && { healthcheck: health.value }),
    commit: job.commit,
    buildId: job.id,
    description: `Deploy ${job.commit.slice(0, 7)}`,
    user: job.user.id,
    ...(configDefaults && { configDefaults }),
  });
  log.info({ version: release.version, image }, 'released');
  topic(job.out, `Released v${release.version}`);
  job.phase?.('launch');
  let phase: { sinceMs: number } | undefined;
  if (types.value.release !== undefined) {
    topic(job.out, `Running release command: ${types.value.release}`);
    const createdAt = Date.parse(release.createdAt ?? ''); // its one-off's lines are not older
    phase = { sinceMs: Number.isFinite(createdAt) ? createdAt : beforeRelease };
  }
  await waitUntilServing(deps, job, release.version, phase);
  info(job.out, `${web_url} deployed`);
  return { version: release.version, webUrl: web_url, image };
}

/**
 * Keeps the push open until the router serves the new release, as Heroku's
 * "Launching..." does, so the app answers with the new code when `git push`
 * returns. With a release phase (`phase`), the release command's output is
 * shown meanwhile (releaselog.ts), then its outcome; the wait may then last
 * the release timeout more, and once the command succeeded the usual wait
 * counts from its end. A release the scheduler failed (release phase, its
 * timeout, or its containers never came up) fails the push with the reason
 * (ReleaseFailure). One that is merely still starting when the wait ends is
 * not an error of the push: the previous release keeps serving, and the
 * pusher is told.
 */
async function waitUntilServing(deps: BuildDeps, job: BuildJob, version: number, phase?: { sinceMs: number }): Promise<void> {
  const waitMs = deps.settings.deployWaitMs;
  if (waitMs <= 0) return;
  const started = Date.now();
  const seconds = (from: number) => `${((Date.now() - from) / 1000).toFixed(1)}s`;
  let deadline = started + waitMs + (phase ? deps.settings.releaseTimeoutMs ?? DEFAULT_RELEASE_TIMEOUT_MS : 0);
  const log = deps.logger.child({ module: 'release-phase', app: job.app, version });
  const follower = phase && new ReleasePhaseFollower({ controller: deps.controller, app: job.app, sinceMs: phase.sinceMs, out: job.out, log });
  let phaseOver = !follower;
  /**
   * The release command's output is complete: its outcome is told. It
   * succeeded when its exit line said 0, or when the scheduler says so (the
   * release was recorded released or serves) before that line reached us.
   */
  const endPhase = async (succeeded: boolean) => {
    if (phaseOver || !follower) return;
    phaseOver = true;
    await follower.finish();
    if (succeeded || follower.exitCode === 0) topic(job.out, `Release command succeeded (${seconds(started)})`);
  };
  try {
    while (Date.now() < deadline && !job.signal.aborted) {
      const app = await deps.controller.getApp(job.app).catch(() => undefined);
      const serving = app?.serving_release ?? 0;
      const status = app?.release_status;
      if (status?.version === version && status.status === 'failed') {
        await endPhase(false);
        const keeps = serving > 0 ? `v${serving} keeps serving` : 'no release is serving';
        throw new ReleaseFailure(`Launching... failed: ${status.failure ?? 'the release failed'}; ${keeps}`);
      }
      if (serving >= version) {
        await endPhase(true);
        topic(job.out, `Launching... done, v${version} is serving (${seconds(started)})`);
        return;
      }
      if (!phaseOver && (follower?.exitCode === 0 || status?.version === version)) {
        await endPhase(true); // a status of this release that is not `failed` is `released` or `succeeded`
        deadline = Math.min(deadline, Date.now() + waitMs);
      }
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  } finally {
    await follower?.stop();
  }
  warn(job.out, `v${version} is not serving after ${Math.round((Date.now() - started) / 1000)}s; the previous release keeps serving until it is`);
}

/** bin/release's config_vars the app has not set (undefined: none), shown to the pusher. */
async function releaseDefaults(outDir: string, count: number, config: Record<string, string>): Promise<Record<string, string> | undefined> {
  const yamls: string[] = [];
  for (let i = 0; i < count; i++) yamls.push((await readBuildFile(join(outDir, `release-${i}.yml`))) ?? '');
  const missing = Object.entries(releaseConfigVars(yamls)).filter(([k]) => !Object.hasOwn(config, k));
  return missing.length ? Object.fromEntries(missing) : undefined;
}

/** The buildpack index the driver wrote to /tmp/out/current. */
async function readIndex(path: string): Promise<number | undefined> {
  const text = await readBuildFile(path).catch(() => undefined);
  return text !== undefined && /^\d{1,3}$/.test(text) ? Number(text) : undefined;
}

const MAX_BUILD_FILE = 64 * 1024;

/**
 * Reads a small file the build wrote (release.yml, Procfile) without
 * following a symlink: the build's code chooses what is there, and a link to
 * a host file must not make the builder (root) show that file to the pusher.
 * undefined when there is no such file.
 */
export async function readBuildFile(path: string): Promise<string | undefined> {
  let fh;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw new BuildFailure(`${path.split('/').pop()} must be a regular file, not a symlink`);
    throw err;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new BuildFailure(`${path.split('/').pop()} must be a regular file`);
    if (st.size > MAX_BUILD_FILE) throw new BuildFailure(`${path.split('/').pop()} is larger than 64 KB`);
    return await fh.readFile('utf8');
  } finally {
    await fh.close();
  }
}

/** -P -h: never follow a symlink the source or an earlier build left (it could point at a host file). */
function chownApp(paths: string[], uid: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('chown', ['-R', '-P', '-h', `${uid}:${uid}`, '--', ...paths], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`chown failed: ${err.trim()}`))));
  });
}
