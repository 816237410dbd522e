import { CliError } from '../../context.js';
import type { DynoView } from '../../../services/core/api.js';

// Pure parts of `paas run` and of the one-off section of `paas ps`.

/** `--env "KEY=V;KEY2=V2"` (Heroku's form) -> {KEY: 'V', KEY2: 'V2'}. */
export function parseEnvFlag(raw: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (raw === undefined) return out;
  for (const part of raw.split(';')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    const key = eq > 0 ? part.slice(0, eq).trim() : '';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
      throw new CliError(`Invalid --env ${JSON.stringify(part)}: use KEY=value;KEY2=value2`);
    out[key] = part.slice(eq + 1);
  }
  return out;
}

/**
 * The words after `paas run` as one command line: words with spaces or shell characters are quoted for the remote bash.
 */
export function commandLine(words: readonly string[]): string {
  if (words.length === 0) throw new CliError('Usage: paas run [-a APP] -- COMMAND [ARGS...], e.g. paas run bash');
  if (words.length === 1) return words[0] as string; // given as one string: `paas run "ls -la | wc -l"`
  return words.map((w) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** A control frame of the attach protocol (JSON text). */
export function resizeFrame(cols: number, rows: number): string {
  return JSON.stringify({ resize: { cols, rows } });
}

/** The exit code in an agent's `{"exit": N}` frame; undefined for other frames. */
export function exitOf(text: string): number | undefined {
  try {
    const v = JSON.parse(text) as { exit?: unknown };
    return typeof v.exit === 'number' && Number.isInteger(v.exit) ? v.exit : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Heroku's one-off section of ps: `=== run: one-off processes (1)` then
 * `run.1234 (standard-1x): up 2026/11/24 20:01:02 (~ 5s ago): bash`.
 */
export function oneOffText(
  dynos: readonly Pick<DynoView, 'name' | 'type' | 'state' | 'size' | 'command' | 'updated_at'>[],
  when: (iso: string) => string,
): string {
  const runs = dynos.filter((d) => d.type === 'run');
  if (runs.length === 0) return '';
  return [
    `=== run: one-off processes (${runs.length})`,
    ...runs.map((d) => `${d.name} (${d.size}): ${d.state} ${when(d.updated_at)}: ${d.command}`),
  ].join('\n');
}
