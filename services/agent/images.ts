import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import type { Counter, Histogram } from 'prom-client';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { imagePath, type ImageServerRecord } from '../core/imageservers.js';
import type { Logger } from '../core/logger.js';
import type { ServiceMetrics } from '../core/metrics.js';

// Images for an engine that did not build them (several hosts: each its own
// Docker engine). Before a container is made, the agent makes sure its
// engine has the assignment's image; when it has not, it fetches it from a
// builder that serves its engine's images (builder/imageserver.ts, found in
// etcd under /image-servers/) and loads it (`docker load`). One fetch per
// image at a time, however many containers want it: the others wait for it.
// A failure (no builder has it, the stream broke, the load failed) fails the
// container's create, reported as any other (containers.ts). Counted as
// paas_agent_image_fetches_total{result} (fetched, failed) and
// paas_agent_image_fetch_seconds.

/** The outcome of `docker load`'s answer (JSON lines of {stream} or {error, errorDetail}). Pure. */
export function loadOutcome(text: string): { loaded: string[]; error?: string } {
  const loaded: string[] = [];
  let error: string | undefined;
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t) continue;
    let o: { stream?: string; error?: string; errorDetail?: { message?: string } };
    try {
      o = JSON.parse(t) as typeof o;
    } catch {
      continue;
    }
    if (o.error || o.errorDetail?.message) error ??= o.errorDetail?.message ?? o.error;
    const m = /^Loaded image(?: ID)?: (\S+)/.exec(o.stream?.trim() ?? '');
    if (m) loaded.push(m[1] as string);
  }
  return error === undefined ? { loaded } : { loaded, error };
}

/** A tag reference's repository and tag (`repo:tag`, the tag `latest` when none); undefined for an id or a digest. Pure. */
export function tagParts(ref: string): { repo: string; tag: string } | undefined {
  if (ref.startsWith('sha256:') || ref.includes('@')) return undefined;
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) return { repo: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { repo: ref, tag: 'latest' };
}

/** The servers to try, the one that last answered first, then by name (a stable order). Pure. */
export function serverOrder(servers: readonly ImageServerRecord[], lastGood?: string): ImageServerRecord[] {
  return [...servers].sort(
    (a, b) =>
      Number(b.name === lastGood) - Number(a.name === lastGood) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
}

/** Runs one `work` per key at a time: a caller that asks while one runs gets its promise. */
export class SingleFlight<T> {
  private readonly running = new Map<string, Promise<T>>();

  run(key: string, work: () => Promise<T>): Promise<T> {
    const now = this.running.get(key);
    if (now) return now;
    const p = work().finally(() => this.running.delete(key));
    this.running.set(key, p);
    return p;
  }

  /** Keys whose work runs now. */
  size(): number {
    return this.running.size;
  }
}

export interface ImageFetcherDeps {
  docker: Docker;
  /** The builders serving images now (their records under /image-servers/). */
  servers(): Promise<ImageServerRecord[]>;
  internalToken: string;
  log: Logger;
  metrics?: ServiceMetrics;
  /** The longest a fetch and load may take (ms). */
  timeoutMs?: number;
}

const statusOf = (err: unknown): number | undefined => (err as { statusCode?: number }).statusCode;

export class ImageFetcher {
  private readonly flights = new SingleFlight<'present' | 'fetched'>();
  private lastGood: string | undefined;
  private readonly fetches: Counter<'result'> | undefined;
  private readonly seconds: Histogram | undefined;

  constructor(private readonly d: ImageFetcherDeps) {
    this.fetches = d.metrics?.counter(
      'paas_agent_image_fetches_total',
      "Images this host's engine lacked, fetched from a builder and loaded, by result: fetched, failed",
      ['result'],
    );
    this.seconds = d.metrics?.histogram(
      'paas_agent_image_fetch_seconds',
      'Time to fetch an image from a builder and load it into the engine',
      [0.5, 1, 2.5, 5, 10, 20, 40, 80, 160],
    );
  }

  /** Whether the engine has the image (a tag, or an id). */
  async has(ref: string): Promise<boolean> {
    try {
      await this.d.docker.getImage(ref).inspect();
      return true;
    } catch (err) {
      if (statusOf(err) === 404) return false;
      throw err;
    }
  }

  /** Makes sure the engine has `ref`: present already, or fetched and loaded now. Throws when it cannot be had. */
  async ensure(ref: string): Promise<'present' | 'fetched'> {
    if (!ref) throw new Error('the assignment names no image');
    if (await this.has(ref)) return 'present';
    return this.flights.run(ref, async () => {
      if (await this.has(ref)) return 'present'; // loaded by the fetch that just ended
      const started = Date.now();
      try {
        const how = await this.fetch(ref);
        this.fetches?.inc({ result: 'fetched' });
        this.seconds?.observe((Date.now() - started) / 1000);
        this.d.log.info({ image: ref, from: how.server, bytes: how.bytes, ms: Date.now() - started }, 'image fetched');
        return 'fetched';
      } catch (err) {
        this.fetches?.inc({ result: 'failed' });
        throw err;
      }
    });
  }

  private async fetch(ref: string): Promise<{ server: string; bytes: number }> {
    const servers = serverOrder(await this.d.servers(), this.lastGood);
    if (servers.length === 0) throw new Error(`the engine has no image ${ref} and no builder serves images`);
    this.d.log.info({ image: ref, servers: servers.map((s) => s.name) }, 'fetching an image the engine lacks');
    const errors: string[] = [];
    for (const s of servers) {
      try {
        const bytes = await this.loadFrom(s, ref);
        this.lastGood = s.name;
        return { server: s.name, bytes };
      } catch (err) {
        errors.push(`${s.name}: ${(err as Error).message}`);
        this.d.log.warn({ err, image: ref, server: s.name }, 'cannot fetch the image from this builder');
      }
    }
    throw new Error(`cannot fetch the image ${ref}: ${errors.join('; ')}`);
  }

  /**
   * Streams the builder's `docker save` into this engine's `docker load`; the bytes moved. A tag of an image the
   * engine has under another name (a promoted slug, a release naming it by id before) is only tagged here: 0 bytes.
   */
  private async loadFrom(s: ImageServerRecord, ref: string): Promise<number> {
    const tag = tagParts(ref);
    if (tag) {
      const head = await fetch(`${s.url}${imagePath(ref)}`, {
        method: 'HEAD',
        headers: { authorization: `Bearer ${this.d.internalToken}` },
        signal: AbortSignal.timeout(30_000),
      });
      if (head.status === 404) throw new Error('it has no such image');
      const id = head.headers.get('x-image-id');
      if (head.ok && id && (await this.has(id))) {
        await this.d.docker.getImage(id).tag(tag);
        return 0;
      }
    }
    const res = await fetch(`${s.url}${imagePath(ref)}`, {
      headers: { authorization: `Bearer ${this.d.internalToken}` },
      signal: AbortSignal.timeout(this.d.timeoutMs ?? 600_000),
    });
    if (!res.ok || !res.body) {
      await res.body?.cancel().catch(() => undefined);
      throw new Error(res.status === 404 ? 'it has no such image' : `it answered ${res.status}`);
    }
    let bytes = 0;
    const tar = Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
    tar.on('data', (c: Buffer) => (bytes += c.length));
    const answer = (await this.d.docker.loadImage(tar, { quiet: true })) as NodeJS.ReadableStream;
    const text = await new Promise<string>((resolve, reject) => {
      const parts: Buffer[] = [];
      answer.on('data', (c: Buffer) => parts.push(c));
      answer.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
      answer.on('error', reject);
      tar.on('error', reject);
    });
    const outcome = loadOutcome(text);
    if (outcome.error) throw new Error(`docker load: ${outcome.error}`);
    if (!(await this.has(ref)))
      throw new Error(`docker load ended without the image (${outcome.loaded.join(', ') || 'nothing loaded'})`);
    return bytes;
  }
}
