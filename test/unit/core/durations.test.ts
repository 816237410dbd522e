import { describe, expect, it } from 'vitest';
import { PaasError } from '../../../services/core/errors.js';
import {
  DYNO_DURATION_RANGE,
  durationSeconds,
  formatDuration,
  parseDurationSetting,
} from '../../../services/core/durations.js';

describe('durationSeconds', () => {
  it('reads s, m, h, d, their sums, and a bare number as seconds', () => {
    expect(durationSeconds('90s')).toBe(90);
    expect(durationSeconds('30m')).toBe(1800);
    expect(durationSeconds('6h')).toBe(21600);
    expect(durationSeconds('1d')).toBe(86400);
    expect(durationSeconds('1h30m')).toBe(5400);
    expect(durationSeconds('1d2h3m4s')).toBe(86400 + 7200 + 180 + 4);
    expect(durationSeconds('3600')).toBe(3600);
    expect(durationSeconds(' 30M ')).toBe(1800);
    expect(durationSeconds('0s')).toBe(0);
  });

  it.each(['', 'abc', '1ms', '-5m', '10y', '1.5h', '12.5', '1 h', 'h', '30m ago', '1e3'])('refuses %j', (t) => {
    expect(durationSeconds(t)).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it('writes whole units, largest first, days from two days up, and 0s for nothing', () => {
    expect(formatDuration(5400)).toBe('1h30m');
    expect(formatDuration(1800)).toBe('30m');
    expect(formatDuration(45)).toBe('45s');
    expect(formatDuration(2 * 86400)).toBe('2d');
    expect(formatDuration(216 * 60)).toBe('3h36m');
    expect(formatDuration(86400 + 61)).toBe('24h1m1s'); // days from two days up, as Heroku writes 24h
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(-3)).toBe('0s');
  });

  it('reads back what it writes', () => {
    for (const s of [60, 61, 3599, 3600, 86399, 86400, 30 * 86400]) expect(durationSeconds(formatDuration(s))).toBe(s);
  });
});

describe('parseDurationSetting', () => {
  const message = (value: unknown) => {
    try {
      parseDurationSetting('autosleep', value);
    } catch (e) {
      expect(e).toBeInstanceOf(PaasError);
      expect((e as PaasError).code).toBe('invalid_params');
      return (e as PaasError).message;
    }
    throw new Error(`accepted ${JSON.stringify(value)}`);
  };

  it('takes text or whole seconds within 1 minute to 30 days; off or 0 is 0', () => {
    expect(DYNO_DURATION_RANGE).toEqual({ minS: 60, maxS: 30 * 86400 });
    expect(parseDurationSetting('autosleep', '30m')).toBe(1800);
    expect(parseDurationSetting('autosleep', '1m')).toBe(60);
    expect(parseDurationSetting('autosleep', '30d')).toBe(30 * 86400);
    expect(parseDurationSetting('autosleep', 3600)).toBe(3600);
    expect(parseDurationSetting('autosleep', '3600')).toBe(3600);
    expect(parseDurationSetting('autosleep', 'off')).toBe(0);
    expect(parseDurationSetting('autosleep', 0)).toBe(0);
  });

  it.each(['1ms', '-5m', 'abc', '10y', 12.5, -60, '', true, null, {}, ['30m'], 'OFF ish', Infinity, Number.NaN])(
    'refuses %j naming the accepted range',
    (value) => {
      expect(message(value)).toBe(
        `Invalid autosleep ${JSON.stringify(value)}: expected a duration from 1m to 30d (e.g. 30m, 6h, 1d) or "off"`,
      );
    },
  );

  it.each(['0s', '59s', 59, '30d1s', 30 * 86400 + 1, '31d', 1e12])('refuses %j as out of range', (value) => {
    expect(message(value)).toBe(
      `Autosleep ${JSON.stringify(value)} is out of range: expected a duration from 1m to 30d (e.g. 30m, 6h, 1d) or "off"`,
    );
  });

  it('takes another range', () => {
    expect(parseDurationSetting('timeout', '5s', { minS: 1, maxS: 10 })).toBe(5);
    expect(() => parseDurationSetting('timeout', '11s', { minS: 1, maxS: 10 })).toThrow(/from 1s to 10s/);
  });
});
