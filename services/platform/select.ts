import { ConfigError } from '../core/config.js';

// Which of the platform's services one process runs: all of them on one
// machine (scripts/up, PAAS_PROCESSES=one), or those named on the command line
// (`node dist/services/platform/main.js agent router` on a docker host of
// several). Pure.

/** The services to run, in `known`'s order; no names: all. An unknown or repeated name is refused. */
export function selectServices(args: readonly string[], known: readonly string[]): string[] {
  if (args.length === 0) return [...known];
  const seen = new Set<string>();
  for (const a of args) {
    if (!known.includes(a)) throw new ConfigError(`no service ${JSON.stringify(a)}: one of ${known.join(', ')}`);
    if (seen.has(a)) throw new ConfigError(`service ${a} named twice`);
    seen.add(a);
  }
  return known.filter((k) => seen.has(k));
}
