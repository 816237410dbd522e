import { access, constants as fsc } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { chooseBuildpacks, entryLabel, type BuildpackSource } from '../../core/buildpacks.js';
import { CONFIG_KEY } from '../../core/names.js';
import { fetchBuildpack, FetchError, type RemoteFetch } from './bpfetch.js';
import type { Mount } from './docker.js';
import { DRIVER_EXIT } from './driver.js';
import { info, topic, type Output } from '../output.js';

// Which buildpacks one build runs (core/buildpacks.ts decides), fetched and
// mounted read-only at /buildpacks/<i> of the build container; the driver
// copies each to a writable folder before running it (a buildpack writes its
// `export` file into its own folder).

export class BuildpackFailure extends Error {
  override name = 'BuildpackFailure';
}

export interface BuildpackSettings {
  buildpacksDir: string;
  /** Ours, in detection order (those missing from buildpacksDir are skipped). */
  buildpacks: string[];
  buildpacksCacheDir: string;
  buildpacksAllowFile: boolean;
}

export interface BuildpackPlan {
  source: BuildpackSource;
  /** detect: the first that detects runs; all: every one, in order. */
  mode: 'detect' | 'all';
  labels: string[];
  mounts: Mount[];
}

export interface PlanInput {
  appBuildpacks: readonly string[];
  config: Readonly<Record<string, string>>;
  dotBuildpacks: string | undefined;
  out: Output;
  signal: AbortSignal;
  /** How http(s) buildpacks are fetched: from inside a container (bpfetch.ts). */
  remote?: RemoteFetch;
}

export async function planBuildpacks(s: BuildpackSettings, input: PlanInput): Promise<BuildpackPlan> {
  const installed: string[] = [];
  for (const name of s.buildpacks) if (await exists(join(s.buildpacksDir, name, 'bin', 'detect'))) installed.push(name);
  const choice = chooseBuildpacks({
    app: input.appBuildpacks,
    buildpackUrl: input.config.BUILDPACK_URL,
    dotBuildpacks: input.dotBuildpacks,
    defaults: installed,
    allowFile: s.buildpacksAllowFile,
  });
  if (!choice.ok) throw new BuildpackFailure(choice.message);
  const { source, entries } = choice.value;
  const labels: string[] = [];
  const mounts: Mount[] = [];
  for (const [i, e] of entries.entries()) {
    const label = entryLabel(e);
    let dir: string;
    if (e.kind === 'builtin') {
      dir = join(s.buildpacksDir, e.name);
    } else {
      topic(input.out, `Fetching buildpack ${label}`);
      const started = Date.now();
      try {
        dir = await fetchBuildpack(e, {
          cacheRoot: s.buildpacksCacheDir,
          signal: input.signal,
          ...(input.remote && { remote: input.remote }),
        });
      } catch (err) {
        if (err instanceof FetchError)
          throw new BuildpackFailure(`Could not fetch the buildpack ${label}: ${err.message}`);
        throw err;
      }
      info(input.out, `ready (${((Date.now() - started) / 1000).toFixed(1)}s)`);
    }
    labels.push(label);
    mounts.push({ source: dir, target: `/buildpacks/${i}`, readOnly: true });
  }
  if (source !== 'detect')
    topic(input.out, `Using buildpacks from ${source === 'app' ? 'the app' : source}: ${labels.join(', ')}`);
  return { source, mode: source === 'detect' ? 'detect' : 'all', labels, mounts };
}

/** The arguments after `bash -c DRIVER`. */
export function driverArgs(plan: BuildpackPlan): string[] {
  return ['paas-build', plan.mode, String(plan.labels.length)];
}

/** The failure message of a driver exit, naming the buildpack concerned (`current`: the index the driver wrote). */
export function buildpackFailure(code: number, plan: BuildpackPlan, current: number | undefined): string | undefined {
  const which = current !== undefined ? plan.labels[current] : undefined;
  switch (code) {
    case DRIVER_EXIT.noMatch:
      return `No default language could be detected for this app. Tried: ${plan.labels.join(', ') || '(no buildpacks installed)'}. Choose one with \`paas buildpacks:set NAME_OR_URL\`, a BUILDPACK_URL config var or a .buildpacks file.`;
    case DRIVER_EXIT.notCompatible:
      return `App not compatible with buildpack: ${which ?? '?'} (its bin/detect failed)`;
    case DRIVER_EXIT.compileFailed:
      return `Failed to compile app with buildpack ${which ?? '?'} (see the output above)`;
    case DRIVER_EXIT.releaseFailed:
      return `The bin/release of buildpack ${which ?? '?'} failed`;
    case DRIVER_EXIT.badBuildpack:
      return `The buildpack ${which ?? '?'} has no executable bin/compile`;
    default:
      return undefined;
  }
}

/**
 * `config_vars` of the release YAML of each buildpack that ran (later ones
 * win): defaults for config vars the app has not set. Invalid names and
 * non-scalar values are skipped; pure.
 */
export function releaseConfigVars(yamls: readonly string[]): Record<string, string> {
  const out = new Map<string, string>();
  for (const text of yamls) {
    let doc: unknown;
    try {
      doc = parseYaml(text);
    } catch {
      continue; // the process types step reports invalid YAML
    }
    const vars = typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>).config_vars : undefined;
    if (typeof vars !== 'object' || vars === null || Array.isArray(vars)) continue;
    for (const [k, v] of Object.entries(vars)) {
      if (!CONFIG_KEY.test(k) || k === 'PORT' || k === 'DYNO' || k.startsWith('PAAS_')) continue;
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out.set(k, String(v));
    }
  }
  return Object.fromEntries(out);
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path, fsc.F_OK);
    return true;
  } catch {
    return false;
  }
}
