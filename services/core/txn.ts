import type { ComparatorBuilder, Etcd3 } from 'etcd3';
import { noSuchApp } from './errors.js';
import type { Store } from './store.js';
import type { App } from './types.js';

// The guarded writes of the Store (store.ts re-exports Guard, Write and
// Txn): what a commit requires of a key, what it writes, and one attempt of
// Store.transact.

/** What Store.commit requires of a key. */
export type Guard =
  | { key: string; absent: true }
  | { key: string; exists: true }
  | { key: string; modRevision: string }
  | { key: string; createRevision: string };

/** One write of Store.commit: a put of a JSON value, a delete, or a delete of every key under a prefix. */
export type Write = { put: string; value: unknown } | { delete: string } | { deletePrefix: string };

/**
 * One attempt of Store.transact: what it read (each key must be unchanged at
 * commit), further compares, and the writes to commit if they all hold.
 */
export class Txn {
  guard?: ComparatorBuilder;
  readonly ops: Parameters<ComparatorBuilder['then']> = [];

  constructor(private readonly store: Store) {}

  /** The key's value (undefined: absent); the commit requires it unchanged (or still absent). */
  async read<T>(key: string): Promise<T | undefined> {
    const cur = await this.store.getVersioned<T>(key);
    this.require(cur ? { key, modRevision: cur.modRevision } : { key, absent: true });
    return cur?.value;
  }

  /** The app's record, read as `read` reads; 404 when there is no such app. */
  async readApp(name: string): Promise<App> {
    const app = await this.read<App>(this.store.keys.app(name));
    if (!app) throw noSuchApp();
    return app;
  }

  /** The commit requires what the guard says of its key. */
  require(guard: Guard): void {
    const c = compareOf(guard);
    this.guard = this.guard ? this.guard.and(...c) : this.store.etcd.if(...c);
  }

  /** Deletes the key at commit. */
  delete(key: string): void {
    this.ops.push(this.store.etcd.delete().key(key));
  }

  /** Deletes every key under the prefix at commit. */
  deletePrefix(prefix: string): void {
    this.ops.push(this.store.etcd.delete().prefix(prefix));
  }

  /** Writes the value (as JSON) at commit; returns it. */
  put<V>(key: string, value: V): V {
    this.ops.push(this.store.etcd.put(key).value(JSON.stringify(value)));
    return value;
  }
}

export interface TransactOptions {
  /** The message of the conflict thrown after the last lost race. */
  conflict: string;
  /** Attempts before giving up (20). */
  attempts?: number;
  /** Wait a little (random, growing) before each retry. */
  backoff?: boolean;
  /** Runs after each lost race, before the next attempt; may throw (say, 404 when the app is gone). */
  onConflict?: () => Promise<unknown>;
}

/** The etcd compare of a guard. */
export function compareOf(g: Guard): Parameters<Etcd3['if']> {
  if ('absent' in g) return [g.key, 'Create', '==', 0];
  if ('exists' in g) return [g.key, 'Create', '>', 0];
  if ('modRevision' in g) return [g.key, 'Mod', '==', g.modRevision];
  return [g.key, 'Create', '==', g.createRevision];
}
