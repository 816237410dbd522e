// Restart backoff of a container that exits (or fails its health check),
// as Heroku and Kubernetes do: the first restart waits `baseMs` after the
// exit, each further one twice as long, up to `maxMs`; a container that ran
// for `resetAfterMs` or longer before exiting starts again from `baseMs`.
//
// The agent restarts a container itself (Docker's restart policy is "no"),
// so the count lives in the Instance record it writes (`restarts`,
// `backoff`), and is read back from it when the agent restarts and adopts
// its containers; how long the container ran comes from Docker's own
// StartedAt/FinishedAt. Pure.

/** The agent's restartDelayMs, restartMaxDelayMs and restartResetMs (config.ts). */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
  resetAfterMs: number;
}

/** The delay before the restart that follows `streak` earlier restarts of the same crash loop. */
export function backoffDelayMs(streak: number, p: BackoffPolicy): number {
  const n = Math.max(0, Math.floor(streak));
  if (p.baseMs <= 0) return 0;
  // 2^n overflows nothing below the cap: stop doubling once the cap is reached.
  return n >= 40 ? p.maxMs : Math.min(p.maxMs, p.baseMs * 2 ** n);
}

export interface RestartDecision {
  /** ms until the restart may happen (0: now). */
  waitMs: number;
  /** The delay applied (from the exit). */
  delayMs: number;
  /** The instance's `backoff` once restarted. */
  streak: number;
}

/**
 * When to restart a container that exited at `finishedAt` after starting at
 * `startedAt` (Docker's times), given the restarts of its crash loop so far.
 * Same answer on every reconcile pass until it is restarted.
 */
export function restartDecision(
  streak: number,
  exit: { startedAt?: string; finishedAt?: string },
  now: number,
  p: BackoffPolicy,
): RestartDecision {
  const started = Date.parse(exit.startedAt ?? '');
  const finished = Date.parse(exit.finishedAt ?? '');
  const ranMs = Number.isFinite(started) && Number.isFinite(finished) && started > 0 ? finished - started : 0;
  const current = ranMs >= p.resetAfterMs ? 0 : Math.max(0, streak);
  const delayMs = backoffDelayMs(current, p);
  const waitMs = Number.isFinite(finished) && finished > 0 ? Math.max(0, finished + delayMs - now) : 0;
  return { waitMs, delayMs, streak: current + 1 };
}

/**
 * What the agent remembers of an assignment's container across its restarts (and its own, through the Instance record).
 */
export interface CrashHistory {
  restarts: number;
  backoff: number;
  exitCode?: number;
  lastExitAt?: string;
  startedAt?: string;
}

export const freshHistory = (): CrashHistory => ({ restarts: 0, backoff: 0 });

/** The history an earlier agent wrote into the instance record, if it is of the same container. */
export function historyFromInstance(
  i: { containerId: string; restarts?: number; backoff?: number; exitCode?: number; lastExitAt?: string } | undefined,
  containerId: string,
): CrashHistory {
  if (!i || i.containerId !== containerId) return freshHistory();
  const h: CrashHistory = { restarts: i.restarts ?? 0, backoff: i.backoff ?? 0 };
  if (i.exitCode !== undefined) h.exitCode = i.exitCode;
  if (i.lastExitAt !== undefined) h.lastExitAt = i.lastExitAt;
  return h;
}

/** Docker's zero time ("0001-01-01T00:00:00Z") means never: no field. */
export function dockerTime(t: string | undefined): string | undefined {
  const ms = Date.parse(t ?? '');
  return Number.isFinite(ms) && ms > 0 ? new Date(ms).toISOString() : undefined;
}
