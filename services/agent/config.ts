import { apiUrlSetting } from '../core/apiurls.js';
import { availableParallelism, hostname, totalmem } from 'node:os';
import { join } from 'node:path';
import {
  bool,
  commonConfig,
  ConfigError,
  httpsPortSetting,
  int,
  str,
  tags,
  type CommonConfig,
  type Env,
} from '../core/config.js';
import { metricsListen, type MetricsListen } from '../core/metrics.js';
import { DEFAULT_KEEP_RELEASE_IMAGES } from '../core/images.js';
import { NETNS } from './isolation/netns.js';

export interface AgentConfig extends CommonConfig {
  /** Where GET /metrics is served (core/metrics.ts: PAAS_METRICS_LISTEN, PAAS_AGENT_METRICS_PORT; 0: none). */
  metrics: MetricsListen | undefined;
  hostId: string;
  /** Address containers publish their ports on, and where the router reaches them. */
  hostAddress: string;
  tags: Record<string, string>;
  memoryMb: number;
  cpus: number;
  leaseTtlSeconds: number;
  dockerSocket: string;
  /**
   * PAAS_AGENT_NETNS: the network namespace the Docker engine runs in when it is not the agent's (scripts/hosts);
   * the agent's iptables and tc commands run there (isolation/netns.ts). Unset: the agent's own.
   */
  netns?: string;
  /** PAAS_AGENT_IMAGE_FETCH (true): images the engine lacks are fetched from a builder (images.ts). */
  imageFetch: boolean;
  /**
   * PAAS_AGENT_IMAGE_CLEANUP (false): the agent removes old releases' and destroyed apps' images from its engine
   * (imagecleanup.ts), for an engine no builder uses (scripts/hosts turns it on); on a builder's engine the builder
   * does it. Every PAAS_AGENT_IMAGE_CLEANUP_MS (PAAS_BUILDER_CLEANUP_MS, else 30000), keeping each app's newest
   * PAAS_KEEP_RELEASE_IMAGES (5) releases' images, as the builder does.
   */
  imageCleanup: boolean;
  imageCleanupMs: number;
  keepReleaseImages: number;
  /** Reconcile at least this often, even with no change in etcd or Docker. */
  resyncMs: number;
  /** SIGTERM, then SIGKILL after this many seconds. */
  stopGraceSeconds: number;
  /** How long a started container has to accept TCP connections on its port. */
  healthTimeoutMs: number;
  /** Time between a container's exit and its first restart; doubled for each further restart (backoff.ts). */
  restartDelayMs: number;
  /** The longest restart delay. */
  restartMaxDelayMs: number;
  /** A container that ran this long before exiting is restarted after restartDelayMs again. */
  restartResetMs: number;
  /** How often the host's real usage (docker stats) is written into its host record. */
  usageMs: number;
  /** PAAS_DOMAIN: the Host header of HTTP health checks is <app>.<domain>. */
  domain: string;
  /** Containers without an assignment are left alone this long after registering (the scheduler catches up). */
  orphanGraceMs: number;
  /**
   * PAAS_AGENT_PARKED_CONTAINERS (200): at most this many containers of sleeping apps are kept created (the most
   * recently assigned), so waking them is only a start; the others are made again when their app wakes.
   */
  parkedContainers: number;
  /**
   * PAAS_AGENT_FROZEN_MB (a tenth of the host's memory; 0: none): a running container whose app goes to sleep is
   * paused rather than stopped while the frozen ones' memory fits this (and what the running ones leave of the
   * host's), so that its wake is an unpause (freezer.ts).
   */
  frozenMb: number;
  /**
   * PAAS_AGENT_START_CONCURRENCY (4): a pass creates, starts, wakes and checks at most this many containers at once;
   * the rest wait their turn in the same pass (a wake storm is queued here, within the router's hold).
   */
  startConcurrency: number;
  pidsLimit: number;
  /**
   * PAAS_AGENT_DISK_LIMITS (true): each container's writable layer is a filesystem of its size's diskMb
   * (core/layerdisk.ts), kept under diskDir.
   */
  diskLimits: boolean;
  /**
   * PAAS_AGENT_BANDWIDTH_LIMITS (true): each container's interface is shaped to its size's rates with tc
   * (isolation/bandwidth.ts).
   */
  bandwidthLimits: boolean;
  diskDir: string;
  /**
   * PAAS_AGENT_NETWORK_ISOLATION (true): apps run on the cluster's isolated network (isolation/network.ts); the
   * router's ports (PAAS_HTTP_PORT, PAAS_HTTPS_PORT) are the host ports they may reach.
   */
  networkIsolation: boolean;
  routerPorts: number[];
  /**
   * Where app log lines go (POST /internal/logs, logs/shipper.ts): PAAS_API_URL and PAAS_INTERNAL_TOKEN; no token, no
   * shipping.
   */
  apiUrl: string;
  internalToken?: string;
  /** Flood control per container (logs/flood.ts): PAAS_LOG_RATE lines/s (5000), bursts of PAAS_LOG_BURST (10000). */
  logRate: number;
  logBurst: number;
  /** PAAS_AGENT_ADDONS (true): run this host's add-on assignments (addons/runner.ts), from PAAS_ADDON_IMAGE. */
  addons: boolean;
  /** PAAS_ADDON_IMAGE (paas/addon:latest): the add-on image (scripts/addon-stack/build). */
  addonImage: string;
  /** PAAS_ADDON_VOLUME_GRACE_HOURS (168): how long a destroyed add-on's data volume is kept on its host. */
  addonVolumeGraceMs: number;
}

export const HOST_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
const ADDRESS = /^[A-Za-z0-9][A-Za-z0-9.:-]{0,252}$/;

function positive(env: Env, name: string, fallback: number): number {
  const n = int(env, name, fallback);
  if (n <= 0) throw new ConfigError(`${name} must be a positive integer`);
  return n;
}

function atLeast(env: Env, name: string, fallback: number, min: number): number {
  const n = int(env, name, fallback);
  if (n < min) throw new ConfigError(`${name} must be at least ${min}`);
  return n;
}

export function loadConfig(env: Env): Readonly<AgentConfig> {
  const https = httpsPortSetting(env);
  const hostId = str(env, 'PAAS_HOST_ID', hostname());
  if (!HOST_ID.test(hostId))
    throw new ConfigError(`PAAS_HOST_ID must match ${HOST_ID.source}, got ${JSON.stringify(hostId)}`);
  const hostAddress = str(env, 'PAAS_HOST_ADDRESS', '127.0.0.1');
  if (!ADDRESS.test(hostAddress))
    throw new ConfigError(`PAAS_HOST_ADDRESS is not an address: ${JSON.stringify(hostAddress)}`);
  const hostTags = env.PAAS_HOST_TAGS ? tags(env, 'PAAS_HOST_TAGS') : { pool: 'shared' };
  const leaseTtlSeconds = int(env, 'PAAS_AGENT_LEASE_TTL', 10);
  if (leaseTtlSeconds < 2) throw new ConfigError('PAAS_AGENT_LEASE_TTL must be at least 2 (seconds)');
  const netns = env.PAAS_AGENT_NETNS || undefined;
  if (netns !== undefined && !NETNS.test(netns))
    throw new ConfigError(`PAAS_AGENT_NETNS is not a network namespace name: ${JSON.stringify(netns)}`);
  const memoryMb = positive(env, 'PAAS_HOST_MEMORY_MB', Math.floor(totalmem() / 1024 / 1024));
  return Object.freeze({
    ...commonConfig(env),
    metrics: metricsListen(env, 'agent'),
    hostId,
    hostAddress,
    tags: hostTags,
    memoryMb,
    cpus: positive(env, 'PAAS_HOST_CPUS', availableParallelism()),
    leaseTtlSeconds,
    dockerSocket: str(env, 'PAAS_DOCKER_SOCKET', '/var/run/docker.sock'),
    ...(netns && { netns }),
    imageFetch: bool(env, 'PAAS_AGENT_IMAGE_FETCH', true),
    imageCleanup: bool(env, 'PAAS_AGENT_IMAGE_CLEANUP', false),
    imageCleanupMs: atLeast(env, 'PAAS_AGENT_IMAGE_CLEANUP_MS', int(env, 'PAAS_BUILDER_CLEANUP_MS', 30_000), 1000),
    keepReleaseImages: atLeast(env, 'PAAS_KEEP_RELEASE_IMAGES', DEFAULT_KEEP_RELEASE_IMAGES, 1),
    resyncMs: positive(env, 'PAAS_AGENT_RESYNC_MS', 5000),
    stopGraceSeconds: int(env, 'PAAS_AGENT_STOP_GRACE', 10),
    addons: bool(env, 'PAAS_AGENT_ADDONS', true),
    addonImage: str(env, 'PAAS_ADDON_IMAGE', 'paas/addon:latest'),
    addonVolumeGraceMs: int(env, 'PAAS_ADDON_VOLUME_GRACE_HOURS', 168) * 3_600_000,
    healthTimeoutMs: positive(env, 'PAAS_AGENT_HEALTH_TIMEOUT_MS', 60_000),
    restartDelayMs: int(env, 'PAAS_AGENT_RESTART_DELAY_MS', 2000),
    restartMaxDelayMs: positive(env, 'PAAS_AGENT_RESTART_MAX_DELAY_MS', 300_000),
    restartResetMs: positive(env, 'PAAS_AGENT_RESTART_RESET_MS', 600_000),
    usageMs: positive(env, 'PAAS_AGENT_USAGE_MS', 15_000),
    domain: str(env, 'PAAS_DOMAIN', 'localhost'),
    orphanGraceMs: int(env, 'PAAS_AGENT_ORPHAN_GRACE_MS', 3000),
    parkedContainers: int(env, 'PAAS_AGENT_PARKED_CONTAINERS', 200),
    frozenMb: int(env, 'PAAS_AGENT_FROZEN_MB', Math.floor(memoryMb / 10)),
    startConcurrency: positive(env, 'PAAS_AGENT_START_CONCURRENCY', 4),
    pidsLimit: positive(env, 'PAAS_AGENT_PIDS_LIMIT', 256),
    diskLimits: bool(env, 'PAAS_AGENT_DISK_LIMITS', true),
    bandwidthLimits: bool(env, 'PAAS_AGENT_BANDWIDTH_LIMITS', true),
    networkIsolation: bool(env, 'PAAS_AGENT_NETWORK_ISOLATION', true),
    routerPorts: [int(env, 'PAAS_HTTP_PORT', 80), ...(https === undefined ? [] : [https])],
    diskDir: str(env, 'PAAS_AGENT_DISK_DIR', join(commonConfig(env).stateDir, 'agent', `${hostId}-disks`)),
    apiUrl: apiUrlSetting(env),
    ...(env.PAAS_INTERNAL_TOKEN && { internalToken: env.PAAS_INTERNAL_TOKEN }),
    logRate: positive(env, 'PAAS_LOG_RATE', 5000),
    logBurst: positive(env, 'PAAS_LOG_BURST', 10000),
  });
}
