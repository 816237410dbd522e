// An app's metrics over time, as `paas metrics` and the dashboard show them
// (issue 18): per step, requests answered ok and failed, the latency
// histogram (so percentiles of a coarse step are exact merges, not averages
// of percentiles) and each dyno's memory. Kept at Heroku's resolutions: a
// minute for the last 2 hours, 10 minutes for 24 hours, an hour for 7 days.
// Pure: the controller's MetricsStore holds one AppSeries per app.

/** Upper bounds (seconds) of the latency buckets, ingress-nginx's; the last bucket is everything above. */
export const LATENCY_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

export interface Resolution {
  stepS: number;
  /** Points kept. */
  keep: number;
}

export const RESOLUTIONS: readonly Resolution[] = [
  { stepS: 60, keep: 120 },
  { stepS: 600, keep: 144 },
  { stepS: 3600, keep: 168 },
];

/** What one router or agent saw of an app in one minute. */
export interface MinuteSample {
  /** The minute's start, epoch seconds (a multiple of 60). */
  t: number;
  ok?: number;
  /** 5xx answers, the app's and the router's own (no dyno answering). */
  failed?: number;
  /** Requests per latency bucket: LATENCY_BUCKETS_S.length + 1 counts (the last: above the largest bound). */
  latency?: number[];
  /** dyno (web.1) -> its memory (working set, bytes): the largest seen in the minute. */
  memory?: Record<string, number>;
}

export interface Point {
  t: number;
  ok: number;
  failed: number;
  latency: number[];
  memory: Record<string, number>;
}

/** The ranges the API takes, each read at the finest resolution that covers it. */
export const RANGES: Readonly<Record<string, number>> = { '1h': 3600, '2h': 7200, '24h': 86_400, '7d': 604_800 };

function emptyPoint(t: number): Point {
  return { t, ok: 0, failed: 0, latency: new Array<number>(LATENCY_BUCKETS_S.length + 1).fill(0), memory: {} };
}

function merge(into: Point, s: MinuteSample): void {
  into.ok += s.ok ?? 0;
  into.failed += s.failed ?? 0;
  if (s.latency)
    for (let i = 0; i < into.latency.length; i++) into.latency[i] = (into.latency[i] ?? 0) + (s.latency[i] ?? 0);
  for (const [dyno, bytes] of Object.entries(s.memory ?? {}))
    into.memory[dyno] = Math.max(into.memory[dyno] ?? 0, bytes);
}

/** Whether a sample is well formed (what POST /internal/metrics accepts); pure. */
export function isMinuteSample(x: unknown): x is MinuteSample {
  const s = x as MinuteSample;
  const count = (n: unknown) => typeof n === 'number' && Number.isFinite(n) && n >= 0;
  return (
    typeof s === 'object' &&
    s !== null &&
    Number.isInteger(s.t) &&
    s.t % 60 === 0 &&
    (s.ok === undefined || count(s.ok)) &&
    (s.failed === undefined || count(s.failed)) &&
    (s.latency === undefined ||
      (Array.isArray(s.latency) && s.latency.length === LATENCY_BUCKETS_S.length + 1 && s.latency.every(count))) &&
    (s.memory === undefined ||
      (typeof s.memory === 'object' &&
        s.memory !== null &&
        Object.keys(s.memory).length <= 1000 &&
        Object.entries(s.memory).every(([k, v]) => /^[a-z][a-z0-9_-]{0,29}\.\d{1,4}$/.test(k) && count(v))))
  );
}

/**
 * The q-quantile (0..1) of a latency histogram, in seconds, interpolated linearly inside its bucket as Prometheus'
 * histogram_quantile does; the last bucket (above 10 s) answers its lower bound. Undefined with no request; pure.
 */
export function latencyQuantile(counts: readonly number[], q: number): number | undefined {
  const total = counts.reduce((n, c) => n + c, 0);
  if (total === 0) return undefined;
  const rank = q * total;
  let below = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i] ?? 0;
    if (c > 0 && below + c >= rank) {
      const lo = i === 0 ? 0 : (LATENCY_BUCKETS_S[i - 1] as number);
      const hi = LATENCY_BUCKETS_S[i];
      if (hi === undefined) return lo;
      return lo + (hi - lo) * ((rank - below) / c);
    }
    below += c;
  }
  return LATENCY_BUCKETS_S[LATENCY_BUCKETS_S.length - 1];
}

/** One app's points at every resolution, each a ring of its `keep` newest steps. */
export class AppSeries {
  /** Per resolution: step start -> point, oldest first (a Map keeps insertion order). */
  private readonly rings: Array<Map<number, Point>> = RESOLUTIONS.map(() => new Map());
  /** Per resolution, the newest step start held. */
  private readonly newest: Array<number | undefined> = RESOLUTIONS.map(() => undefined);

  /** Adds a minute's sample (from one router or agent: several add up) to every resolution. */
  add(s: MinuteSample): void {
    RESOLUTIONS.forEach((r, i) => {
      const ring = this.rings[i] as Map<number, Point>;
      const t = s.t - (s.t % r.stepS);
      let p = ring.get(t);
      if (!p) {
        const newest = this.newest[i];
        // a sample older than the ring's window is dropped
        if (newest !== undefined && t <= newest - r.stepS * r.keep) return;
        p = emptyPoint(t);
        ring.set(t, p);
        if (newest !== undefined && t < newest) this.sort(i);
        else this.newest[i] = t;
        const kept = this.rings[i] as Map<number, Point>; // sort() made a new one
        while (kept.size > r.keep) kept.delete(kept.keys().next().value as number);
      }
      merge(p, s);
    });
  }

  private sort(i: number): void {
    const sorted = [...(this.rings[i] as Map<number, Point>).entries()].sort((a, b) => a[0] - b[0]);
    this.rings[i] = new Map(sorted);
  }

  /**
   * The points of the last `rangeS` seconds before `now` (epoch s) at the finest resolution that keeps them, one per
   * step, empty steps included (no traffic is a zero, not a gap), with the step used.
   */
  read(rangeS: number, now: number): { stepS: number; points: Point[] } {
    let i = RESOLUTIONS.findIndex((res) => res.stepS * res.keep >= rangeS);
    if (i === -1) i = RESOLUTIONS.length - 1;
    const r = RESOLUTIONS[i] as Resolution;
    const ring = this.rings[i] as Map<number, Point>;
    const last = now - (now % r.stepS);
    const n = Math.ceil(rangeS / r.stepS);
    const points: Point[] = [];
    for (let k = n - 1; k >= 0; k--) {
      const t = last - k * r.stepS;
      points.push(ring.get(t) ?? emptyPoint(t));
    }
    return { stepS: r.stepS, points };
  }

  /** What is kept, to be written and read back (MetricsStore's file). */
  toJSON(): Point[][] {
    return this.rings.map((ring) => [...ring.values()]);
  }

  static fromJSON(rings: unknown): AppSeries {
    const s = new AppSeries();
    if (!Array.isArray(rings)) return s;
    rings.slice(0, RESOLUTIONS.length).forEach((points: unknown, i) => {
      if (!Array.isArray(points)) return;
      const ring = new Map<number, Point>();
      for (const p of points as Point[])
        if (isMinuteSample({ ...p, t: p.t - (p.t % 60) }) && p.t % (RESOLUTIONS[i] as Resolution).stepS === 0)
          ring.set(p.t, { t: p.t, ok: p.ok, failed: p.failed, latency: [...p.latency], memory: { ...p.memory } });
      s.rings[i] = ring;
      s.sort(i);
      s.newest[i] = [...(s.rings[i] as Map<number, Point>).keys()].pop();
    });
    return s;
  }
}
