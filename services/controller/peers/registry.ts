import type { Logger } from '../../core/logger.js';
import type { Lease, Store } from '../../core/store.js';

// Several controllers (issue 19): each registers under a leased key,
// /controllers/<id> -> {id, url, startedAt} (core/keys.ts), with the URL its
// peers reach it at (PAAS_CONTROLLER_PEER_URL, default
// http://127.0.0.1:$PAAS_API_PORT), and watches the family to know who is
// alive. A controller that dies leaves the list when its lease ends
// (TTL_SECONDS). What they do with it:
//
// - logs and metrics (replicate.ts): whoever takes lines or samples from
//   their source also sends them to every live peer, so each controller holds
//   the whole log and any one serves tails and history; only the one that
//   took a line from its source forwards it to drains (each line once);
// - platform events (`paas[api]` lines from the etcd watch): every controller
//   writes them for itself; the leader (the live controller with the smallest
//   id) alone forwards them to drains;
// - log sessions (logs/sessions.ts): sealed, any controller opens them;
// - `paas run` (runs/relay.ts): the first side to arrive claims the
//   rendezvous for its controller (a key under that controller's lease); the
//   other side, reaching another controller, is relayed there.
//
// Without a registry (one controller, or tests of other parts) none of that
// runs: the controller works alone, as before.

export interface PeerRecord {
  id: string;
  /** Where the other controllers reach this one (its API). */
  url: string;
  startedAt: string;
}

export const TTL_SECONDS = 10;

export interface RegistryOptions {
  store: Store;
  id: string;
  url: string;
  log: Logger;
  ttlSeconds?: number;
}

export class PeerRegistry {
  readonly self: PeerRecord;
  private readonly live = new Map<string, PeerRecord>();
  private lease: Lease | undefined;
  private leaseId: Promise<string> | undefined;
  private stopWatch: (() => Promise<void>) | undefined;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;
  private readonly changed: (() => void)[] = [];

  constructor(private readonly o: RegistryOptions) {
    this.self = { id: o.id, url: o.url.replace(/\/+$/, ''), startedAt: new Date().toISOString() };
  }

  /** Registers (the first lease granted) and reads and watches the others. */
  async start(): Promise<void> {
    const { store } = this.o;
    const prefix = store.keys.controllers();
    this.stopWatch = await store.watchRecords<PeerRecord>(prefix, {
      put: (_key, v) => {
        this.live.set(v.id, v);
        this.tell();
      },
      delete: (key) => {
        this.live.delete(key.slice(prefix.length));
        this.tell();
      },
    });
    for (const p of await store.list<PeerRecord>(prefix)) this.live.set(p.id, p);
    await this.register();
    this.tell();
  }

  async stop(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    await this.stopWatch?.();
    this.live.clear();
    this.tell();
    // revoked: peers stop sending here at once, and the rendezvous this one holds go with it
    await this.lease?.revoke().catch(() => undefined);
    this.lease = undefined;
  }

  /** Stops keeping the lease alive without revoking it: peers see this one go when it expires (a crash's effect). */
  async abandon(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    await this.stopWatch?.();
    this.lease?.release();
    this.lease = undefined;
    this.live.clear();
    this.tell();
  }

  /** The live controllers but this one. */
  others(): PeerRecord[] {
    return [...this.live.values()].filter((p) => p.id !== this.self.id).sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  /** Whether this controller is the leader: the smallest id among the live ones (itself when it sees none). */
  leads(): boolean {
    return this.others().every((p) => p.id > this.self.id);
  }

  /** The current lease's id (for keys that go with this controller), once registered. */
  currentLease(): Promise<string> {
    if (!this.leaseId) throw new Error('the controller is not registered');
    return this.leaseId;
  }

  /** Calls fn whenever the list of live controllers changes. */
  onChange(fn: () => void): void {
    this.changed.push(fn);
  }

  private tell(): void {
    for (const fn of this.changed) fn();
  }

  private async register(): Promise<void> {
    if (this.closed) return;
    const { store, log } = this.o;
    const lease = store.lease(this.o.ttlSeconds ?? TTL_SECONDS);
    lease.on('lost', (err) => {
      if (this.lease !== lease || this.closed) return;
      log.warn({ err }, 'controller lease lost; registering again');
      this.retry = setTimeout(() => void this.register(), 500);
    });
    try {
      await store.put(store.keys.controller(this.self.id), this.self, lease);
      this.lease = lease;
      this.leaseId = lease.grant();
      log.info({ id: this.self.id, url: this.self.url }, 'controller registered');
    } catch (err) {
      lease.release();
      if (!this.lease) throw err; // the first registration: start() fails
      log.warn({ err }, 'cannot register the controller again; retrying');
      if (!this.closed) this.retry = setTimeout(() => void this.register(), 2000);
    }
  }
}
