import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type Docker from 'dockerode';
import type { Logger } from '../core/logger.js';
import { isAppName } from '../core/names.js';

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
}

export interface LocalState {
  repos: string[]; // app names with $STATE/repos/<app>.git
  caches: string[]; // app names with $STATE/cache/<app>
  images: LocalImage[];
}

export interface InventoryEntry {
  name: string;
  images: string[];
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
 * keeps running the images built under its old name). Pure.
 */
export function cleanupPlan(local: LocalState, inventory: readonly InventoryEntry[]): Removals {
  const apps = new Set(inventory.map((a) => a.name));
  const used = new Set(inventory.flatMap((a) => a.images));
  const images: string[] = [];
  for (const img of local.images) {
    if (apps.has(img.app)) continue;
    if (img.tags.length === 0) images.push(img.id);
    else images.push(...img.tags.filter((t) => !used.has(t)));
  }
  return {
    repos: local.repos.filter((a) => !apps.has(a)).sort(),
    caches: local.caches.filter((a) => !apps.has(a)).sort(),
    images: images.sort(),
  };
}

/** A well-formed inventory, or undefined (then nothing is removed). */
export function parseInventory(body: unknown): InventoryEntry[] | undefined {
  if (!Array.isArray(body)) return undefined;
  const out: InventoryEntry[] = [];
  for (const e of body) {
    if (typeof e !== 'object' || e === null) return undefined;
    const { name, images } = e as { name?: unknown; images?: unknown };
    if (typeof name !== 'string' || !Array.isArray(images) || !images.every((i) => typeof i === 'string')) return undefined;
    out.push({ name, images: images as string[] });
  }
  return out;
}

export interface CleanupDeps {
  reposDir: string;
  cacheDir: string;
  cluster: string;
  docker: Docker;
  /** The controller's GET /internal/apps (undefined when it cannot answer). */
  inventory(): Promise<InventoryEntry[] | undefined>;
  log: Logger;
}

async function appDirs(dir: string, suffix: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  return names.filter((n) => n.endsWith(suffix)).map((n) => n.slice(0, n.length - suffix.length)).filter(isAppName);
}

export async function readLocalState(deps: Pick<CleanupDeps, 'reposDir' | 'cacheDir' | 'cluster' | 'docker'>): Promise<LocalState> {
  const listed = await deps.docker.listImages({ filters: JSON.stringify({ label: [`paas.cluster=${deps.cluster}`, 'paas.app'] }) });
  const images = listed
    .map((i) => ({ id: i.Id, tags: (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>'), app: i.Labels?.['paas.app'] ?? '' }))
    .filter((i) => i.app !== '');
  return { repos: await appDirs(deps.reposDir, '.git'), caches: await appDirs(deps.cacheDir, ''), images };
}

/** One pass; returns what it removed. */
export async function cleanupOnce(deps: CleanupDeps): Promise<Removals> {
  const local = await readLocalState(deps);
  const inventory = await deps.inventory();
  const none: Removals = { repos: [], caches: [], images: [] };
  if (!inventory) return none;
  const plan = cleanupPlan(local, inventory);
  const done: Removals = { repos: [], caches: [], images: [] };
  for (const app of plan.repos) {
    await rm(join(deps.reposDir, `${app}.git`), { recursive: true, force: true });
    done.repos.push(app);
  }
  for (const app of plan.caches) {
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
  if (done.repos.length + done.caches.length + done.images.length > 0) deps.log.info(done, 'removed what destroyed apps left');
  return done;
}

/** GET /internal/apps of the controller; undefined on any failure. */
export function controllerInventory(apiUrl: string, token: string, timeoutMs = 10_000): () => Promise<InventoryEntry[] | undefined> {
  return async () => {
    try {
      const res = await fetch(`${apiUrl}/internal/apps`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(timeoutMs) });
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
