import type { Etcd3, Watcher } from 'etcd3';
import { untimed, type Timed } from './etcdmetrics.js';

// A copy in memory of everything under some prefixes of etcd, kept current
// by one watch (the informer pattern): read once at one revision, then every
// change applied in revision order as it comes, so a reconcile loop reads its
// state with no round trip, knows which revision its copy is at (and can wait
// for its own writes to come back), and learns which keys changed since its
// last pass. Values are parsed JSON; a value that does not parse is left out.

export interface StateReader {
  get<T>(key: string): T | undefined;
  /** The values under a prefix, in key order. */
  list<T>(prefix: string): T[];
  /** Keys and values under a prefix, in key order. */
  entries<T>(prefix: string): [string, T][];
}

export class Mirror implements StateReader {
  private readonly maps = new Map<string, Map<string, unknown>>();
  private readonly watchers: Watcher[] = [];
  private changed = new Set<string>();
  private rev = 0n;
  private waiters: { revision: bigint; resolve: (ok: boolean) => void }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(
    prefixes: readonly string[],
    private readonly onChange: () => void,
    private readonly debounceMs: number,
  ) {
    for (const p of prefixes) this.maps.set(p, new Map());
  }

  /**
   * Reads the prefixes at one revision, then watches `root` (under which they all are) from the next one; onChange is
   * called (after debounceMs, 2) when something changed, and once when the copy is loaded. Its reads and its watch are
   * made through `timed` (the Store's: counted as its service's).
   */
  static async open(
    etcd: Etcd3,
    root: string,
    prefixes: readonly string[],
    onChange: () => void,
    opts: { debounceMs?: number; timed?: Timed } = {},
  ): Promise<Mirror> {
    const timed = opts.timed ?? untimed;
    const m = new Mirror(prefixes, onChange, opts.debounceMs ?? 2);
    let revision: string | undefined;
    for (const p of prefixes) {
      const q = etcd.getAll().prefix(p);
      const res = await timed('range', () => (revision ? q.revision(revision) : q).exec());
      revision ??= res.header.revision;
      const map = m.maps.get(p) as Map<string, unknown>;
      for (const kv of res.kvs) {
        const v = parse(kv.value);
        if (v !== undefined) map.set(kv.key.toString(), v);
      }
    }
    m.rev = BigInt(revision ?? '0');
    // One watch over the root, so that changes come in revision order and `revision` is a consistent point.
    const w = await timed('watch', () =>
      etcd
        .watch()
        .prefix(root)
        .startRevision(String(m.rev + 1n))
        .create(),
    );
    w.on('data', (res) => {
      for (const e of res.events) {
        const key = e.kv.key.toString();
        const map = m.mapOf(key);
        if (!map) continue;
        const v = e.type === 'Put' ? parse(e.kv.value) : undefined;
        if (v === undefined) map.delete(key);
        else map.set(key, v);
        m.touch(key);
      }
      const r = BigInt(res.header.revision);
      if (r > m.rev) m.rev = r;
      m.settle();
    });
    m.watchers.push(w);
    m.fire();
    return m;
  }

  get<T>(key: string): T | undefined {
    return this.mapOf(key)?.get(key) as T | undefined;
  }

  entries<T>(prefix: string): [string, T][] {
    const out: [string, T][] = [];
    for (const [p, map] of this.maps) {
      if (prefix.startsWith(p)) {
        for (const [k, v] of map) if (k.startsWith(prefix)) out.push([k, v as T]);
      } else if (p.startsWith(prefix)) for (const [k, v] of map) out.push([k, v as T]);
    }
    return out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  list<T>(prefix: string): T[] {
    return this.entries<T>(prefix).map(([, v]) => v);
  }

  /** The revision the copy is at. */
  get revision(): bigint {
    return this.rev;
  }

  /** Resolves true once the copy is at `revision` or later (a write of ours has come back); false after timeoutMs. */
  caughtUp(revision: bigint, timeoutMs = 5000): Promise<boolean> {
    if (this.rev >= revision) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = {
        revision,
        resolve: (ok: boolean) => {
          clearTimeout(timer);
          resolve(ok);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** The keys changed since the last call. */
  takeChanged(): Set<string> {
    const out = this.changed;
    this.changed = new Set();
    return out;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const w of this.waiters) w.resolve(false);
    this.waiters = [];
    await Promise.all(this.watchers.map((w) => w.cancel()));
  }

  private mapOf(key: string): Map<string, unknown> | undefined {
    for (const [p, map] of this.maps) if (key.startsWith(p)) return map;
    return undefined;
  }

  private settle(): void {
    if (this.waiters.length === 0) return;
    const due = this.waiters.filter((w) => this.rev >= w.revision);
    this.waiters = this.waiters.filter((w) => this.rev < w.revision);
    for (const w of due) w.resolve(true);
  }

  private touch(key: string): void {
    this.changed.add(key);
    this.fire();
  }

  private fire(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.closed) this.onChange();
    }, this.debounceMs);
  }
}

function parse(raw: Buffer | undefined): unknown {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw.toString()) as unknown;
  } catch {
    return undefined;
  }
}
