import { describe, expect, it } from 'vitest';
import { flags, median, parseFlags, percentile, rng, round } from '../../../bench/common.js';

describe('parseFlags', () => {
  it('reads known flags; a repeated flag collects its values', () => {
    const f = parseFlags(['--app', 'web', '--cmd', 'a b', '--cmd', 'c'], ['app', 'cmd']);
    expect(Object.fromEntries(f)).toEqual({ app: ['web'], cmd: ['a b', 'c'] });
  });

  it('takes booleans bare', () => {
    expect(Object.fromEntries(parseFlags(['--dry', '--app', 'web'], ['app'], ['dry']))).toEqual({
      dry: ['true'],
      app: ['web'],
    });
  });

  it('refuses an unknown flag, a bare word and a missing value', () => {
    expect(() => parseFlags(['--bogus', '1'], ['app'])).toThrow('unknown option "--bogus"');
    expect(() => parseFlags(['app'], ['app'])).toThrow('unknown option "app"');
    expect(() => parseFlags(['--app'], ['app'])).toThrow('--app needs a value');
    expect(() => parseFlags(['--app', '--runs', '3'], ['app', 'runs'])).toThrow('--app needs a value');
  });
});

describe('flags', () => {
  const usage = 'usage: bench --app NAME [--runs N]';
  const bench = (...argv: string[]) => flags(argv, usage, ['app', 'runs', 'rate']);

  it('gives the last value, defaults, and whole numbers', () => {
    const f = bench('--app', 'a', '--app', 'b', '--runs', '7');
    expect([f.required('app'), f.int('runs', 3, 1), f.int('rate', 5), f.positive('rate', 0.5), f.all('rate')]).toEqual([
      'b',
      7,
      5,
      0.5,
      [],
    ]);
  });

  it('ends every error with the usage line', () => {
    expect(() => bench('--bogus', '1')).toThrow(`unknown option "--bogus"\n${usage}`);
    expect(() => bench().required('app')).toThrow(`--app is required\n${usage}`);
    expect(() => bench('--runs', '0').int('runs', 3, 1)).toThrow(
      `--runs must be a whole number of at least 1\n${usage}`,
    );
    expect(() => bench('--runs', '1.5').int('runs', 3)).toThrow(`--runs must be a whole number\n${usage}`);
    expect(() => bench('--rate', '-1').positive('rate', 1)).toThrow(`--rate must be a positive number\n${usage}`);
  });
});

describe('statistics', () => {
  it('median: the middle value, or the mean of the middle two', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('percentile by nearest rank', () => {
    const xs = [10, 1, 9, 2, 8, 3, 7, 4, 6, 5];
    expect([
      percentile(xs, 0),
      percentile(xs, 50),
      percentile(xs, 90),
      percentile(xs, 99),
      percentile(xs, 100),
    ]).toEqual([1, 5, 9, 10, 10]);
    expect(percentile([], 50)).toBeNaN();
  });

  it('round to digits', () => {
    expect([round(1.23456), round(1.23456, 3), round(1234.5, 0)]).toEqual([1.23, 1.235, 1235]);
  });

  it('rng: the same sequence for the same seed, in [0, 1)', () => {
    const [a, b, c] = [rng(42), rng(42), rng(43)];
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(c()).not.toBe(xs[0]);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});
