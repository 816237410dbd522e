import { invalid } from './errors.js';

// Durations as people type them: `90s`, `30m`, `6h`, `1d`, `1h30m`; a bare
// number is seconds. Pure.

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Seconds of a duration text, or undefined when it is not one (garbage, empty, a fraction of a second, negative). */
export function durationSeconds(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (/^\d{1,9}$/.test(t)) return Number(t);
  if (!/^(\d{1,9}[smhd])+$/.test(t)) return undefined;
  let total = 0;
  for (const m of t.matchAll(/(\d+)([smhd])/g)) total += Number(m[1]) * (UNITS[m[2]!] ?? 0);
  return total;
}

/** `1h30m`, `30m`, `45s`, `24h`, `2d`: whole units, largest first; days from two days up (Heroku writes `24h`). */
export function formatDuration(seconds: number): string {
  if (seconds <= 0) return '0s';
  let rest = Math.round(seconds);
  let out = '';
  for (const [unit, n] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (rest >= n && (unit !== 'd' || rest >= 2 * n)) {
      out += `${Math.floor(rest / n)}${unit}`;
      rest %= n;
    }
  }
  return out;
}

export interface DurationRange {
  minS: number;
  maxS: number;
}

/** The accepted range of `ps:autosleep` and `ps:lifetime`. */
export const DYNO_DURATION_RANGE: DurationRange = { minS: 60, maxS: 30 * 86400 };

/**
 * A duration setting as given (text, or a number of seconds): `off` (or 0) is 0, else seconds within the range; a
 * 422 naming the accepted range otherwise.
 */
export function parseDurationSetting(what: string, value: unknown, range: DurationRange = DYNO_DURATION_RANGE): number {
  const accepted = `a duration from ${formatDuration(range.minS)} to ${formatDuration(range.maxS)} (e.g. 30m, 6h, 1d) or "off"`;
  if (value === 'off' || value === 0) return 0;
  const s =
    typeof value === 'number' && Number.isInteger(value) && value > 0
      ? value
      : typeof value === 'string'
        ? durationSeconds(value)
        : undefined;
  if (s === undefined) throw invalid(`Invalid ${what} ${JSON.stringify(value)}: expected ${accepted}`);
  if (s < range.minS || s > range.maxS)
    throw invalid(
      `${what.charAt(0).toUpperCase()}${what.slice(1)} ${JSON.stringify(value)} is out of range: expected ${accepted}`,
    );
  return s;
}
