import { parseInventory, type InventoryEntry } from '../../core/inventory.js';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { apiFetch } from '../../core/apiurls.js';
import type { Logger } from '../../core/logger.js';
import { isAppName } from '../../core/names.js';
import { keptReleaseImages } from '../../core/images.js';
import type { BuildDisks } from '../build/disks.js';

// The builder's clean-up of destroyed apps: their bare repositories, build
// caches and app images. A reconcile loop (at start, then every interval):
// list what is on disk and in Docker FIRST, then ask the controller which
// apps exist (GET /internal/apps), and remove what belongs to none. Reading
// the controller last means a repo made for an app created meanwhile is seen
// with its app. Any failure skips the pass; nothing is removed on doubt.

export interface LocalImage {
  id: string;
  /** "repo:tag" references; empty for an untagged image. */
  tags: string[];
  /** The paas.app label. */
  app: string;
  /** The paas.build label ('' when absent). */
  build?: string;
}

export interface LocalState {
  repos: string[]; // app names with $STATE/repos/<app>.git
  caches: string[]; // app names with $STATE/cache/<app>
  images: LocalImage[];
}

/** What, beyond destroyed apps, the plan removes: app images older than the last N releases'. */
export interface KeepRules {
  /** Distinct images of the newest releases kept per app (PAAS_KEEP_RELEASE_IMAGES). */
  releases: number;
  /** Image ids and references containers use (running or not). */
  inUse: ReadonlySet<string>;
  /** Builds in progress: their images have no release yet. */
  activeBuilds: ReadonlySet<string>;
}

export interface Removals {
  repos: string[];
  caches: string[];
  /** Image references (a tag, or the id of an untagged image) to remove. */
  images: string[];
}

/**
 * What to remove: repos and caches of apps that do not exist; app images of
 * apps that do not exist, unless a release still names them (a renamed app
 * keeps running the images built under its old name). With keep rules, an
 * image (whichever app built it, existing or not) stays while it is among
 * the kept images (core/images.ts: of its newest releases, up to N distinct)
 * of ANY existing app, or a container uses it, or its build is in progress:
 * after a slug deploy or a pipeline promotion, releases of several apps name
 * one image, and each of them keeps it. Pure.
 */
export function cleanupPlan(local: LocalState, inventory: readonly InventoryEntry[], keep?: KeepRules): Removals {
  const apps = new Set(inventory.map((a) => a.name));
  // with keep rules, an app that reports its releases keeps only its recent images; others keep all
  const pruned = new Set(keep ? inventory.filter((a) => a.releases !== undefined).map((a) => a.name) : []);
  // one set across apps: an image another app's kept release names stays
  const used = new Set(
    inventory.flatMap((a) => (keep && a.releases ? keptReleaseImages(a.releases, keep.releases) : a.images)),
  );
  const images: string[] = [];
  for (const img of local.images) {
    if (apps.has(img.app) && (!pruned.has(img.app) || img.tags.length === 0)) continue;
    if (
      keep &&
      (keep.inUse.has(img.id) ||
        img.tags.some((t) => keep.inUse.has(t)) ||
        (img.build && keep.activeBuilds.has(img.build)))
    )
      continue;
    if (img.tags.length === 0) images.push(img.id);
    else images.push(...img.tags.filter((t) => !used.has(t)));
  }
  return {
    repos: local.repos.filter((a) => !apps.has(a)).sort(),
    caches: local.caches.filter((a) => !apps.has(a)).sort(),
    images: images.sort(),
  };
}

export interface CleanupDeps {
  reposDir: string;
  cacheDir: string;
  cluster: string;
  docker: Docker;
  /** The controller's GET /internal/apps (undefined when it cannot answer). */
  inventory(): Promise<InventoryEntry[] | undefined>;
  log: Logger;
  /** Keep only the images of the last N releases of each app (absent: keep every image of an existing app). */
  keepReleaseImages?: number;
  /** Ids of the builds in progress (their images are kept). */
  activeBuilds?: ReadonlySet<string>;
  /** Ids of the builds in progress on every builder (applock.ts: several builders share one engine). */
  allActiveBuilds?: () => Promise<Iterable<string>>;
  /** The apps' cache filesystems (disks.ts), deleted with their caches. */
  disks?: Pick<BuildDisks, 'removeCache'>;
}

async function appDirs(dir: string, suffix: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith(suffix))
    .map((n) => n.slice(0, n.length - suffix.length))
    .filter(isAppName);
}

export async function readLocalState(
  deps: Pick<CleanupDeps, 'reposDir' | 'cacheDir' | 'cluster' | 'docker'>,
): Promise<LocalState> {
  const listed = await deps.docker.listImages({
    filters: JSON.stringify({ label: [`paas.cluster=${deps.cluster}`, 'paas.app'] }),
  });
  const images = listed
    .map((i) => ({
      id: i.Id,
      tags: (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>'),
      app: i.Labels?.['paas.app'] ?? '',
      build: i.Labels?.['paas.build'] ?? '',
    }))
    .filter((i) => i.app !== '');
  return { repos: await appDirs(deps.reposDir, '.git'), caches: await appDirs(deps.cacheDir, ''), images };
}

/** One pass; returns what it removed. */
export async function cleanupOnce(deps: CleanupDeps): Promise<Removals> {
  const local = await readLocalState(deps);
  const inventory = await deps.inventory();
  const none: Removals = { repos: [], caches: [], images: [] };
  if (!inventory) return none;
  const plan = cleanupPlan(local, inventory, await keepRules(deps));
  const done: Removals = { repos: [], caches: [], images: [] };
  for (const app of plan.repos) {
    await rm(join(deps.reposDir, `${app}.git`), { recursive: true, force: true });
    done.repos.push(app);
  }
  for (const app of plan.caches) {
    await deps.disks?.removeCache(app, join(deps.cacheDir, app));
    await rm(join(deps.cacheDir, app), { recursive: true, force: true });
    done.caches.push(app);
  }
  for (const ref of plan.images) {
    try {
      await deps.docker.getImage(ref).remove();
      done.images.push(ref);
    } catch (err) {
      // still used by a container the agent has not removed yet: next pass
      deps.log.warn({ image: ref, err: (err as Error).message }, 'cannot remove image yet');
    }
  }
  if (done.repos.length + done.caches.length + done.images.length > 0)
    deps.log.info(done, 'removed what destroyed apps and old releases left');
  return done;
}

/**
 * Read after the inventory: a build that ends after this has its release in the inventory; one still going is in
 * activeBuilds.
 */
async function keepRules(deps: CleanupDeps): Promise<KeepRules | undefined> {
  if (deps.keepReleaseImages === undefined) return undefined;
  const active = new Set(deps.activeBuilds ?? []);
  // another builder's build in progress: its image has no release yet either (an unreadable list removes nothing)
  if (deps.allActiveBuilds) for (const id of await deps.allActiveBuilds()) active.add(id);
  const containers = await deps.docker.listContainers({ all: true });
  const inUse = new Set(
    containers.flatMap((c) => [c.Image, c.ImageID]).filter((x): x is string => typeof x === 'string' && x !== ''),
  );
  return { releases: deps.keepReleaseImages, inUse, activeBuilds: active };
}

/** GET /internal/apps of the controller; undefined on any failure. */
export function controllerInventory(
  apiUrl: string,
  token: string,
  timeoutMs = 10_000,
): () => Promise<InventoryEntry[] | undefined> {
  return async () => {
    try {
      const res = await apiFetch(apiUrl, '/internal/apps', {
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (res.status !== 200) return undefined;
      return parseInventory(await res.json());
    } catch {
      return undefined;
    }
  };
}

/** Runs a pass now and every `intervalMs`; returns a function that stops it (waiting for a pass in progress). */
export function startCleanup(deps: CleanupDeps, intervalMs: number): () => Promise<void> {
  let running: Promise<void> | undefined;
  const pass = () => {
    if (running) return;
    running = cleanupOnce(deps)
      .then(() => undefined)
      .catch((err: unknown) => deps.log.error({ err }, 'clean-up pass failed'))
      .finally(() => (running = undefined));
  };
  pass();
  const timer = setInterval(pass, intervalMs);
  return async () => {
    clearInterval(timer);
    await running;
  };
}
