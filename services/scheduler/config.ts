import { hostname } from 'node:os';
import { commonConfig, ConfigError, int, str, type CommonConfig, type Env } from '../core/config.js';
import { wakeTimeoutSetting } from '../core/dynopolicy.js';
import { releaseTimeoutSetting } from '../core/releasephase.js';
import { isPolicy, POLICIES, type PolicyName } from './policies.js';
import { metricsListen, type MetricsListen } from '../core/metrics.js';

// The scheduler's settings, read from the environment once and frozen; the
// defaults live here only, and every part of the scheduler gets the config.

/** Placement policy unless told (policies.ts). */
export const DEFAULT_POLICY: PolicyName = 'balanced';
/**
 * CPU shares are weights (Docker applies them only under contention), so a host counts cpus × 16 for placement: sixteen
 * standard-1x dynos per core, as shared hosts do.
 */
export const DEFAULT_CPU_OVERCOMMIT = 16;
/** Memory limits are hard: by default a host holds containers whose limits add up to its memory, no more. */
export const DEFAULT_MEMORY_OVERCOMMIT = 1;
/**
 * How long the latest release's web containers have to come up (Heroku's boot
 * timeout), unless told (PAAS_SCHEDULER_ROLLOUT_TIMEOUT_MS). It counts from
 * the rollout's start (rollout.ts: rolloutStart): a release phase's time is
 * not part of it; the release command has its own limit (releaseTimeoutMs).
 */
export const DEFAULT_ROLLOUT_TIMEOUT_MS = 60_000;
/**
 * How long an app that can sleep must have been idle (or its own idle time, if shorter) before it is put to sleep to
 * make room for containers no host can take (room.ts), unless told (PAAS_SCHEDULER_MAKE_ROOM_IDLE_S; 0: never).
 */
export const DEFAULT_MAKE_ROOM_IDLE_S = 60;
/** The shortest of those idle times: a router writes an app's activity at most every 15 s (router/activity.ts). */
export const MIN_MAKE_ROOM_IDLE_S = 15;

export interface SchedulerConfig extends CommonConfig {
  /** Where GET /metrics is served (core/metrics.ts: PAAS_METRICS_LISTEN, PAAS_SCHEDULER_METRICS_PORT; 0: none). */
  metrics: MetricsListen | undefined;
  /** Name this scheduler campaigns with (shows who leads). */
  name: string;
  /** TTL of the election lease: how long a dead leader blocks a standby. */
  electionTtlSeconds: number;
  /** Time between a route switch and the removal of the containers it dropped. */
  drainMs: number;
  /** Plan again at least this often, even with no change in etcd. */
  resyncMs: number;
  /** Placement policy by name: balanced (default) or least-containers (fleet's rule). */
  policy: PolicyName;
  /**
   * Host CPU capacity placement counts: cpus times this. CPU shares are
   * weights Docker applies only under contention, so CPU may be overcommitted
   * (memory never is); 1 reserves a whole CPU per 1024 shares.
   */
  cpuOvercommit: number;
  /** Host memory placement counts: its memory times this (1: memory limits are never overcommitted). */
  memoryOvercommit: number;
  /**
   * How long the latest release's web containers have to come up before the release is failed (rollout.ts); counted
   * after the release phase.
   */
  rolloutTimeoutMs: number;
  /** How long a release command (Procfile `release:`) may run before its one-off is removed and the release failed. */
  releaseTimeoutMs: number;
  /** How long an app that can sleep must have been idle to be put to sleep to make room (room.ts); 0: never. */
  makeRoomIdleMs: number;
  /** How long a wake waits for room before its app goes back to sleep (PAAS_ROUTER_WAKE_TIMEOUT: room.ts). */
  wakeWaitMs: number;
}

export function loadConfig(env: Env): Readonly<SchedulerConfig> {
  const electionTtlSeconds = int(env, 'PAAS_SCHEDULER_ELECTION_TTL', 10);
  if (electionTtlSeconds < 2) throw new ConfigError('PAAS_SCHEDULER_ELECTION_TTL must be at least 2 (seconds)');
  const drainMs = int(env, 'PAAS_SCHEDULER_DRAIN_MS', 2000);
  if (drainMs < 0) throw new ConfigError('PAAS_SCHEDULER_DRAIN_MS must not be negative');
  const resyncMs = int(env, 'PAAS_SCHEDULER_RESYNC_MS', 10_000);
  if (resyncMs < 100) throw new ConfigError('PAAS_SCHEDULER_RESYNC_MS must be at least 100');
  const policy = str(env, 'PAAS_SCHEDULER_POLICY', DEFAULT_POLICY);
  if (!isPolicy(policy))
    throw new ConfigError(`PAAS_SCHEDULER_POLICY must be one of ${POLICIES.join(', ')}, got ${JSON.stringify(policy)}`);
  const cpuOvercommit = Number(str(env, 'PAAS_SCHEDULER_CPU_OVERCOMMIT', String(DEFAULT_CPU_OVERCOMMIT)));
  if (!Number.isFinite(cpuOvercommit) || cpuOvercommit < 1)
    throw new ConfigError('PAAS_SCHEDULER_CPU_OVERCOMMIT must be a number of at least 1');
  const memoryOvercommit = Number(str(env, 'PAAS_SCHEDULER_MEMORY_OVERCOMMIT', String(DEFAULT_MEMORY_OVERCOMMIT)));
  if (!Number.isFinite(memoryOvercommit) || memoryOvercommit < 1 || memoryOvercommit > 10)
    throw new ConfigError('PAAS_SCHEDULER_MEMORY_OVERCOMMIT must be a number from 1 to 10');
  const rolloutTimeoutMs = int(env, 'PAAS_SCHEDULER_ROLLOUT_TIMEOUT_MS', DEFAULT_ROLLOUT_TIMEOUT_MS);
  if (rolloutTimeoutMs < 1000) throw new ConfigError('PAAS_SCHEDULER_ROLLOUT_TIMEOUT_MS must be at least 1000');
  const releaseTimeoutMs = releaseTimeoutSetting(env);
  const makeRoomIdleS = int(env, 'PAAS_SCHEDULER_MAKE_ROOM_IDLE_S', DEFAULT_MAKE_ROOM_IDLE_S);
  if (makeRoomIdleS !== 0 && (makeRoomIdleS < MIN_MAKE_ROOM_IDLE_S || makeRoomIdleS > 86_400))
    throw new ConfigError(
      `PAAS_SCHEDULER_MAKE_ROOM_IDLE_S must be 0 (never) or from ${MIN_MAKE_ROOM_IDLE_S} to 86400 (seconds)`,
    );
  return Object.freeze({
    ...commonConfig(env),
    metrics: metricsListen(env, 'scheduler'),
    name: str(env, 'PAAS_SCHEDULER_NAME', `${hostname()}-${process.pid}`),
    electionTtlSeconds,
    drainMs,
    resyncMs,
    policy,
    cpuOvercommit,
    memoryOvercommit,
    rolloutTimeoutMs,
    releaseTimeoutMs,
    makeRoomIdleMs: makeRoomIdleS * 1000,
    wakeWaitMs: wakeTimeoutSetting(env) * 1000,
  });
}
