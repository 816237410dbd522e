import { CliError } from '../../context.js';
import { keyValues } from '../../format.js';
import type { DynoPolicyView } from '../../../services/core/api.js';
import { formatDuration } from '../../../services/core/durations.js';

// ps:autosleep and ps:lifetime: their arguments as PATCH /apps/:app/dyno-policy
// takes them (DynoPolicyUpdate), and the policy as text. The API checks the
// durations (1m to 30d) and the process types; its message is printed as is.

/** A duration as the CLI writes it (core/durations.ts: the same text the platform's log lines use). */
export const durationText = formatDuration;

/** A duration argument: `off`, `default` (null: back to the default), else the text as typed (`30m`, `6h`, `90`). */
export function parseDurationArg(arg: string): string | null {
  const t = arg.trim();
  if (t === '') throw new CliError('Give a duration (30m, 6h, 1d), "off" or "default"');
  const word = t.toLowerCase();
  if (word === 'default') return null;
  return word === 'off' ? 'off' : t;
}

/** --keep-awake's value: `worker,clock` (spaces allowed), `none` for no process type. */
export function parseKeepAwakeArg(arg: string): string[] {
  if (arg.trim().toLowerCase() === 'none') return [];
  const types = arg
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  if (types.length === 0)
    throw new CliError('--keep-awake takes process types separated by commas (worker,clock), or "none"');
  return types;
}

/** `after 30m of no web traffic (default for eco)`, `after 1h of no web traffic`, `off`. */
export function autosleepText(p: Pick<DynoPolicyView, 'autosleep_s' | 'autosleep_default'>): string {
  if (p.autosleep_s > 0)
    return `after ${durationText(p.autosleep_s)} of no web traffic${p.autosleep_default ? ' (default for eco)' : ''}`;
  return p.autosleep_default ? 'off (default: only eco dynos sleep)' : 'off';
}

/** `worker, clock` or `none`. */
export function keepAwakeText(p: Pick<DynoPolicyView, 'keep_awake'>): string {
  return p.keep_awake.length ? p.keep_awake.join(', ') : 'none';
}

/** `24h plus up to 3h36m per dyno (default)`, `6h`, `off (dynos are never cycled)`. */
export function lifetimeText(
  p: Pick<DynoPolicyView, 'lifetime_s' | 'default_lifetime_s' | 'lifetime_jitter_s'>,
): string {
  if (p.lifetime_s === null)
    return `${durationText(p.default_lifetime_s)} plus up to ${durationText(p.lifetime_jitter_s)} per dyno (default)`;
  return p.lifetime_s === 0 ? 'off (dynos are never cycled)' : durationText(p.lifetime_s);
}

/** ps:autosleep's block: `Autosleep:  after 30m of no web traffic (default for eco)` and `Keep awake:  worker`. */
export function autosleepBlock(p: DynoPolicyView): string {
  return keyValues([
    ['Autosleep', autosleepText(p)],
    ['Keep awake', keepAwakeText(p)],
  ]);
}

/** ps:lifetime's line: `Lifetime:  6h`. */
export function lifetimeBlock(p: DynoPolicyView): string {
  return keyValues([['Lifetime', lifetimeText(p)]]);
}
