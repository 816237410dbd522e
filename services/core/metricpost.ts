import { apiFetch } from './apiurls.js';
import type { Logger } from './logger.js';
import type { LogPostTarget } from './logpost.js';
import type { MinuteSample } from './metricseries.js';

// Producers' side of the apps' metrics (issue 18): routers and agents send
// what they saw of each app in a minute to POST /internal/metrics on the
// controller, with the internal token, in bodies of SAMPLES_PER_POST (a
// sample with its latency buckets is ~200 bytes; the API takes 100 KiB).
// A minute that cannot be sent is dropped, not kept: the next minute's
// samples are new ones, and the series shows a zero there.

export const SAMPLES_PER_POST = 250;

export type AppSample = MinuteSample & { app: string };

/** Sends the samples; the count of those the controller did not take (it did not answer, or refused a body). */
export async function postMetrics(target: LogPostTarget, samples: readonly AppSample[], log: Logger): Promise<number> {
  let lost = 0;
  for (let i = 0; i < samples.length; i += SAMPLES_PER_POST) {
    const chunk = samples.slice(i, i + SAMPLES_PER_POST);
    try {
      const res = await apiFetch(target.apiUrl, '/internal/metrics', {
        ...(target.fetchFn && { fetchFn: target.fetchFn }),
        method: 'POST',
        headers: { authorization: `Bearer ${target.internalToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ samples: chunk }),
        signal: AbortSignal.timeout(10_000),
      });
      const text = await res.text();
      if (res.status !== 202) {
        lost += chunk.length;
        log.warn({ status: res.status, body: text.slice(0, 300) }, 'the controller did not take the metrics');
      }
    } catch (err) {
      lost += chunk.length;
      log.warn({ err }, 'cannot send the metrics to the controller');
    }
  }
  return lost;
}

/** The start (epoch s) of the minute `ms` falls in. */
export function minuteOf(ms: number): number {
  return Math.floor(ms / 60_000) * 60;
}

/**
 * Calls `tick(start)` just after each step of `stepMs` ends (wall clock: every producer on a machine cuts the same
 * steps), with the ended step's start in ms; a tick's failure is its own business. Returns a function that stops it.
 */
export function onStepEnds(stepMs: number, tick: (startMs: number) => Promise<void> | void, lagMs = 1000): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const schedule = () => {
    if (stopped) return;
    const now = Date.now();
    const end = now - (now % stepMs) + stepMs;
    // a moment past the boundary: what came in the step's last moments is counted
    timer = setTimeout(() => run(end - stepMs), end - now + lagMs);
    timer.unref();
  };
  // the step is the one scheduled for, not read from the clock again (a timer may fire a millisecond early)
  const run = (start: number) => {
    Promise.resolve()
      .then(() => tick(start))
      .catch(() => undefined)
      .finally(schedule);
  };
  schedule();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
