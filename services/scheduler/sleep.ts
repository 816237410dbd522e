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
