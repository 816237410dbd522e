import { parse as parseYaml } from 'yaml';
import { PROCESS_TYPE } from '../../core/names.js';
import { parseProcfile } from '../../core/procfile.js';
import type { ProcessTypes } from '../../core/types.js';

// Which processes a build runs: the buildpack's `bin/release` YAML gives
// default_process_types; a Procfile in the app overrides them per type.

export type Outcome<T> = { ok: true; value: T } | { ok: false; message: string };

export function parseReleaseYaml(text: string): Outcome<ProcessTypes> {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    return { ok: false, message: `bin/release printed invalid YAML: ${(err as Error).message.split('\n')[0]}` };
  }
  if (doc === null || doc === undefined) return { ok: true, value: {} };
  if (typeof doc !== 'object' || Array.isArray(doc))
    return { ok: false, message: 'bin/release must print a YAML mapping' };
  const defaults = (doc as Record<string, unknown>).default_process_types;
  if (defaults === undefined || defaults === null) return { ok: true, value: {} };
  if (typeof defaults !== 'object' || Array.isArray(defaults))
    return { ok: false, message: 'default_process_types must be a mapping' };
  const out: ProcessTypes = {};
  for (const [type, command] of Object.entries(defaults as Record<string, unknown>)) {
    if (!PROCESS_TYPE.test(type))
      return { ok: false, message: `bin/release: invalid process type ${JSON.stringify(type.slice(0, 40))}` };
    if (typeof command !== 'string' || command.trim() === '')
      return { ok: false, message: `bin/release: process type "${type}" has no command` };
    out[type] = command.trim();
  }
  return { ok: true, value: out };
}

/** Procfile text (undefined when the app has none) over the buildpack's defaults. */
export function resolveProcessTypes(input: {
  releaseYaml: string;
  procfile: string | undefined;
}): Outcome<ProcessTypes> {
  const defaults = parseReleaseYaml(input.releaseYaml);
  if (!defaults.ok) return defaults;
  if (input.procfile === undefined) return defaults;
  const proc = parseProcfile(input.procfile);
  if (!proc.ok)
    return { ok: false, message: `Procfile: ${proc.errors.map((e) => `line ${e.line}: ${e.message}`).join('; ')}` };
  return { ok: true, value: { ...defaults.value, ...proc.processTypes } };
}

/** "Default types for buildpack -> web" as Heroku prints it. */
export function describeProcessTypes(types: ProcessTypes): string {
  const names = Object.keys(types);
  return names.length ? names.join(', ') : '(none)';
}
