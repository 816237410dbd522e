import { invalid } from './errors.js';

// Validation of host tags and of an app's required tags (its pool), as they
// come through the API (`paas hosts:tag`, `paas apps:pool`). Pure.
//
//   key    1-63 characters: lowercase letters, digits, '.', '_', '-'; starts with a letter or digit
//   value  1-63 characters: letters, digits, '.', '_', '-'
//   at most MAX_TAGS tags in one set or change

export const TAG_KEY = /^[a-z0-9][a-z0-9._-]{0,62}$/;
export const TAG_VALUE = /^[A-Za-z0-9._-]{1,63}$/;
export const MAX_TAGS = 32;

const KEY_RULE = 'use 1 to 63 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit';
const VALUE_RULE = 'use 1 to 63 letters, digits, ".", "_" or "-"';

export function tagKeyProblem(key: string): string | undefined {
  return TAG_KEY.test(key) ? undefined : `Invalid tag key ${JSON.stringify(key)}: ${KEY_RULE}`;
}

function checkValue(key: string, value: unknown): string {
  if (typeof value !== 'string' || !TAG_VALUE.test(value))
    throw invalid(`Invalid value ${JSON.stringify(value)} for tag ${key}: ${VALUE_RULE}`);
  return value;
}

function entriesOf(value: unknown, what: string, example: string): [string, unknown][] {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalid(`${what} must be an object of tag key -> value, e.g. ${example}`);
  const entries = Object.entries(value);
  if (entries.length > MAX_TAGS) throw invalid(`Too many tags (${entries.length}); the limit is ${MAX_TAGS}`);
  for (const [k] of entries) {
    const problem = tagKeyProblem(k);
    if (problem) throw invalid(problem);
  }
  return entries;
}

/** A required tag set ({pool: "high"}): every value a string; `{}` is allowed (no requirement). */
export function parseTagSet(value: unknown, what = 'pool'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of entriesOf(value, what, '{"pool": "high"}')) out[k] = checkValue(k, v);
  return out;
}

/** A change of a host's tags: a value sets the tag, null removes it; at least one entry. */
export function parseTagChanges(value: unknown, what = 'tags'): Record<string, string | null> {
  const entries = entriesOf(value, what, '{"pool": "high", "ssd": null}');
  if (entries.length === 0)
    throw invalid(`Nothing to change: give ${what} as {"key": "value"} to set a tag or {"key": null} to remove one`);
  const out: Record<string, string | null> = {};
  for (const [k, v] of entries) out[k] = v === null ? null : checkValue(k, v);
  return out;
}
