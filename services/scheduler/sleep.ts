import { sleepsWithApp } from '../core/dynopolicy.js';
import type { AppInput } from './model.js';

// Whether an app sleeps now (`paas ps:autosleep`, `paas ps:sleep`). Pure and
// derived from times alone, so no state of the scheduler's own is needed and
// any leader decides the same:
//
//   last active = the latest of: a request a router saw (or a websocket it
//                 held open), a wake a router asked for, the latest release
//                 (a deploy, a config change, a rollback wakes the app)
//   asleep      = a sleep was asked after the last activity (since: then),
//                 or the app sleeps after an idle time and it has passed
//                 (since: last active + the idle time)
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

/** The time of the app's last activity (ms since the epoch), or undefined when nothing is known. */
export function lastActive(app: AppInput): number | undefined {
  const times = [app.activityAt, app.release?.createdAt ? Date.parse(app.release.createdAt) : undefined].filter(
    (t): t is number => t !== undefined && Number.isFinite(t),
  );
  return times.length > 0 ? Math.max(...times) : undefined;
}

export function sleepOf(app: AppInput, now: number): SleepState {
  const r = app.release;
  if (!r || !r.image || r.processTypes.web === undefined || (app.formation.web?.quantity ?? 1) < 1) return AWAKE;
  const active = lastActive(app) ?? 0;
  if (app.sleepRequestedAt !== undefined && app.sleepRequestedAt >= active)
    return { asleep: true, since: app.sleepRequestedAt };
  const idleMs = (app.autosleepS ?? 0) * 1000;
  if (idleMs <= 0) return AWAKE;
  const at = active + idleMs;
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
