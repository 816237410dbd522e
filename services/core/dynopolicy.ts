import { seconds, type Env } from './config.js';
import type { App, Formation } from './types.js';

// When an app's dynos sleep and how long each one lives (`paas ps:autosleep`,
// `paas ps:lifetime`), read from the app record and its formation. Pure: the
// scheduler plans with these, the controller shows them.

/** Heroku's eco dynos sleep after 30 minutes without web traffic. */
export const ECO_AUTOSLEEP_S = 30 * 60;
/** Heroku's daily restart: every dyno is cycled after 24 h ... */
export const DEFAULT_LIFETIME_S = 24 * 3600;
/** ... plus up to 216 minutes, a different share for each dyno, so an app's dynos do not all cycle together. */
export const LIFETIME_JITTER_S = 216 * 60;

/** Idle seconds after which the app's web process sleeps; 0: it never sleeps. */
export function autosleepSeconds(app: Pick<App, 'autosleepS'>, formation: Formation): number {
  if (app.autosleepS !== undefined) return app.autosleepS;
  return (formation.web?.size ?? '').toLowerCase() === 'eco' ? ECO_AUTOSLEEP_S : 0;
}

/** Whether process type `type` sleeps with the app (web always does; others unless kept awake). */
export function sleepsWithApp(app: Pick<App, 'keepAwake'>, type: string): boolean {
  return type === 'web' || !(app.keepAwake ?? []).includes(type);
}

/** A number in [0, 1) from a text, the same every time (FNV-1a). */
export function unitHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h / 2 ** 32;
}

/**
 * Seconds the dyno `dynoId` (an assignment id) may run before it is replaced; 0: never. The default lifetime gets a
 * jitter of its own per dyno; a lifetime the user set is exact.
 */
export function lifetimeSeconds(app: Pick<App, 'lifetimeS'>, dynoId: string): number {
  if (app.lifetimeS !== undefined) return app.lifetimeS;
  return DEFAULT_LIFETIME_S + Math.floor(unitHash(dynoId) * LIFETIME_JITTER_S);
}

/** How long a request waits for its app to wake (PAAS_ROUTER_WAKE_TIMEOUT), and the range accepted, in seconds. */
export const DEFAULT_WAKE_TIMEOUT_S = 30;
export const WAKE_TIMEOUT_RANGE_S = { min: 1, max: 300 } as const;

/**
 * PAAS_ROUTER_WAKE_TIMEOUT (seconds): read by the router (how long it holds a request) and the scheduler (how long a
 * wake waits for room before the app goes back to sleep: scheduler/room.ts).
 */
export function wakeTimeoutSetting(env: Env): number {
  return seconds(env, 'PAAS_ROUTER_WAKE_TIMEOUT', DEFAULT_WAKE_TIMEOUT_S, WAKE_TIMEOUT_RANGE_S);
}
