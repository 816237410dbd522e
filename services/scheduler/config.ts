import { hostname } from 'node:os';
import { commonConfig, ConfigError, int, str, type CommonConfig, type Env } from '../core/config.js';

export interface SchedulerConfig extends CommonConfig {
  /** Name this scheduler campaigns with (shows who leads). */
  name: string;
  /** TTL of the election lease: how long a dead leader blocks a standby. */
  electionTtlSeconds: number;
  /** Time between a route switch and the removal of the containers it dropped. */
  drainMs: number;
  /** Plan again at least this often, even with no change in etcd. */
  resyncMs: number;
}

export function loadConfig(env: Env): Readonly<SchedulerConfig> {
  const electionTtlSeconds = int(env, 'PAAS_SCHEDULER_ELECTION_TTL', 10);
  if (electionTtlSeconds < 2) throw new ConfigError('PAAS_SCHEDULER_ELECTION_TTL must be at least 2 (seconds)');
  const drainMs = int(env, 'PAAS_SCHEDULER_DRAIN_MS', 2000);
  if (drainMs < 0) throw new ConfigError('PAAS_SCHEDULER_DRAIN_MS must not be negative');
  const resyncMs = int(env, 'PAAS_SCHEDULER_RESYNC_MS', 10_000);
  if (resyncMs < 100) throw new ConfigError('PAAS_SCHEDULER_RESYNC_MS must be at least 100');
  return Object.freeze({
    ...commonConfig(env),
    name: str(env, 'PAAS_SCHEDULER_NAME', `${hostname()}-${process.pid}`),
    electionTtlSeconds,
    drainMs,
    resyncMs,
  });
}
