import { describe, expect, it } from 'vitest';
import {
  autosleepSeconds,
  DEFAULT_LIFETIME_S,
  ECO_AUTOSLEEP_S,
  LIFETIME_JITTER_S,
  lifetimeSeconds,
  sleepsWithApp,
  unitHash,
} from '../../../services/core/dynopolicy.js';

describe('autosleepSeconds', () => {
  it('is 30 minutes for an eco web process by default, never for other sizes', () => {
    expect(ECO_AUTOSLEEP_S).toBe(1800);
    expect(autosleepSeconds({}, { web: { quantity: 1, size: 'eco' } })).toBe(1800);
    expect(autosleepSeconds({}, { web: { quantity: 1, size: 'Eco' } })).toBe(1800);
    expect(autosleepSeconds({}, { web: { quantity: 1, size: 'standard-1x' } })).toBe(0);
    expect(autosleepSeconds({}, { worker: { quantity: 1, size: 'eco' } })).toBe(0);
    expect(autosleepSeconds({}, {})).toBe(0);
  });

  it("is the app's own setting when it has one, 0 included", () => {
    expect(autosleepSeconds({ autosleepS: 3600 }, { web: { quantity: 1, size: 'standard-1x' } })).toBe(3600);
    expect(autosleepSeconds({ autosleepS: 0 }, { web: { quantity: 1, size: 'eco' } })).toBe(0);
  });
});

describe('sleepsWithApp', () => {
  it('puts web to sleep always, other types unless kept awake', () => {
    expect(sleepsWithApp({}, 'web')).toBe(true);
    expect(sleepsWithApp({}, 'worker')).toBe(true);
    expect(sleepsWithApp({ keepAwake: ['worker'] }, 'worker')).toBe(false);
    expect(sleepsWithApp({ keepAwake: ['worker'] }, 'clock')).toBe(true);
    expect(sleepsWithApp({ keepAwake: ['web'] }, 'web')).toBe(true);
  });
});

describe('lifetimeSeconds', () => {
  it('is 24 h plus a share of 216 minutes of its own per dyno by default, the same every time', () => {
    expect(DEFAULT_LIFETIME_S).toBe(86400);
    expect(LIFETIME_JITTER_S).toBe(216 * 60);
    const ids = Array.from({ length: 50 }, (_, i) => `shop.web.${i + 1}.v3`);
    const lives = ids.map((id) => lifetimeSeconds({}, id));
    for (const s of lives) {
      expect(s).toBeGreaterThanOrEqual(DEFAULT_LIFETIME_S);
      expect(s).toBeLessThan(DEFAULT_LIFETIME_S + LIFETIME_JITTER_S);
    }
    expect(new Set(lives).size).toBeGreaterThan(40); // spread, not all together
    expect(ids.map((id) => lifetimeSeconds({}, id))).toEqual(lives);
  });

  it('is exact when the app sets it; 0 is never', () => {
    expect(lifetimeSeconds({ lifetimeS: 6 * 3600 }, 'shop.web.1.v3')).toBe(21600);
    expect(lifetimeSeconds({ lifetimeS: 0 }, 'shop.web.1.v3')).toBe(0);
  });

  it('hashes into [0, 1)', () => {
    for (const t of ['', 'a', 'shop.web.1.v1', 'x'.repeat(1000)]) {
      expect(unitHash(t)).toBeGreaterThanOrEqual(0);
      expect(unitHash(t)).toBeLessThan(1);
    }
    expect(unitHash('a')).not.toBe(unitHash('b'));
  });
});
