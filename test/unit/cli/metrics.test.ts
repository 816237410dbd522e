import { describe, expect, it } from 'vitest';
import { durationText, memoryText, metricsText } from '../../../cli/commands/metrics/index.js';
import { pointView } from '../../../services/controller/metrics/store.js';
import { LATENCY_BUCKETS_S } from '../../../services/core/metricseries.js';

describe('paas metrics', () => {
  it('prints durations and memory for people', () => {
    expect(durationText(null)).toBe('-');
    expect(durationText(4.2)).toBe('4.2 ms');
    expect(durationText(1234)).toBe('1.2 s');
    expect(memoryText({})).toBe('-');
    expect(memoryText({ 'web.2': 98 * 2 ** 20, 'web.1': 120 * 2 ** 20 })).toBe('web.1 120 MB, web.2 98 MB');
  });

  it('prints a row a step, newest last, with the day past an hour step', () => {
    const t = Date.parse('2026-12-07T14:05:00Z') / 1000;
    const latency = Array.from({ length: LATENCY_BUCKETS_S.length + 1 }, (_, i) => (i === 0 ? 10 : 0));
    const point = pointView({ t, ok: 10, failed: 1, latency, memory: { 'web.1': 64 * 2 ** 20 } });
    expect(point).toMatchObject({ requests_ok: 10, requests_failed: 1, p50_ms: 2.5, p99_ms: 5 });
    const text = metricsText({ app: 'shop', range: '1h', step_s: 60, points: [point] });
    expect(text.split('\n')).toEqual([
      '=== shop Metrics (last 1h, a row per 1 min, UTC)',
      'TIME   OK  FAILED  P50     P95     P99   MEMORY',
      '─────  ──  ──────  ──────  ──────  ────  ───────────',
      '14:05  10  1       2.5 ms  4.8 ms  5 ms  web.1 64 MB',
    ]);
    const week = metricsText({ app: 'shop', range: '7d', step_s: 3600, points: [point] });
    expect(week).toContain('a row per 1 h');
    expect(week).toContain('12/07 14:05');
  });
});
