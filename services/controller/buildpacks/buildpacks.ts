import {
  buildpackView,
  DEFAULT_BUILDPACKS,
  entryLabel,
  MAX_BUILDPACKS,
  parseBuildpackEntry,
} from '../../core/buildpacks.js';
import { invalid } from '../../core/errors.js';
import { CONFIG_KEY } from '../../core/names.js';
import { keyProblem, LIMITS } from '../configvars/configvars.js';
import type { Deps } from '../deps.js';

// The app's own buildpack list, Heroku's buildpack-installations:
//   GET /apps/:app/buildpack-installations -> [{ordinal, buildpack: {url, name}}]
//   PUT /apps/:app/buildpack-installations {updates: [{buildpack}]} replaces it
// stored at /buildpacks/<app> as string[] (an empty list deletes the key: the
// builder detects). The API refuses file:// URLs; see core/buildpacks.ts.

export interface BuildpackInstallation {
  ordinal: number;
  buildpack: { url: string; name: string };
}

export function installationsView(list: readonly string[]): BuildpackInstallation[] {
  return list.map((text, ordinal) => ({ ordinal, buildpack: buildpackView(text) }));
}

/** Validates PUT's body into the list to store (our aliases mapped to our names); pure. */
export function parseInstallationsUpdate(body: Record<string, unknown>): string[] {
  const { updates } = body;
  if (!Array.isArray(updates)) throw invalid('updates must be an array of {"buildpack": "name or URL"}');
  if (updates.length > MAX_BUILDPACKS)
    throw invalid(`Too many buildpacks (${updates.length}); the limit is ${MAX_BUILDPACKS}`);
  const out: string[] = [];
  for (const u of updates as unknown[]) {
    const text = typeof u === 'object' && u !== null ? (u as { buildpack?: unknown }).buildpack : undefined;
    if (typeof text !== 'string') throw invalid('Each update must be {"buildpack": "name or URL"}');
    const e = parseBuildpackEntry(text, { builtins: DEFAULT_BUILDPACKS, allowFile: false });
    if (!e.ok) throw invalid(e.message);
    const label = entryLabel(e.value);
    if (out.includes(label)) throw invalid(`The buildpack ${label} is listed twice`);
    out.push(label);
  }
  return out;
}

export async function appBuildpacks(deps: Deps, app: string): Promise<string[]> {
  const list = await deps.store.get<string[]>(deps.store.keys.buildpacks(app));
  return Array.isArray(list) ? list.filter((x) => typeof x === 'string') : [];
}

/**
 * Replaces the list in one transaction that compares the app record (a rename or destroy racing it wins, and this
 * retries).
 */
export async function setBuildpacks(deps: Deps, name: string, list: readonly string[]): Promise<string[]> {
  const { store } = deps;
  const key = store.keys.buildpacks(name);
  await store.transact(
    async (tx) => {
      await tx.readApp(name);
      if (list.length) tx.put(key, list);
      else tx.delete(key);
    },
    { conflict: `Too many concurrent changes to ${name}; try again` },
  );
  return [...list];
}

/**
 * The builder's `configDefaults` (bin/release's config_vars): validated as
 * config vars; they are applied only for keys the app has not set; pure.
 */
export function parseConfigDefaults(value: unknown): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value))
    throw invalid('configDefaults must be an object of KEY -> value');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    const problem = keyProblem(k);
    if (problem || !CONFIG_KEY.test(k)) throw invalid(`configDefaults: ${problem ?? k}`);
    if (typeof v !== 'string' || Buffer.byteLength(v) > LIMITS.valueBytes)
      throw invalid(`configDefaults: the value of ${k} must be a string of at most 32 KiB`);
    out[k] = v;
  }
  return Object.keys(out).length ? out : undefined;
}

/** The config with the defaults added where a key is missing; pure. */
export function withConfigDefaults(
  config: Readonly<Record<string, string>>,
  defaults: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  const out = new Map(Object.entries(config));
  for (const [k, v] of Object.entries(defaults ?? {})) if (!out.has(k)) out.set(k, v);
  return Object.fromEntries(out);
}
