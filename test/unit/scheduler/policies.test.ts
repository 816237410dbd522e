import { describe, expect, it } from 'vitest';
import { lowerScore, policyNamed, POLICIES, SCORE_KEYS, type HostLoad } from '../../../services/scheduler/policies.js';

// The placement policies alone: each a score function chosen by name.

const host = (over: Partial<HostLoad> = {}): HostLoad => ({
  memoryMb: 1000,
  cpuShares: 1000,
  memoryUsed: 0,
  cpuUsed: 0,
  containers: 0,
  siblings: 0,
  reservePenalty: 0,
  ...over,
});
const score = (name: (typeof POLICIES)[number], h: HostLoad, r = { memoryMb: 100, cpuShares: 300 }) => {
  const key = new Float64Array(SCORE_KEYS);
  policyNamed(name).score(h, r, key);
  return [...key];
};

describe('placement policies', () => {
  it('balanced: siblings, load now (the fuller resource) plus the reserve penalty, then sum and max after placing', () => {
    expect(score('balanced', host({ siblings: 2, memoryUsed: 500, cpuUsed: 200, reservePenalty: 0.25 }))).toEqual([
      2,
      0.75,
      0.6 + 0.5,
      0.6,
    ]);
    expect(policyNamed('balanced').reserves).toBe(true);
  });

  it('least-containers: the number of containers only', () => {
    expect(score('least-containers', host({ containers: 7, siblings: 3, memoryUsed: 900 }))).toEqual([7, 0, 0, 0]);
    expect(policyNamed('least-containers').reserves).toBe(false);
  });

  it('are chosen by name; an unknown name throws', () => {
    expect(POLICIES).toEqual(['balanced', 'least-containers']);
    expect(() => policyNamed('random' as never)).toThrow(/unknown placement policy "random"/);
  });

  it('compare scores key by key, strictly', () => {
    const k = (...xs: number[]) => Float64Array.from(xs);
    expect(lowerScore(k(0, 5), k(1, 0))).toBe(true);
    expect(lowerScore(k(1, 0), k(1, 0))).toBe(false);
    expect(lowerScore(k(1, 0.5), k(1, 0.6))).toBe(true);
    expect(lowerScore(k(Number.NaN, 0), k(1, 1))).toBe(false);
  });
});
