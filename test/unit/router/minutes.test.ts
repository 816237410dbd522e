import { describe, expect, it } from 'vitest';
import { minuteSamples, readingOf } from '../../../services/router/minutes.js';
import type { RequestMetrics } from '../../../services/router/metrics.js';

const metrics = (apps: Record<string, Record<string, number>>): RequestMetrics => ({
  lost: 0,
  series: Object.entries(apps).map(([app, v]) => ({ app, processType: 'web', values: new Map(Object.entries(v)) })),
});
const T = 1_796_000_400;

describe('minuteSamples', () => {
  it('sends what grew since the last reading: ok, failed (5xx, a dyno’s or nginx’s), the latency buckets', () => {
    const first = readingOf(metrics({ shop: { s2: 10, d1: 10 }, blog: { s2: 3, d2: 3 } }));
    expect(minuteSamples(undefined, first, T)).toEqual([]); // a baseline only
    const second = readingOf(metrics({ shop: { s2: 15, s4: 2, s5: 1, o5: 1, d1: 14, d3: 5 }, blog: { s2: 3, d2: 3 } }));
    const [shop, ...rest] = minuteSamples(first, second, T);
    expect(rest).toEqual([]); // blog had no request
    expect(shop).toMatchObject({ app: 'shop', t: T, ok: 7, failed: 2 });
    expect(shop?.latency?.slice(0, 4)).toEqual([4, 0, 5, 0]);
    expect(shop?.latency).toHaveLength(12);
  });

  it('takes a count that went back (nginx restarted) whole, and an app new since the last reading whole', () => {
    const before = readingOf(metrics({ shop: { s2: 100, d1: 100 } }));
    const after = readingOf(metrics({ shop: { s2: 4, d1: 4 }, fresh: { s3: 2, d5: 2 } }));
    const out = minuteSamples(before, after, T);
    expect(out.find((s) => s.app === 'shop')).toMatchObject({ ok: 4 });
    expect(out.find((s) => s.app === 'fresh')).toMatchObject({ ok: 2, failed: 0 });
  });

  it('sends nothing for the dashboard (a platform site, no app)', () => {
    const before = readingOf(metrics({ dashboard: { s2: 1, d1: 1 }, shop: { s2: 1, d1: 1 } }));
    const after = readingOf(metrics({ dashboard: { s2: 50, d1: 50 }, shop: { s2: 2, d1: 2 } }));
    expect(minuteSamples(before, after, T).map((s) => s.app)).toEqual(['shop']);
  });
});
