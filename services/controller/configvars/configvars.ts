import { invalid } from '../../core/errors.js';
import { CONFIG_KEY } from '../../core/names.js';
import type { App, Release, User } from '../../core/types.js';
import type { Deps } from '../deps.js';
import { compareStrings } from '../../core/compare.js';

// Config vars: GET the latest release's config; PATCH {KEY: "value" | null}
// makes release vN+1 with the merged config (null removes a key). The
// validation and the merge are pure; the write is Store.createRelease's
// compare-and-swap, and a refused change is thrown before anything is written.

export type ConfigVars = Record<string, string>;
/** A validated PATCH body: a value sets the key, null removes it. */
export type ConfigPatch = ReadonlyMap<string, string | null>;

export const LIMITS = {
  /** Bytes (UTF-8) of one value. */
  valueBytes: 32 * 1024,
  /** Bytes (UTF-8) of all keys and values together. */
  totalBytes: 64 * 1024,
  keys: 500,
} as const;

/** Keys the platform sets in every container; an app may not set or unset them. */
export const RESERVED_KEYS: readonly string[] = ['PORT', 'DYNO'];
export const RESERVED_PREFIX = 'PAAS_';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
const quote = (key: string) => JSON.stringify(key.length > 60 ? key.slice(0, 60) + '...' : key);

/** Why `key` may not be used as a config var name, or undefined if it may. */
export function keyProblem(key: string): string | undefined {
  if (!CONFIG_KEY.test(key))
    return `Invalid config var name ${quote(key)}: use letters, digits and underscores, not starting with a digit`;
  if (RESERVED_KEYS.includes(key)) return `${key} is set by the platform and cannot be changed`;
  if (key.startsWith(RESERVED_PREFIX))
    return `${key}: names starting with ${RESERVED_PREFIX} are reserved for the platform`;
  return undefined;
}

/** Validates a PATCH body; pure. Throws invalid_params naming the first bad key. */
export function parseConfigPatch(body: Record<string, unknown>): ConfigPatch {
  const entries = Object.entries(body);
  if (entries.length === 0)
    throw invalid('No config vars given: send {"KEY": "value"} to set a var, {"KEY": null} to remove one');
  if (entries.length > LIMITS.keys)
    throw invalid(`Too many config vars in one change (${entries.length}); the limit is ${LIMITS.keys}`);
  const patch = new Map<string, string | null>();
  for (const [key, value] of entries) {
    const problem = keyProblem(key);
    if (problem) throw invalid(problem);
    if (value !== null && typeof value !== 'string')
      throw invalid(
        `The value of ${key} must be a string (or null to remove it), not ${Array.isArray(value) ? 'an array' : typeof value}`,
      );
    if (value !== null && bytes(value) > LIMITS.valueBytes) {
      throw invalid(`The value of ${key} is ${bytes(value)} bytes; the limit is ${LIMITS.valueBytes} bytes (32 KiB)`);
    }
    patch.set(key, value);
  }
  return patch;
}

export interface ConfigChange {
  config: ConfigVars;
  /** Keys whose value is new or different, sorted. */
  set: string[];
  /** Keys that existed and are removed, sorted. */
  removed: string[];
}

/**
 * The config after the patch, keys sorted, and what really changed; pure. Builds with fromEntries, so a key like
 * __proto__ is plain data.
 */
export function applyConfigPatch(current: Readonly<ConfigVars>, patch: ConfigPatch): ConfigChange {
  const merged = new Map(Object.entries(current));
  const set: string[] = [];
  const removed: string[] = [];
  for (const [key, value] of patch) {
    if (value === null) {
      if (merged.delete(key)) removed.push(key);
    } else if (merged.get(key) !== value) {
      merged.set(key, value);
      set.push(key);
    }
  }
  const config = Object.fromEntries([...merged].sort(([a], [b]) => compareStrings(a, b)));
  return { config, set: set.sort(compareStrings), removed: removed.sort(compareStrings) };
}

/** Throws invalid_params if the whole config is over a limit; pure. */
export function checkConfigLimits(config: Readonly<ConfigVars>): void {
  const keys = Object.keys(config);
  if (keys.length > LIMITS.keys)
    throw invalid(`An app can have at most ${LIMITS.keys} config vars; this change would make ${keys.length}`);
  const total = keys.reduce((n, k) => n + bytes(k) + bytes(config[k] ?? ''), 0);
  if (total > LIMITS.totalBytes)
    throw invalid(
      `The config would be ${total} bytes; the limit is ${LIMITS.totalBytes} bytes (64 KiB) for all keys and values`,
    );
}

/** "FOO", "FOO, BAR", or "FOO, BAR and 12 more" once the list passes `max` characters. */
function keyList(keys: readonly string[], max = 200): string {
  const shown: string[] = [];
  let len = 0;
  for (const k of keys) {
    if (shown.length > 0 && len + k.length > max) return `${shown.join(', ')} and ${keys.length - shown.length} more`;
    shown.push(k);
    len += k.length + 2;
  }
  return shown.join(', ');
}

const vars = (keys: readonly string[]) => `config var${keys.length === 1 ? '' : 's'}`;

/** Heroku's release description of a config change: "Set FOO, BAR config vars", "Remove FOO config var", or both. */
export function configDescription(set: readonly string[], removed: readonly string[]): string {
  const parts: string[] = [];
  if (set.length > 0) parts.push(`Set ${keyList(set)} ${vars(set)}`);
  if (removed.length > 0) parts.push(`${parts.length ? 'remove' : 'Remove'} ${keyList(removed)} ${vars(removed)}`);
  return parts.join(' and ');
}

/** The config of the app's latest release; {} when it has none. */
export async function configOf(deps: Deps, app: App): Promise<ConfigVars> {
  return (await deps.store.latestRelease(app.name))?.config ?? {};
}

/** How a config change's release is described and who made it (configRelease). */
export interface ConfigReleaseOptions {
  user: User;
  /** The release's description; absent: Heroku's "Set FOO config var" (configDescription). */
  description?: string;
  /** Make the release even when no var changes (an add-on detached whose vars were unset by hand); absent: refuse. */
  evenUnchanged?: boolean;
}

/**
 * Release vN+1's body with the patched config: the image, process types and commit of vN ('' image when there was
 * none). Pure; throws before anything is written when nothing changes (unless evenUnchanged) or a limit is passed.
 * config:set, and add-ons' attach and detach (controller/addons), make their releases with it.
 */
export function configRelease(
  previous: Release | undefined,
  patch: ConfigPatch,
  opts: ConfigReleaseOptions,
): Omit<Release, 'version' | 'app'> {
  const change = applyConfigPatch(previous?.config ?? {}, patch);
  if (change.set.length === 0 && change.removed.length === 0 && !opts.evenUnchanged) {
    throw invalid(`No config vars changed: ${keyList([...patch.keys()])} already as requested`);
  }
  checkConfigLimits(change.config);
  return {
    image: previous?.image ?? '',
    config: change.config,
    processTypes: { ...(previous?.processTypes ?? {}) },
    ...(previous?.healthcheck && { healthcheck: { ...previous.healthcheck } }),
    description: opts.description ?? configDescription(change.set, change.removed),
    ...(previous?.commit && { commit: previous.commit }),
    ...(previous?.buildId && { buildId: previous.buildId }),
    createdBy: opts.user.id,
    createdAt: new Date().toISOString(),
  };
}

/**
 * Release vN+1 with the patched config (configRelease). The merge runs inside the compare-and-swap loop against the
 * release it really follows, so concurrent changes all land.
 */
export async function setConfigVars(deps: Deps, app: App, user: User, patch: ConfigPatch): Promise<Release> {
  const release = await deps.store.createRelease(app.name, (_version, previous) =>
    configRelease(previous, patch, { user }),
  );
  deps.metrics?.released('config');
  return release;
}
