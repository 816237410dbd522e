import { Etcd3, GRPCDeadlineExceededError, GRPCUnavailableError, type Election, type Lease, type Watcher } from 'etcd3';
import { conflict, noSuchApp } from './errors.js';
import { etcdRoundTrips, untimed, type EtcdRoundTrips, type Timed } from './etcdmetrics.js';
import { keyLayout, type KeyLayout } from './keys.js';
import { Mirror } from './mirror.js';
import type { ServiceContext } from './service.js';
import { compareOf, Txn, type Guard, type TransactOptions, type Write } from './txn.js';
import { nextAppUid } from './uids.js';
import type { App, Formation, Release } from './types.js';

// The typed etcd store. Values are JSON. Every multi-key change is one etcd
// transaction guarded by a compare, so no request leaves half-written state
// and two concurrent changes never both win. A service's Store (Store.shared)
// counts and times each request it makes (core/etcdmetrics.ts).

export type { Campaign, Election, Lease } from 'etcd3';
export type { Mirror, StateReader } from './mirror.js';
export { Txn, type Guard, type Write } from './txn.js';

export interface Versioned<T> {
  value: T;
  modRevision: string;
  /** The revision that created the key; a key deleted and created again has a new one. */
  createRevision: string;
}

/** A key and its value (as read by Store.range). */
export interface Entry<T> extends Versioned<T> {
  key: string;
}

/** Whether the error says the store could not be reached (or did not answer in time): a 503, not a 500. */
export function isUnavailable(err: unknown): boolean {
  return err instanceof GRPCUnavailableError || err instanceof GRPCDeadlineExceededError;
}

/** Handlers of Store.watchRecords: values are parsed JSON; a value that does not parse is skipped. */
export interface RecordHandlers<T> {
  put?: (key: string, value: T, previous: T | undefined, created: boolean) => void;
  delete?: (key: string, previous: T | undefined) => void;
}

/** The largest answer the Store takes from etcd (a range read of every app's records of one kind). */
export const MAX_ANSWER_BYTES = 512 * 1024 * 1024;

export class Store {
  readonly keys: KeyLayout;
  /** How each request to etcd is made: counted and timed for a service (roundTrips), else as it is. */
  private readonly timed: Timed;

  constructor(
    readonly etcd: Etcd3,
    prefix = '/paas',
    /** Where this Store counts its requests (a service's: etcdRoundTrips); none: not counted. */
    readonly roundTrips?: EtcdRoundTrips,
  ) {
    this.keys = keyLayout(prefix);
    this.timed = roundTrips?.time ?? untimed;
  }

  static connect(endpoints: string[], prefix: string): Store {
    // gRPC takes answers of 4 MiB at most by default: a range over 10,000 apps' records is more.
    const grpcOptions = { 'grpc.max_receive_message_length': MAX_ANSWER_BYTES };
    return new Store(new Etcd3({ hosts: endpoints, grpcOptions }), prefix);
  }

  close(): void {
    this.etcd.close();
  }

  /**
   * The process's Store for these endpoints and prefix: the services of one process (services/platform) share one
   * etcd client (its watches, leases and elections are each its own). The process closes it after they all stopped.
   * A service (ctx.service) gets a Store of its own over that client, which counts its requests as the service's
   * (core/etcdmetrics.ts: exported by its ServiceMetrics).
   */
  static shared(
    ctx: Pick<ServiceContext, 'shared'> & Partial<Pick<ServiceContext, 'service'>>,
    endpoints: readonly string[],
    prefix: string,
  ): Store {
    const store = ctx.shared(
      `etcd ${prefix} ${endpoints.join(',')}`,
      () => Store.connect([...endpoints], prefix),
      (s) => s.close(),
    );
    return ctx.service ? store.countedAs(etcdRoundTrips(ctx.service)) : store;
  }

  /** This Store over the same etcd client, its requests counted in `roundTrips`. */
  countedAs(roundTrips: EtcdRoundTrips): Store {
    return new Store(this.etcd, this.keys.prefix, roundTrips);
  }

  async get<T>(key: string): Promise<T | undefined> {
    const raw = await this.timed('get', () => this.etcd.get(key).string());
    return raw === null ? undefined : (JSON.parse(raw) as T);
  }

  /** The value with its revisions; at `revision` (default: now) when given. */
  async getVersioned<T>(key: string, revision?: string): Promise<Versioned<T> | undefined> {
    const get = this.etcd.get(key);
    const res = await this.timed('get', () => (revision ? get.revision(revision) : get).exec());
    const kv = res.kvs[0];
    if (!kv) return undefined;
    return {
      value: JSON.parse(kv.value.toString()) as T,
      modRevision: kv.mod_revision,
      createRevision: kv.create_revision,
    };
  }

  /**
   * Every key under a prefix with its value and revisions, in key order, at
   * `revision` (default: now), and the store revision it was read at: reads
   * at that revision see the same moment.
   */
  async range<T>(prefix: string, revision?: string): Promise<{ revision: string; entries: Entry<T>[] }> {
    const get = this.etcd.getAll().prefix(prefix);
    const res = await this.timed('range', () => (revision ? get.revision(revision) : get).exec());
    const entries = res.kvs.map((kv) => ({
      key: kv.key.toString(),
      value: JSON.parse(kv.value.toString()) as T,
      modRevision: kv.mod_revision,
      createRevision: kv.create_revision,
    }));
    return { revision: res.header.revision, entries };
  }

  /**
   * Commits the writes in one transaction if every guard holds; false (and
   * nothing written) when one does not.
   */
  async commit(guards: readonly Guard[], writes: readonly Write[]): Promise<boolean> {
    return (await this.commitAt(guards, writes)) !== undefined;
  }

  /** Store.commit, answering the revision of the commit (undefined: a guard failed). */
  async commitAt(guards: readonly Guard[], writes: readonly Write[]): Promise<bigint | undefined> {
    if (guards.length === 0) throw new Error('Store.commit: a write needs a guard');
    const [first, ...rest] = guards.map(compareOf);
    let txn = this.etcd.if(...(first as Parameters<Etcd3['if']>));
    for (const c of rest) txn = txn.and(...c);
    const ops = writes.map((w) => {
      if ('put' in w) return this.etcd.put(w.put).value(JSON.stringify(w.value));
      return 'delete' in w ? this.etcd.delete().key(w.delete) : this.etcd.delete().prefix(w.deletePrefix);
    });
    const res = await this.timed('txn', () => txn.then(...ops).commit());
    return res.succeeded ? BigInt(res.header.revision) : undefined;
  }

  /** A lease of `ttlSeconds`, kept alive until revoked or lost (keys put with it go with it). */
  lease(ttlSeconds: number): Lease {
    const lease = this.etcd.lease(ttlSeconds, { autoKeepAlive: true });
    if (this.roundTrips) countLease(lease, this.roundTrips);
    return lease;
  }

  /** The election `name`, its keys under this store's prefix. */
  election(name: string, ttlSeconds?: number): Election {
    return this.etcd.namespace(`${this.keys.prefix}/`).election(name, ttlSeconds);
  }

  /**
   * Calls the handlers for every put and delete under the prefix from now on,
   * with the previous value. Returns a function that stops watching.
   */
  async watchRecords<T>(prefix: string, handlers: RecordHandlers<T>): Promise<() => Promise<void>> {
    const parse = (raw: Buffer | undefined): T | undefined => {
      if (!raw) return undefined;
      try {
        return JSON.parse(raw.toString()) as T;
      } catch {
        return undefined;
      }
    };
    const w = await this.timed('watch', () => this.etcd.watch().prefix(prefix).withPreviousKV().create());
    w.on('put', (kv, prev) => {
      const value = parse(kv.value);
      if (value !== undefined)
        handlers.put?.(kv.key.toString(), value, parse(prev?.value), kv.create_revision === kv.mod_revision);
    });
    w.on('delete', (kv, prev) => handlers.delete?.(kv.key.toString(), parse(prev?.value)));
    return () => w.cancel();
  }

  /** All values under a prefix, in key order. */
  async list<T>(prefix: string): Promise<T[]> {
    const all = await this.timed('range', () => this.etcd.getAll().prefix(prefix).strings());
    return Object.keys(all)
      .sort()
      .map((k) => JSON.parse(all[k] as string) as T);
  }

  /** Keys and values under a prefix, with the store revision they were read at. */
  async snapshot<T>(prefix: string): Promise<{ revision: string; entries: Map<string, T> }> {
    const res = await this.timed('range', () => this.etcd.getAll().prefix(prefix).exec());
    const entries = new Map<string, T>();
    for (const kv of res.kvs) entries.set(kv.key.toString(), JSON.parse(kv.value.toString()) as T);
    return { revision: res.header.revision, entries };
  }

  async put(key: string, value: unknown, lease?: Lease): Promise<void> {
    const json = JSON.stringify(value);
    await this.timed('put', () => (lease ? lease.put(key) : this.etcd.put(key)).value(json));
  }

  async delete(key: string): Promise<void> {
    await this.timed('delete', () => this.etcd.delete().key(key));
  }

  /** Deletes every key under the prefix. */
  async deletePrefix(prefix: string): Promise<void> {
    await this.timed('delete', () => this.etcd.delete().prefix(prefix));
  }

  /**
   * A copy in memory of everything under the prefixes, kept current by watches (mirror.ts); onChange is called after
   * each change (and once loaded).
   */
  mirror(prefixes: readonly string[], onChange: () => void): Promise<Mirror> {
    return Mirror.open(this.etcd, `${this.keys.prefix}/`, prefixes, onChange, { timed: this.timed });
  }

  /**
   * Calls `onChange` (debounced) whenever anything under one of the prefixes
   * changes, and once at start. Reconcile loops re-read what they need inside
   * it. Returns a function that stops watching.
   */
  async watchPrefixes(prefixes: string[], onChange: () => void, debounceMs = 5): Promise<() => Promise<void>> {
    let timer: NodeJS.Timeout | undefined;
    const fire = () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(onChange, debounceMs);
    };
    const watchers: Watcher[] = [];
    for (const p of prefixes) {
      const w = await this.timed('watch', () => this.etcd.watch().prefix(p).create());
      w.on('data', fire);
      w.on('connected', fire); // after a reconnect, state may have moved on
      watchers.push(w);
    }
    fire();
    return async () => {
      if (timer) clearTimeout(timer);
      await Promise.all(watchers.map((w) => w.cancel()));
    };
  }

  /**
   * An optimistic transaction, retried: `attempt` reads through `tx` and
   * records its compares and writes, which are committed in one etcd
   * transaction only if every key read is unchanged and every compare holds;
   * on a lost race it runs again. An attempt that writes nothing commits
   * nothing. Answers what the successful attempt returned.
   */
  async transact<R>(attempt: (tx: Txn) => R | Promise<R>, opts: TransactOptions): Promise<R> {
    for (let i = 0; i < (opts.attempts ?? 20); i++) {
      // After a lost race, wait a little (random, growing) so that many
      // concurrent writers spread out instead of colliding again at once.
      if (i > 0 && opts.backoff) await new Promise((r) => setTimeout(r, Math.random() * Math.min(200, 5 * i)));
      const tx = new Txn(this);
      const result = await attempt(tx);
      if (tx.ops.length === 0) return result;
      if (!tx.guard) throw new Error('Store.transact: a write needs a compare (read a key or add one with tx.require)');
      const guard = tx.guard;
      if ((await this.timed('txn', () => guard.then(...tx.ops).commit())).succeeded) return result;
      await opts.onConflict?.();
    }
    throw conflict(opts.conflict);
  }

  // ---- apps and releases -------------------------------------------------

  async getApp(name: string): Promise<App> {
    const app = await this.get<App>(this.keys.app(name));
    if (!app) throw noSuchApp();
    return app;
  }

  /** Creates the app and its default formation, or fails with conflict if the name is taken. */
  async createApp(app: App, formation: Formation): Promise<App> {
    const key = this.keys.app(app.name);
    const taken = () => conflict(`Name ${app.name} is already taken`);
    // The app, its formation and its uid (the counter moved on) in one transaction.
    return this.transact(
      async (tx) => {
        if ((await tx.read<App>(key)) !== undefined) throw taken();
        const { uid, next } = nextAppUid(await tx.read<number>(this.keys.nextUid()));
        tx.put(this.keys.nextUid(), next);
        tx.put(this.keys.formation(app.name), formation);
        return tx.put<App>(key, { ...app, uid });
      },
      { attempts: 100, backoff: true, conflict: 'Too many apps created at once; try again' },
    );
  }

  /**
   * Creates release vN+1: reads the app, then writes the bumped app record and
   * the release in one transaction that succeeds only if the app record did not
   * change in between. Retries on a lost race, so concurrent callers get
   * distinct, gap-free versions.
   */
  async createRelease(
    appName: string,
    make: (version: number, previous: Release | undefined) => Omit<Release, 'version' | 'app'>,
  ): Promise<Release> {
    return this.transact((tx) => this.putRelease(tx, appName, make), {
      attempts: 100,
      backoff: true,
      conflict: `Too many concurrent changes to ${appName}; try again`,
    });
  }

  /**
   * Release vN+1 as one attempt of a transaction writes it (createRelease's, or one that writes more beside it: an
   * add-on's attachment): the app record read (and so compared), the bumped record and the release put at commit.
   */
  async putRelease(
    tx: Txn,
    appName: string,
    make: (version: number, previous: Release | undefined) => Omit<Release, 'version' | 'app'>,
  ): Promise<Release> {
    const cur = await tx.readApp(appName);
    const previous =
      cur.latestRelease > 0 ? await this.get<Release>(this.keys.release(appName, cur.latestRelease)) : undefined;
    const version = cur.latestRelease + 1;
    const release: Release = { ...make(version, previous), app: appName, version };
    tx.put<App>(this.keys.app(appName), { ...cur, latestRelease: version });
    return tx.put(this.keys.release(appName, version), release);
  }

  async listReleases(appName: string): Promise<Release[]> {
    return this.list<Release>(this.keys.releases(appName));
  }

  async latestRelease(appName: string): Promise<Release | undefined> {
    const app = await this.get<App>(this.keys.app(appName));
    if (!app || app.latestRelease === 0) return undefined;
    return this.get<Release>(this.keys.release(appName, app.latestRelease));
  }

  async getFormation(appName: string): Promise<Formation> {
    return (await this.get<Formation>(this.keys.formation(appName))) ?? {};
  }
}

/** Counts a lease's grant and its keep-alives (each from its sending to its answer) as requests of a service. */
function countLease(lease: Lease, rt: EtcdRoundTrips): void {
  const since = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e9;
  const asked = process.hrtime.bigint();
  lease.grant().then(
    () => rt.record('lease_grant', true, since(asked)),
    () => rt.record('lease_grant', false, since(asked)),
  );
  let fired: bigint | undefined;
  lease.on('keepaliveFired', () => (fired = process.hrtime.bigint()));
  lease.on('keepaliveSucceeded', () => {
    rt.record('lease_keepalive', true, fired === undefined ? undefined : since(fired));
    fired = undefined;
  });
  lease.on('keepaliveFailed', () => {
    rt.record('lease_keepalive', false);
    fired = undefined;
  });
}
