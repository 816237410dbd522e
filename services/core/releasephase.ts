import { ConfigError, int, type Env } from './config.js';
import { RELEASE_TYPE } from './runs.js';

// The release phase (a Procfile `release:` command, run once per release
// before its rollout), the parts the scheduler and the builder share: how long
// it may run, and the name its one-off has in the app's log.

/**
 * How long a release command may run before the release fails, unless told
 * (PAAS_SCHEDULER_RELEASE_TIMEOUT_MS). The scheduler enforces it; the builder
 * reads the same setting to keep a push open that long.
 */
export const DEFAULT_RELEASE_TIMEOUT_MS = 5 * 60_000;

/** The longest release timeout accepted: a day (the scheduler's wake-up timer must stay within setTimeout's range). */
const MAX_RELEASE_TIMEOUT_MS = 86_400_000;

/** PAAS_SCHEDULER_RELEASE_TIMEOUT_MS (ms, 1000 to a day), read by the scheduler's and the builder's loadConfig. */
export function releaseTimeoutSetting(env: Env): number {
  const ms = int(env, 'PAAS_SCHEDULER_RELEASE_TIMEOUT_MS', DEFAULT_RELEASE_TIMEOUT_MS);
  if (ms < 1000 || ms > MAX_RELEASE_TIMEOUT_MS)
    throw new ConfigError(`PAAS_SCHEDULER_RELEASE_TIMEOUT_MS must be from 1000 to ${MAX_RELEASE_TIMEOUT_MS} (ms)`);
  return ms;
}

/** The dyno of the release phase's one-off in the app's log: `app[release.1]`. */
export const RELEASE_DYNO = `${RELEASE_TYPE}.1`;

/** "release command timed out after 300 s" (a fraction kept below a minute: "after 2.5 s"). */
export function releaseTimeoutReason(timeoutMs: number): string {
  const s = timeoutMs / 1000;
  return `release command timed out after ${s >= 60 || Number.isInteger(s) ? Math.round(s) : Math.round(s * 10) / 10} s`;
}
