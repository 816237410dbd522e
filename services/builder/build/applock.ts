import type { Logger } from '../../core/logger.js';
import type { Lease, Store } from '../../core/store.js';

// Builds of one app across builders (HA: two builders behind the git
// remote's proxy). A builder's BuildQueue (queue.ts) serialises an app's
// builds inside one process; this lock does it across processes: before a
// build runs, its builder creates /build-locks/<app> (core/keys.ts) in a
// guarded transaction under its own lease, and deletes it when the build
// ends. A push that finds the lock held waits (told to the pusher) and tries
// again; a builder that dies loses its lease, so its lock goes within
// LOCK_TTL_S. The records also tell every builder's clean-up which builds run
// anywhere (their images have no release yet).

/** The builder's lease: a dead builder's locks are gone this long after its last keep-alive. */
export const LOCK_TTL_S = 5;
/** How often a waiting build tries the lock again. */
export const LOCK_RETRY_MS = 300;

export interface BuildLockRecord {
  /** The builder holding it (BuilderConfig.builderId). */
  builder: string;
  build: string;
  at: string;
}

export interface AppLocks {
  /**
   * Runs job holding the app's lock; `onWait` is called once, with the holder, when another build holds it. Throws
   * when the signal aborts while waiting (the pusher went away).
   */
  run<T>(
    app: string,
    build: string,
    job: () => Promise<T>,
    opts?: { onWait?: (holder: BuildLockRecord) => void; signal?: AbortSignal },
  ): Promise<T>;
  /** The ids of the builds that hold a lock now, on any builder. */
  activeBuilds(): Promise<Set<string>>;
  close(): Promise<void>;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });

export class EtcdAppLocks implements AppLocks {
  private lease: Lease | undefined;
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly builder: string,
    private readonly log: Logger,
    private readonly ttlS = LOCK_TTL_S,
  ) {}

  /** The builder's lease, granted again after a loss (its locks went with the old one). */
  private async leaseId(): Promise<string> {
    if (!this.lease) {
      const lease = this.store.lease(this.ttlS);
      lease.on('lost', (err) => {
        if (this.lease === lease) this.lease = undefined;
        if (!this.closed) this.log.warn({ err }, 'build lock lease lost; the locks it held are gone');
      });
      this.lease = lease;
    }
    return this.lease.grant();
  }

  async run<T>(
    app: string,
    build: string,
    job: () => Promise<T>,
    opts: { onWait?: (holder: BuildLockRecord) => void; signal?: AbortSignal } = {},
  ): Promise<T> {
    const { etcd, keys } = this.store;
    const key = keys.buildLock(app);
    const value = JSON.stringify({
      builder: this.builder,
      build,
      at: new Date().toISOString(),
    } satisfies BuildLockRecord);
    let told = false;
    for (;;) {
      if (opts.signal?.aborted) throw new Error('the push went away while waiting for the build lock');
      const id = await this.leaseId();
      const res = await etcd
        .if(key, 'Create', '==', 0)
        .then(etcd.put(key).value(value).lease(id))
        .else(etcd.get(key))
        .commit();
      if (res.succeeded) break;
      const kv = res.responses[0]?.response_range?.kvs[0];
      if (kv && !told) {
        told = true;
        try {
          opts.onWait?.(JSON.parse(kv.value.toString()) as BuildLockRecord);
        } catch {
          opts.onWait?.({ builder: 'another builder', build: '?', at: '' });
        }
      }
      await sleep(LOCK_RETRY_MS, opts.signal);
    }
    try {
      return await job();
    } finally {
      // only our own record: a lock lost with the lease may be another build's by now
      await etcd
        .if(key, 'Value', '==', value)
        .then(etcd.delete().key(key))
        .commit()
        .catch((err: unknown) => this.log.warn({ err, app }, 'cannot release the build lock; it goes with the lease'));
    }
  }

  async activeBuilds(): Promise<Set<string>> {
    const records = await this.store.list<BuildLockRecord>(this.store.keys.buildLocks());
    return new Set(records.map((r) => r.build));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.lease?.revoke().catch(() => undefined);
    this.lease = undefined;
  }
}
