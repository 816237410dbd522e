import { apiUrlSetting } from '../core/apiurls.js';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_BUILDPACKS } from '../core/buildpacks.js';
import { bool, commonConfig, ConfigError, int, list, str, type CommonConfig, type Env } from '../core/config.js';
import { DEFAULT_KEEP_RELEASE_IMAGES } from '../core/images.js';
import { releaseTimeoutSetting } from '../core/releasephase.js';
import { metricsListen, type MetricsListen } from '../core/metrics.js';

export interface BuilderConfig extends CommonConfig {
  /** Where GET /metrics is served (core/metrics.ts: PAAS_METRICS_LISTEN, PAAS_BUILDER_METRICS_PORT; 0: none). */
  metrics: MetricsListen | undefined;
  sshPort: number;
  sshListenHost: string;
  /** This builder's name in the build locks it holds (applock.ts; PAAS_BUILDER_ID, default <hostname>:<ssh port>). */
  builderId: string;
  /** OpenSSH private host key (made by ssh-keygen when missing). */
  sshHostKey: string;
  apiUrl: string;
  internalToken: string;
  buildStackImage: string;
  runStackImage: string;
  buildpacksDir: string;
  /** Buildpacks tried by detect, in this order (folders of buildpacksDir). */
  buildpacks: string[];
  /** Buildpacks fetched by URL, one folder per entry (sha256). */
  buildpacksCacheDir: string;
  /** Whether file:// buildpack URLs may be used (PAAS_BUILDPACKS_ALLOW_FILE=true; tests). */
  buildpacksAllowFile: boolean;
  /** The compiled pre-receive hook (dist/services/builder/push/hook.js), run with this node. */
  hookScript: string;
  nodePath: string;
  reposDir: string;
  buildsDir: string;
  cacheDir: string;
  socketPath: string;
  buildMemoryMb: number;
  /** CPUs a build container may use (PAAS_BUILD_CPUS; fractions allowed, 0: no limit). */
  buildCpus: number;
  /** Processes a build container may run (PAAS_BUILD_PIDS). */
  buildPids: number;
  /** Seconds a build may take before it is killed (PAAS_BUILD_TIMEOUT_S). */
  buildTimeoutS: number;
  /** Images of the last N releases kept (PAAS_KEEP_RELEASE_IMAGES); older ones are removed. */
  keepReleaseImages: number;
  maxParallelBuilds: number;
  /** Largest source tarball accepted from a push. */
  maxSourceMb: number;
  /**
   * How long a push waits for its release to serve: longer than the scheduler's rollout timeout (60 s), so a failed
   * release is told to the pusher; counted after a release phase.
   */
  deployWaitMs: number;
  /**
   * The scheduler's release timeout (PAAS_SCHEDULER_RELEASE_TIMEOUT_MS, the same setting): a push with a release
   * command waits that much longer.
   */
  releaseTimeoutMs: number;
  /** How often the repos, caches and images of destroyed apps are looked for (and once at start). */
  cleanupMs: number;
  /**
   * Bounded disk for builds (disks.ts), PAAS_BUILD_DISK_LIMITS (true): a build's folder and its container's writable
   * layer get buildDiskMb each, an app's cache buildCacheMb.
   */
  buildDiskLimits: boolean;
  buildDiskMb: number;
  buildCacheMb: number;
  buildDisksDir: string;
  /** The Docker engine's socket (PAAS_DOCKER_SOCKET, the agent's setting too). */
  dockerSocket: string;
  /**
   * Where the builder serves its engine's images to agents of other engines (imageserver.ts):
   * PAAS_BUILDER_IMAGES_LISTEN (host:port, default 127.0.0.1:0, any free port: agents find it in etcd), or
   * undefined with PAAS_BUILDER_IMAGES=false. PAAS_BUILDER_IMAGES_URL: the URL agents use, when not the listen address.
   */
  images: { host: string; port: number; url?: string } | undefined;
}

const here = dirname(fileURLToPath(import.meta.url));

/** The repository's buildpacks/ folder, from services/builder or dist/services/builder. */
function findBuildpacksDir(): string {
  let dir = here;
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'buildpacks');
    if (existsSync(join(candidate, 'nodejs', 'bin', 'detect'))) return candidate;
    dir = dirname(dir);
  }
  return resolve(here, '../../../buildpacks');
}

function imagesSetting(env: Env): BuilderConfig['images'] {
  if (!bool(env, 'PAAS_BUILDER_IMAGES', true)) return undefined;
  const listen = str(env, 'PAAS_BUILDER_IMAGES_LISTEN', '127.0.0.1:0');
  const m = /^\[?([0-9a-fA-F.:]+?)\]?:(\d{1,5})$/.exec(listen);
  if (!m || Number(m[2]) > 65535)
    throw new ConfigError(`PAAS_BUILDER_IMAGES_LISTEN must be an IP address and a port, got ${JSON.stringify(listen)}`);
  const url = env.PAAS_BUILDER_IMAGES_URL;
  if (url !== undefined && !/^https?:\/\/[^\s/]+/.test(url))
    throw new ConfigError(`PAAS_BUILDER_IMAGES_URL must be an http(s) URL, got ${JSON.stringify(url)}`);
  return { host: m[1] as string, port: Number(m[2]), ...(url && { url }) };
}

export function loadConfig(env: Env): Readonly<BuilderConfig> {
  const common = commonConfig(env);
  const stateDir = resolve(common.stateDir);
  // A second builder on the machine (HA: scripts/lib/ha.sh) keeps its repos, builds, caches and hook socket apart:
  // PAAS_BUILDER_DIR (default the state directory). The host key stays shared (PAAS_SSH_HOST_KEY): one remote, any builder.
  const own = resolve(str(env, 'PAAS_BUILDER_DIR', stateDir));
  const config: BuilderConfig = {
    ...common,
    metrics: metricsListen(env, 'builder'),
    stateDir,
    // PAAS_BUILDER_SSH_PORT: where this builder listens when a proxy has the remote's PAAS_SSH_PORT (HA).
    sshPort: int(env, 'PAAS_BUILDER_SSH_PORT', int(env, 'PAAS_SSH_PORT', 2222)),
    sshListenHost: str(env, 'PAAS_SSH_LISTEN_HOST', '127.0.0.1'),
    builderId: '',
    sshHostKey: str(env, 'PAAS_SSH_HOST_KEY', join(stateDir, 'ssh', 'host_ed25519')),
    apiUrl: apiUrlSetting(env),
    internalToken: str(env, 'PAAS_INTERNAL_TOKEN'),
    buildStackImage: str(env, 'PAAS_BUILD_STACK_IMAGE', 'paas/stack-build:latest'),
    runStackImage: str(env, 'PAAS_RUN_STACK_IMAGE', 'paas/stack-run:latest'),
    buildpacksDir: resolve(str(env, 'PAAS_BUILDPACKS_DIR', findBuildpacksDir())),
    buildpacks: list(env, 'PAAS_BUILDPACKS', [...DEFAULT_BUILDPACKS]),
    buildpacksCacheDir: join(own, 'buildpacks-cache'),
    buildpacksAllowFile: str(env, 'PAAS_BUILDPACKS_ALLOW_FILE', 'false') === 'true',
    hookScript: resolve(str(env, 'PAAS_BUILDER_HOOK_SCRIPT', join(here, 'push', 'hook.js'))),
    nodePath: process.execPath,
    reposDir: join(own, 'repos'),
    buildsDir: join(own, 'builds'),
    cacheDir: join(own, 'cache'),
    socketPath: join(own, 'run', 'builder.sock'),
    buildMemoryMb: int(env, 'PAAS_BUILD_MEMORY_MB', 2048),
    buildCpus: Number(str(env, 'PAAS_BUILD_CPUS', '2')),
    buildPids: int(env, 'PAAS_BUILD_PIDS', 2048),
    buildTimeoutS: int(env, 'PAAS_BUILD_TIMEOUT_S', 900),
    keepReleaseImages: int(env, 'PAAS_KEEP_RELEASE_IMAGES', DEFAULT_KEEP_RELEASE_IMAGES),
    maxParallelBuilds: int(env, 'PAAS_MAX_PARALLEL_BUILDS', 2),
    maxSourceMb: int(env, 'PAAS_BUILD_MAX_SOURCE_MB', 500),
    deployWaitMs: int(env, 'PAAS_BUILD_DEPLOY_WAIT_MS', 120_000),
    releaseTimeoutMs: releaseTimeoutSetting(env),
    cleanupMs: int(env, 'PAAS_BUILDER_CLEANUP_MS', 30_000),
    buildDiskLimits: bool(env, 'PAAS_BUILD_DISK_LIMITS', true),
    buildDiskMb: int(env, 'PAAS_BUILD_DISK_MB', 8192),
    buildCacheMb: int(env, 'PAAS_BUILD_CACHE_MB', 4096),
    buildDisksDir: join(own, 'build-disks'),
    dockerSocket: str(env, 'PAAS_DOCKER_SOCKET', '/var/run/docker.sock'),
    images: imagesSetting(env),
  };
  config.builderId = str(env, 'PAAS_BUILDER_ID', `${hostname()}:${config.sshPort}`);
  if (config.sshPort < 0 || config.sshPort > 65535)
    throw new ConfigError('PAAS_SSH_PORT (PAAS_BUILDER_SSH_PORT) must be a port number');
  for (const name of config.buildpacks)
    if (!/^[a-z][a-z0-9-]{0,39}$/.test(name))
      throw new ConfigError(`PAAS_BUILDPACKS: ${JSON.stringify(name)} is not a buildpack folder name`);
  if (config.buildMemoryMb < 256) throw new ConfigError('PAAS_BUILD_MEMORY_MB must be at least 256');
  if (!Number.isFinite(config.buildCpus) || config.buildCpus < 0)
    throw new ConfigError('PAAS_BUILD_CPUS must be a number of CPUs (0: no limit)');
  if (config.buildPids < 16) throw new ConfigError('PAAS_BUILD_PIDS must be at least 16');
  if (config.buildTimeoutS < 1) throw new ConfigError('PAAS_BUILD_TIMEOUT_S must be at least 1');
  if (config.keepReleaseImages < 1) throw new ConfigError('PAAS_KEEP_RELEASE_IMAGES must be at least 1');
  if (config.buildDiskMb < 256) throw new ConfigError('PAAS_BUILD_DISK_MB must be at least 256');
  if (config.buildCacheMb < 64) throw new ConfigError('PAAS_BUILD_CACHE_MB must be at least 64');
  if (config.cleanupMs < 1000) throw new ConfigError('PAAS_BUILDER_CLEANUP_MS must be at least 1000');
  if (config.maxParallelBuilds < 1) throw new ConfigError('PAAS_MAX_PARALLEL_BUILDS must be at least 1');
  for (const [name, path] of [
    ['hook script', config.hookScript],
    ['node', config.nodePath],
  ] as const) {
    if (/['\n]/.test(path)) throw new ConfigError(`the ${name} path must not contain quotes or newlines: ${path}`);
  }
  return Object.freeze(config);
}
