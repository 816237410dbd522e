import type { Logger } from '../../core/logger.js';
import { MAX_BATCH_RECORDS, type IngestRecord } from '../../core/logs.js';
import type { AppSample } from '../../core/metricpost.js';
import { SAMPLES_PER_POST } from '../../core/metricpost.js';
import type { PeerRecord, PeerRegistry } from './registry.js';
import type { LogLifecycle } from '../logs/store.js';

// Copies what a controller takes from its sources (log lines, metric
// samples) to every live peer (registry.ts): POST /internal/logs and
// /internal/metrics with the internal token and REPLICATED_HEADER, which
// tells the peer to keep them (store, tails) but neither copy them on nor
// forward them to drains. Each peer has a bounded queue (PEER_QUEUE lines,
// PEER_SAMPLES samples) sent one POST at a time; what a slow or unreachable
// peer cannot take is dropped and counted (peer_overflow), never slowing the
// ingest. A peer that comes later gets what is taken from then on. An app
// destroyed or renamed on one controller has its log and metrics dropped or
// moved on the others too (POST /internal/logs/lifecycle).

/** The header of a copy from a peer (its value: the sender's id). */
export const REPLICATED_HEADER = 'paas-replicated-from';
export const PEER_QUEUE = 20_000;
export const PEER_SAMPLES = 5_000;
export const PEER_OPS = 1_000;
const SEND_TIMEOUT_MS = 5_000;
const BACKOFF_MS = 1_000;

export interface ReplicatorOptions {
  registry: PeerRegistry;
  internalToken: string;
  log: Logger;
  /** Counts the lines a peer did not get (peer_overflow). */
  lost?: (lines: number) => void;
  fetchFn?: typeof fetch;
}

class PeerLink {
  private lines: IngestRecord[] = [];
  private ops: LogLifecycle[] = [];
  private samples: AppSample[] = [];
  private sending = false;
  private closed = false;
  private pausedUntil = 0;

  constructor(
    readonly peer: PeerRecord,
    private readonly o: ReplicatorOptions,
  ) {}

  offerLines(records: readonly IngestRecord[]): void {
    const room = Math.max(0, PEER_QUEUE - this.lines.length);
    this.lines.push(...records.slice(0, room));
    if (records.length > room) this.o.lost?.(records.length - room);
    this.kick();
  }

  offerSamples(samples: readonly AppSample[]): void {
    const room = Math.max(0, PEER_SAMPLES - this.samples.length);
    this.samples.push(...samples.slice(0, room));
    this.kick();
  }

  offerLifecycle(op: LogLifecycle): void {
    if (this.ops.length < PEER_OPS) this.ops.push(op);
    this.kick();
  }

  close(): void {
    this.closed = true;
    this.ops = [];
    if (this.lines.length) this.o.lost?.(this.lines.length);
    this.lines = [];
    this.samples = [];
  }

  /** Queued lines and samples (tests). */
  get queued(): number {
    return this.lines.length + this.samples.length + this.ops.length;
  }

  private get pending(): boolean {
    return this.lines.length > 0 || this.samples.length > 0 || this.ops.length > 0;
  }

  private kick(): void {
    if (this.sending || this.closed) return;
    this.sending = true;
    void this.drain().finally(() => {
      this.sending = false;
      if (!this.closed && this.pending) setTimeout(() => this.kick(), 50).unref();
    });
  }

  private async drain(): Promise<void> {
    const wait = this.pausedUntil - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait).unref());
    while (!this.closed && this.pending) {
      if (this.lines.length) {
        const batch = this.lines.splice(0, MAX_BATCH_RECORDS);
        if (!(await this.post('/internal/logs', { lines: batch }))) {
          this.o.lost?.(batch.length);
          return this.pause();
        }
      }
      if (this.samples.length) {
        const batch = this.samples.splice(0, SAMPLES_PER_POST);
        if (!(await this.post('/internal/metrics', { samples: batch }))) return this.pause();
      }
      // after the lines taken before it: an app destroyed or renamed here is on every controller
      const op = this.ops.shift();
      if (op && !(await this.post('/internal/logs/lifecycle', op))) return this.pause();
    }
  }

  private pause(): void {
    this.pausedUntil = Date.now() + BACKOFF_MS;
  }

  private async post(path: string, body: unknown): Promise<boolean> {
    try {
      const res = await (this.o.fetchFn ?? fetch)(this.peer.url + path, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${this.o.internalToken}`,
          'content-type': 'application/json',
          [REPLICATED_HEADER]: this.o.registry.self.id,
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
      });
      await res.text();
      if (res.status >= 300) this.o.log.warn({ peer: this.peer.id, path, status: res.status }, 'a peer refused a copy');
      return res.status < 500;
    } catch (err) {
      this.o.log.warn({ peer: this.peer.id, path, err: (err as Error).message }, 'cannot copy to a peer');
      return false;
    }
  }
}

export class Replicator {
  private readonly links = new Map<string, PeerLink>();

  constructor(private readonly o: ReplicatorOptions) {
    o.registry.onChange(() => this.sync());
    this.sync();
  }

  /** Lines taken from their source: to every live peer. */
  lines(records: readonly IngestRecord[]): void {
    if (records.length === 0) return;
    for (const l of this.links.values()) l.offerLines(records);
  }

  /** Samples taken from their source: to every live peer. */
  samples(samples: readonly AppSample[]): void {
    if (samples.length === 0) return;
    for (const l of this.links.values()) l.offerSamples(samples);
  }

  /** An app's log (and metrics) dropped or moved here: the same on every live peer. */
  lifecycle(op: LogLifecycle): void {
    for (const l of this.links.values()) l.offerLifecycle(op);
  }

  /** What waits to be sent (tests: 0 once every copy went). */
  queued(): number {
    let n = 0;
    for (const l of this.links.values()) n += l.queued;
    return n;
  }

  stop(): void {
    for (const l of this.links.values()) l.close();
    this.links.clear();
  }

  private sync(): void {
    const live = new Map(this.o.registry.others().map((p) => [p.id, p]));
    for (const [id, l] of this.links) {
      const p = live.get(id);
      if (!p || p.url !== l.peer.url) {
        l.close();
        this.links.delete(id);
      }
    }
    for (const [id, p] of live) if (!this.links.has(id)) this.links.set(id, new PeerLink(p, this.o));
  }
}
