import { describe, expect, it } from 'vitest';
import {
  backoffDelayMs,
  dockerTime,
  historyFromInstance,
  restartDecision,
  type BackoffPolicy,
} from '../../../services/agent/backoff.js';

const p: BackoffPolicy = { baseMs: 2000, maxMs: 300_000, resetAfterMs: 600_000 };
const t0 = Date.parse('2026-01-01T00:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

describe('backoffDelayMs', () => {
  it('doubles from the base per restart, up to the cap', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => backoffDelayMs(n, p))).toEqual([
      2000, 4000, 8000, 16000, 32000, 64000, 128000, 256000, 300000, 300000,
    ]);
    expect(backoffDelayMs(1000, p)).toBe(300_000);
    expect(backoffDelayMs(-3, p)).toBe(2000);
    expect(backoffDelayMs(5, { ...p, baseMs: 0 })).toBe(0);
  });
});

describe('restartDecision', () => {
  it("waits the streak's delay from the exit, and counts the restart", () => {
    const exit = { startedAt: iso(t0), finishedAt: iso(t0 + 1000) };
    expect(restartDecision(0, exit, t0 + 1000, p)).toEqual({ waitMs: 2000, delayMs: 2000, streak: 1 });
    expect(restartDecision(3, exit, t0 + 1000, p)).toEqual({ waitMs: 16000, delayMs: 16000, streak: 4 });
    expect(restartDecision(3, exit, t0 + 10_000, p)).toEqual({ waitMs: 7000, delayMs: 16000, streak: 4 });
    expect(restartDecision(3, exit, t0 + 60_000, p).waitMs).toBe(0);
  });

  it('gives the same answer on every pass until the restart', () => {
    const exit = { startedAt: iso(t0), finishedAt: iso(t0 + 500) };
    const a = restartDecision(2, exit, t0 + 600, p);
    const b = restartDecision(2, exit, t0 + 700, p);
    expect(a.streak).toBe(b.streak);
    expect(a.waitMs - b.waitMs).toBe(100);
  });

  it('starts from the base again when the container ran long enough before exiting', () => {
    const longRun = { startedAt: iso(t0), finishedAt: iso(t0 + 600_000) };
    expect(restartDecision(7, longRun, t0 + 600_000, p)).toEqual({ waitMs: 2000, delayMs: 2000, streak: 1 });
    const shortRun = { startedAt: iso(t0), finishedAt: iso(t0 + 599_999) };
    expect(restartDecision(7, shortRun, t0 + 599_999, p).delayMs).toBe(256_000);
  });

  it('restarts at once when Docker has no exit time (created, never started)', () => {
    expect(
      restartDecision(4, { startedAt: '0001-01-01T00:00:00Z', finishedAt: '0001-01-01T00:00:00Z' }, t0, p),
    ).toMatchObject({ waitMs: 0, streak: 5 });
    expect(restartDecision(0, {}, t0, p)).toMatchObject({ waitMs: 0, streak: 1 });
  });
});

describe('crash history', () => {
  it('is read back from the instance record of the same container only', () => {
    const inst = { containerId: 'c1', restarts: 4, backoff: 2, exitCode: 3, lastExitAt: iso(t0) };
    expect(historyFromInstance(inst, 'c1')).toEqual({ restarts: 4, backoff: 2, exitCode: 3, lastExitAt: iso(t0) });
    expect(historyFromInstance(inst, 'c2')).toEqual({ restarts: 0, backoff: 0 });
    expect(historyFromInstance(undefined, 'c1')).toEqual({ restarts: 0, backoff: 0 });
    expect(historyFromInstance({ containerId: 'c1' }, 'c1')).toEqual({ restarts: 0, backoff: 0 });
  });

  it("drops Docker's zero time", () => {
    expect(dockerTime('0001-01-01T00:00:00Z')).toBeUndefined();
    expect(dockerTime('')).toBeUndefined();
    expect(dockerTime('2026-01-01T00:00:01.123456789Z')).toBe('2026-01-01T00:00:01.123Z');
  });
});
