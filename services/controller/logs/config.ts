import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, int, str, type Env } from '../../core/config.js';

// The log store's settings, read by the controller's loadConfig (config.ts).

export interface LogsConfig {
  /** Where each app's log is kept: `<dir>/<app>.jsonl` ($PAAS_STATE_DIR/logs/apps). */
  dir: string;
  /** PAAS_LOG_LINES (1500): lines kept per app. */
  maxLines: number;
  /** PAAS_LOG_APP_BYTES (4 MiB): the most line text held in memory per app. */
  maxBytesPerApp: number;
  /** PAAS_LOG_APPS_IN_MEMORY (64): apps whose ring is held in memory at once (the others are read back from disk). */
  maxAppsLoaded: number;
  /** PEM of PAAS_DRAIN_CA_FILE: extra CAs trusted for syslog+tls and https drains. */
  drainCa?: string;
}

/** The limits when not configured. */
export const LOG_DEFAULTS = { maxLines: 1500, maxBytesPerApp: 4 * 1024 * 1024, maxAppsLoaded: 64 } as const;

function positive(env: Env, name: string, fallback: number): number {
  const n = int(env, name, fallback);
  if (n <= 0) throw new ConfigError(`${name} must be a positive integer`);
  return n;
}

export function logsConfig(env: Env, stateDir: string): LogsConfig {
  const caFile = env.PAAS_DRAIN_CA_FILE;
  let drainCa: string | undefined;
  if (caFile) {
    try {
      drainCa = readFileSync(caFile, 'utf8');
    } catch (err) {
      throw new ConfigError(`PAAS_DRAIN_CA_FILE cannot be read: ${(err as Error).message}`);
    }
  }
  return {
    dir: str(env, 'PAAS_LOG_DIR', join(resolve(stateDir), 'logs', 'apps')),
    maxLines: positive(env, 'PAAS_LOG_LINES', LOG_DEFAULTS.maxLines),
    maxBytesPerApp: positive(env, 'PAAS_LOG_APP_BYTES', LOG_DEFAULTS.maxBytesPerApp),
    maxAppsLoaded: positive(env, 'PAAS_LOG_APPS_IN_MEMORY', LOG_DEFAULTS.maxAppsLoaded),
    ...(drainCa && { drainCa }),
  };
}
