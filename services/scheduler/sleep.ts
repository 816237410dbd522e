import { sleepsWithApp } from '../core/dynopolicy.js';
import type { AppInput } from './model.js';

// Whether an app sleeps now (`paas ps:autosleep`, `paas ps:sleep`). Pure, from
// times and the stored route (the scheduler's own record of the app asleep):
//
//   activity    a request a router saw (or a websocket it held open), a wake
//               a router asked for, a push (its pusher waits for it to serve)
//   asleep      (the route says sleeping since S) until an activity after S;
//   awake       until a sleep asked after the last activity, or the idle time
//               passed since the last activity or release (a config change,
//               a rollback, a promotion of an awake app resets the idle
//               clock; of a sleeping app they take effect when it wakes)
//
// Apps without a web process never sleep: nothing would wake them.

export interface SleepState {
  asleep: boolean;
  /** When it fell asleep (ms since the epoch), while asleep. */
  since?: number;
  /** Awake with an idle time: plan again then (ms from now). */
  recheckInMs?: number;
}

export const AWAKE: SleepState = { asleep: false };

const time = (iso: string | undefined) => {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(t) ? t : undefined;
};

const latest = (...ts: (number | undefined)[]) => {
  const known = ts.filter((t): t is number => t !== undefined);
  return known.length > 0 ? Math.max(...known) : undefined;
};

/** The app's last activity (ms since the epoch): a request, a wake, a push; undefined when none is known. */
export function lastActivity(app: AppInput): number | undefined {
  return latest(app.activityAt, app.release?.wakesApp ? time(app.release.createdAt) : undefined);
}

/**
 * How long an app that can sleep must have been idle (no activity, nor a release) for a dyno reaching its lifetime
 * to drop it to sleep instead of cycling it blue-green (lifetime.ts dropAtLifetime): 5 minutes, well past the
 * router's activity writes (at most one per app per 15 s) and the drain delay, or the app's own idle time if shorter
 * (then the idle clock has put it to sleep already).
 */
export const LIFETIME_IDLE_MS = 5 * 60_000;

/**
 * Since when an app that can sleep (an idle time is set, it has a running web process) has been idle: its last
 * activity or release (ms since the epoch); undefined for an app that cannot sleep, or of which neither is known (as
 * with its idle clock, there is nothing to go by).
 */
export function idleSince(app: AppInput): number | undefined {
  const r = app.release;
  if ((app.autosleepS ?? 0) <= 0 || !r || !r.image || r.processTypes.web === undefined) return undefined;
  if ((app.formation.web?.quantity ?? 1) < 1) return undefined;
  return latest(lastActivity(app), time(r.createdAt));
}

/**
 * Whether the app can sleep and has been idle (idleSince) at least `minMs`, or its own idle time if shorter, at
 * `now`.
 */
export function idleFor(app: AppInput, now: number, minMs: number): boolean {
  const base = idleSince(app);
  return base !== undefined && now - base >= Math.min((app.autosleepS ?? 0) * 1000, minMs);
}

/** Whether the app can sleep and has been idle LIFETIME_IDLE_MS (or its idle time, if shorter) at `now`. */
export function idleAtLifetime(app: AppInput, now: number): boolean {
  return idleFor(app, now, LIFETIME_IDLE_MS);
}

export function sleepOf(app: AppInput, now: number, stored?: { state?: string; since?: string }): SleepState {
  const r = app.release;
  if (!r || !r.image || r.processTypes.web === undefined || (app.formation.web?.quantity ?? 1) < 1) return AWAKE;
  const activity = lastActivity(app);
  const since = stored?.state === 'sleeping' ? time(stored.since) : undefined;
  if (since !== undefined && (activity === undefined || activity <= since)) return { asleep: true, since };
  if (app.sleepRequestedAt !== undefined && app.sleepRequestedAt >= (activity ?? 0))
    return { asleep: true, since: app.sleepRequestedAt };
  const idleMs = (app.autosleepS ?? 0) * 1000;
  const base = latest(activity, time(r.createdAt));
  if (idleMs <= 0 || base === undefined) return AWAKE; // nothing known of it: no idle clock to go by
  const at = base + idleMs;
  return now >= at ? { asleep: true, since: at } : { asleep: false, recheckInMs: at - now };
}

/**
 * The app's desired containers as sleep leaves them: while it sleeps, those of the types that sleep with it are
 * parked (kept created, not running, holding no room).
 */
export function parkAsleep<D extends { type: string; parked?: boolean }>(
  app: Pick<AppInput, 'keepAwake'>,
  desired: readonly D[],
  sleep: SleepState,
): D[] {
  if (!sleep.asleep) return [...desired];
  return desired.map((d) => (sleepsWithApp(app, d.type) ? { ...d, parked: true } : d));
}
