import { describe, expect, it } from 'vitest';
import { minuteOf, onStepEnds } from '../../../services/core/metricpost.js';

describe('minuteOf', () => {
  it('is the start of the minute, in epoch seconds', () => {
    expect(minuteOf(Date.parse('2026-12-07T14:05:59.999Z'))).toBe(Date.parse('2026-12-07T14:05:00Z') / 1000);
  });
});

describe('onStepEnds', () => {
  it('ticks just after each step ends, with that step', async () => {
    const starts: number[] = [];
    const at: number[] = [];
    const stop = onStepEnds(
      100,
      (start) => {
        starts.push(start);
        at.push(Date.now());
      },
      10,
    );
    await new Promise((r) => setTimeout(r, 700));
    stop();
    const n = starts.length;
    expect(n).toBeGreaterThanOrEqual(3);
    for (let i = 0; i < n; i++) {
      expect((starts[i] as number) % 100).toBe(0);
      // the tick comes after its step ended (timers may be late on a busy machine, never early)
      expect(at[i] as number).toBeGreaterThanOrEqual((starts[i] as number) + 100);
      if (i > 0) expect(starts[i] as number).toBeGreaterThan(starts[i - 1] as number);
    }
    await new Promise((r) => setTimeout(r, 150));
    expect(starts).toHaveLength(n); // stopped
  });
});
