import { parseInventory, type InventoryEntry } from '../core/inventory.js';
import type Docker from 'dockerode';
import type { Counter } from 'prom-client';
import { apiFetch } from '../core/apiurls.js';
import { keptReleaseImages } from '../core/images.js';
import type { Logger } from '../core/logger.js';
import type { ServiceMetrics } from '../core/metrics.js';

// The clean-up of app images on an engine no builder uses (several hosts:
// each its own engine, the images it runs fetched from a builder, images.ts).
// The builder removes old images from its own engine (builder/cleanup); what
// an agent fetched to another engine stays there, release after release,
// unless the agent removes it. The same retention as the builder's: an app
// keeps the images of its newest PAAS_KEEP_RELEASE_IMAGES releases (core/
// images.ts, one rule for both), a destroyed app keeps none, and an image a
// container uses (running or not) is never removed. A pass (at start, then
// every interval): the engine's images of the cluster's apps FIRST, then the
// controller's GET /internal/apps (what exists: an image fetched after the
// listing is not removed, and a release made before its fetch is in the
// answer). Any failure skips the pass: nothing is removed on doubt. Never on
// the builder's own engine (PAAS_AGENT_IMAGE_CLEANUP, off by default): a build
// in progress there has an image with no release yet, which only the builder
// knows about.

export interface EngineImage {
  id: string;
  /** "repo:tag" references; empty for an untagged image (one fetched by id). */
  tags: string[];
  /** The paas.app label (the app that built it). */
  app: string;
}

/**
 * The references to remove from the engine (a tag, or the id of an image with no tag left to remove): those no
 * existing app keeps among its newest `keep` releases' images, that no container uses. An image kept by its id keeps
 * all its tags. Pure.
 */
export function imageRemovals(
  local: readonly EngineImage[],
  apps: readonly InventoryEntry[],
  keep: number,
  inUse: ReadonlySet<string>,
): string[] {
  const kept = new Set(apps.flatMap((a) => (a.releases ? keptReleaseImages(a.releases, keep) : a.images)));
  const out: string[] = [];
  for (const img of local) {
    if (inUse.has(img.id) || kept.has(img.id) || img.tags.some((t) => inUse.has(t))) continue;
    if (img.tags.length === 0) out.push(img.id);
    else out.push(...img.tags.filter((t) => !kept.has(t)));
  }
  return out.sort();
}

export interface ImageCleanupDeps {
  docker: Docker;
  cluster: string;
  apiUrl: string;
  internalToken: string;
  /** Images of the newest N releases of each app kept (PAAS_KEEP_RELEASE_IMAGES). */
  keepReleaseImages: number;
  log: Logger;
  metrics?: ServiceMetrics;
}

export class ImageCleanup {
  private readonly removed: Counter | undefined;

  constructor(private readonly d: ImageCleanupDeps) {
    this.removed = d.metrics?.counter(
      'paas_agent_images_removed_total',
      "App image references removed from this host's engine (old releases', destroyed apps')",
    );
  }

  /** The engine's images of the cluster's apps. */
  async local(): Promise<EngineImage[]> {
    const listed = await this.d.docker.listImages({
      filters: JSON.stringify({ label: [`paas.cluster=${this.d.cluster}`, 'paas.app'] }),
    });
    return listed
      .map((i) => ({
        id: i.Id,
        tags: (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>'),
        app: i.Labels?.['paas.app'] ?? '',
      }))
      .filter((i) => i.app !== '');
  }

  /** What exists (the controller's GET /internal/apps); undefined when it cannot say. */
  async apps(): Promise<InventoryEntry[] | undefined> {
    try {
      const res = await apiFetch(this.d.apiUrl, '/internal/apps', {
        headers: { authorization: `Bearer ${this.d.internalToken}` },
        signal: AbortSignal.timeout(10_000),
      });
      if (res.status !== 200) {
        await res.body?.cancel().catch(() => undefined);
        return undefined;
      }
      return parseInventory(await res.json());
    } catch {
      return undefined;
    }
  }

  /** One pass; the references it removed. */
  async once(): Promise<string[]> {
    const local = await this.local();
    if (local.length === 0) return [];
    const apps = await this.apps();
    if (!apps) {
      this.d.log.warn('cannot read the apps from the controller: no image removed this pass');
      return [];
    }
    const containers = await this.d.docker.listContainers({ all: true });
    const inUse = new Set(
      containers.flatMap((c) => [c.Image, c.ImageID]).filter((x): x is string => typeof x === 'string' && x !== ''),
    );
    const done: string[] = [];
    for (const ref of imageRemovals(local, apps, this.d.keepReleaseImages, inUse)) {
      try {
        await this.d.docker.getImage(ref).remove();
        done.push(ref);
      } catch (err) {
        // a container made since the listing uses it, or it went with another tag: the next pass looks again
        this.d.log.warn({ image: ref, err: (err as Error).message }, 'cannot remove image yet');
      }
    }
    if (done.length > 0) {
      this.removed?.inc(done.length);
      this.d.log.info({ images: done }, "removed old releases' and destroyed apps' images from this engine");
    }
    return done;
  }

  /** Runs a pass now and every `intervalMs`; returns a function that stops it (waiting for a pass in progress). */
  start(intervalMs: number): () => Promise<void> {
    let running: Promise<void> | undefined;
    const pass = () => {
      if (running) return;
      running = this.once()
        .then(() => undefined)
        .catch((err: unknown) => this.d.log.error({ err }, 'image clean-up pass failed'))
        .finally(() => (running = undefined));
    };
    pass();
    const timer = setInterval(pass, intervalMs);
    return async () => {
      clearInterval(timer);
      await running;
    };
  }
}
