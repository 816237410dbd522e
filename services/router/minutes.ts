import type { AppSample } from '../core/metricpost.js';
import { LATENCY_BUCKETS_S } from '../core/metricseries.js';
import type { RequestMetrics } from './metrics.js';
import { isPlatformSite } from './platformsites.js';

// Each app's requests for its series (`paas metrics`, the dashboard): once a
// minute has ended the router reads nginx's counts (the same as a scrape's,
// metrics.ts) and sends the controller what grew since the last reading
// (core/metricpost.ts): requests answered 1xx-4xx (ok) and 5xx (failed), a
// dyno's or nginx's own, and the request-time histogram. nginx's counters
// start again from 0 when it restarts: a count smaller than the last reading
// is taken whole.

/** The counts last read, per app (all process types summed). */
export type Reading = ReadonlyMap<string, ReadonlyMap<string, number>>;

const OK = ['s1', 's2', 's3', 's4', 'o1', 'o2', 'o3', 'o4'];
const FAILED = ['s5', 'o5'];
const LATENCY = Array.from({ length: LATENCY_BUCKETS_S.length + 1 }, (_, i) => `d${i + 1}`);

/** nginx's counts summed per app; pure. */
export function readingOf(m: RequestMetrics): Reading {
  const out = new Map<string, Map<string, number>>();
  for (const s of m.series) {
    const app = out.get(s.app) ?? new Map<string, number>();
    for (const [k, v] of s.values) app.set(k, (app.get(k) ?? 0) + v);
    out.set(s.app, app);
  }
  return out;
}

/**
 * What each app's counts grew by since `before` (none: a first reading sends nothing, it only sets the baseline), as
 * the samples of the minute starting at `t` (epoch s); apps with no request in it are left out, and the platform's
 * own sites (the dashboard: no app has its series). Pure.
 */
export function minuteSamples(before: Reading | undefined, now: Reading, t: number): AppSample[] {
  if (!before) return [];
  const out: AppSample[] = [];
  for (const [app, cur] of now) {
    if (isPlatformSite(app)) continue;
    const prev = before.get(app);
    const grew = (k: string) => {
      const c = cur.get(k) ?? 0;
      const p = prev?.get(k) ?? 0;
      return c >= p ? c - p : c; // smaller: nginx started again
    };
    const sum = (ks: string[]) => ks.reduce((n, k) => n + grew(k), 0);
    const ok = sum(OK);
    const failed = sum(FAILED);
    if (ok + failed === 0) continue;
    out.push({ app, t, ok, failed, latency: LATENCY.map(grew) });
  }
  return out;
}
