import { describe, expect, it } from 'vitest';
import {
  AppSeries,
  isMinuteSample,
  LATENCY_BUCKETS_S,
  latencyQuantile,
  RANGES,
  RESOLUTIONS,
} from '../../../services/core/metricseries.js';

const T0 = 1_796_000_400; // a multiple of 3600
const buckets = (at: Record<number, number>) =>
  Array.from({ length: LATENCY_BUCKETS_S.length + 1 }, (_, i) => at[i] ?? 0);

describe('latencyQuantile', () => {
  it("interpolates inside the bucket as Prometheus' histogram_quantile does", () => {
    // 100 requests in (0.01, 0.025]
    expect(latencyQuantile(buckets({ 2: 100 }), 0.5)).toBeCloseTo(0.0175);
    // 90 fast, 10 slow: p50 among the fast, p99 among the slow
    const c = buckets({ 0: 90, 6: 10 });
    expect(latencyQuantile(c, 0.5)).toBeCloseTo(0.005 * (50 / 90));
    expect(latencyQuantile(c, 0.99)).toBeCloseTo(0.25 + 0.25 * (9 / 10));
    expect(latencyQuantile(buckets({}), 0.5)).toBeUndefined();
    // above the largest bound: that bound
    expect(latencyQuantile(buckets({ 11: 5 }), 0.99)).toBe(10);
  });
});

describe('isMinuteSample', () => {
  it('takes what routers and agents send, and refuses the rest', () => {
    expect(isMinuteSample({ t: T0, ok: 3, failed: 1, latency: buckets({ 1: 4 }) })).toBe(true);
    expect(isMinuteSample({ t: T0, memory: { 'web.1': 1e8, 'worker.2': 5e7 } })).toBe(true);
    for (const bad of [
      null,
      { t: T0 + 1 },
      { t: 'x' },
      { t: T0, ok: -1 },
      { t: T0, latency: [1, 2] },
      { t: T0, memory: { 'Web 1': 5 } },
      { t: T0, failed: Number.NaN },
    ])
      expect(isMinuteSample(bad)).toBe(false);
  });
});

describe('AppSeries', () => {
  it('adds up samples of a minute (several routers), and serves a range with zeros where nothing came', () => {
    const s = new AppSeries();
    s.add({ t: T0, ok: 5, failed: 1, latency: buckets({ 1: 6 }), memory: { 'web.1': 100 } });
    s.add({ t: T0, ok: 2, latency: buckets({ 3: 2 }), memory: { 'web.1': 300, 'web.2': 50 } });
    s.add({ t: T0 + 120, ok: 1, latency: buckets({ 0: 1 }) });
    const { stepS, points } = s.read(RANGES['1h'] as number, T0 + 150);
    expect(stepS).toBe(60);
    expect(points).toHaveLength(60);
    expect(points.at(-1)?.t).toBe(T0 + 120);
    expect(points.at(-1)?.ok).toBe(1);
    expect(points.at(-2)).toMatchObject({ t: T0 + 60, ok: 0, failed: 0 });
    expect(points.at(-3)).toMatchObject({ t: T0, ok: 7, failed: 1, memory: { 'web.1': 300, 'web.2': 50 } });
    expect(points.at(-3)?.latency).toEqual(buckets({ 1: 6, 3: 2 }));
  });

  it('reads 24 h at 10 minutes and 7 days at an hour, each step the exact merge of its minutes', () => {
    const s = new AppSeries();
    for (let m = 0; m < 60; m++) s.add({ t: T0 + m * 60, ok: 1, latency: buckets({ [m % 2 ? 0 : 8]: 1 }) });
    const day = s.read(RANGES['24h'] as number, T0 + 3599);
    expect(day.stepS).toBe(600);
    expect(day.points).toHaveLength(144);
    expect(day.points.slice(-6).map((p) => p.ok)).toEqual([10, 10, 10, 10, 10, 10]);
    const week = s.read(RANGES['7d'] as number, T0 + 3599);
    expect(week.stepS).toBe(3600);
    expect(week.points).toHaveLength(168);
    expect(week.points.at(-1)).toMatchObject({ t: T0, ok: 60 });
    expect(week.points.at(-1)?.latency).toEqual(buckets({ 0: 30, 8: 30 }));
  });

  it('keeps only each resolution’s window, takes a late sample in order, and drops one too old', () => {
    const s = new AppSeries();
    const minutes = RESOLUTIONS[0]?.keep as number;
    for (let m = 0; m < minutes + 10; m++) s.add({ t: T0 + m * 60, ok: 1 });
    const json = s.toJSON();
    expect(json[0]).toHaveLength(minutes);
    expect(json[0]?.[0]?.t).toBe(T0 + 10 * 60);
    s.add({ t: T0 + 5 * 60, ok: 1 }); // older than the minute ring: only coarser rings take it
    expect(s.toJSON()[0]?.[0]?.t).toBe(T0 + 10 * 60);
    const late = new AppSeries();
    late.add({ t: T0 + 120, ok: 1 });
    late.add({ t: T0 + 60, ok: 2 });
    expect(late.toJSON()[0]?.map((p) => p.t)).toEqual([T0 + 60, T0 + 120]);
  });

  it('comes back whole from its JSON, and ignores what is not a point', () => {
    const s = new AppSeries();
    s.add({ t: T0, ok: 4, failed: 2, latency: buckets({ 2: 6 }), memory: { 'web.1': 7 } });
    const back = AppSeries.fromJSON(JSON.parse(JSON.stringify(s)));
    expect(back.read(3600, T0 + 59)).toEqual(s.read(3600, T0 + 59));
    expect(AppSeries.fromJSON('garbage').read(60, T0).points[0]?.ok).toBe(0);
    expect(AppSeries.fromJSON([[{ t: T0, ok: -5 }]]).read(60, T0).points[0]?.ok).toBe(0);
  });
});
