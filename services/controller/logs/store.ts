import { appendFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../core/logger.js';
import { type LogRecord, type LogSource, LOG_SOURCES } from '../../core/logs.js';
import { isAppName } from '../../core/names.js';
import { LogRing } from './ring.js';

// The controller's store of app logs. Per app a LogRing of the last
// `maxLines` records (and at most `maxBytesPerApp`), persisted to an append
// log `<dir>/<app>.jsonl` (one JSON record a line) that is rewritten from the
// ring once it holds twice `maxLines`, so history survives container removal
// and a controller restart. At most `maxAppsLoaded` rings are in memory (least
// recently used go; they are read back from their file when needed), so the
// memory is bounded by maxAppsLoaded × maxBytesPerApp. Without a `dir`
// (tests of other parts) the logs live in memory only.

export interface LogStoreOptions {
  dir?: string;
  maxLines: number;
  maxBytesPerApp: number;
  maxAppsLoaded: number;
  log: Logger;
}

/**
 * Where appended records come from: `source`, taken here from their producer (the ingest, the API's own lines);
 * `peer`, a copy another controller took from its source (peers/replicate.ts); `event`, a platform event every
 * controller writes for itself from the etcd watch (events.ts). Listeners (drains, the copy to peers) tell them apart.
 */
export type LogOrigin = 'source' | 'peer' | 'event';

export type AppendListener = (app: string, records: readonly LogRecord[], origin: LogOrigin) => void;

/** An app's log dropped (destroyed) or moved (renamed): what the other controllers are told (peers/replicate.ts). */
export type LogLifecycle = { op: 'drop'; app: string } | { op: 'rename'; from: string; to: string };

interface Loaded {
  ring: LogRing;
  fileLines: number;
}

export class LogStore {
  private readonly loaded = new Map<string, Loaded>();
  private readonly loading = new Map<string, Promise<Loaded>>();
  /** Per app, the chain of file writes (appends, compactions, removal) in order. */
  private readonly writes = new Map<string, Promise<void>>();
  private readonly subscribers = new Map<string, Set<(records: readonly LogRecord[]) => void>>();
  private readonly listeners: AppendListener[] = [];
  private readonly lifecycleListeners: ((op: LogLifecycle, origin: LogOrigin) => void)[] = [];
  private dirReady: Promise<void> | undefined;

  constructor(readonly opts: LogStoreOptions) {}

  /** Called with every appended batch (drains, the copy to peers). */
  onAppend(fn: AppendListener): void {
    this.listeners.push(fn);
  }

  /** Called with every drop and rename (the copy to peers). */
  onLifecycle(fn: (op: LogLifecycle, origin: LogOrigin) => void): void {
    this.lifecycleListeners.push(fn);
  }

  /** Adds records to the app's log: subscribers first (tail), then the ring and the file. */
  async append(app: string, records: readonly LogRecord[], origin: LogOrigin = 'source'): Promise<void> {
    if (records.length === 0 || !isAppName(app)) return;
    for (const fn of this.subscribers.get(app) ?? []) fn(records);
    for (const fn of this.listeners) {
      try {
        fn(app, records, origin);
      } catch (err) {
        this.opts.log.warn({ err, app }, 'log listener failed');
      }
    }
    const l = await this.load(app);
    for (const r of records) l.ring.push(r);
    if (!this.opts.dir) return;
    const text = records.map((r) => JSON.stringify(r)).join('\n') + '\n';
    l.fileLines += records.length;
    const compact = l.fileLines > 2 * this.opts.maxLines;
    if (compact) l.fileLines = l.ring.size;
    const snapshot = compact ? l.ring.all() : undefined;
    await this.chain(app, async () => {
      if (snapshot) await this.rewrite(app, snapshot);
      else await appendFile(this.file(app), text);
    });
  }

  /** The newest `n` records of the app, oldest first. */
  async recent(app: string, n: number): Promise<LogRecord[]> {
    return (await this.load(app)).ring.last(n);
  }

  /** Calls fn with every batch appended to the app from now on; returns the unsubscribe function. */
  subscribe(app: string, fn: (records: readonly LogRecord[]) => void): () => void {
    let set = this.subscribers.get(app);
    if (!set) this.subscribers.set(app, (set = new Set()));
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0 && this.subscribers.get(app) === set) this.subscribers.delete(app);
    };
  }

  /** An app destroyed: its log goes. */
  async drop(app: string, origin: LogOrigin = 'source'): Promise<void> {
    for (const fn of this.lifecycleListeners) fn({ op: 'drop', app }, origin);
    this.loaded.delete(app);
    if (this.opts.dir) await this.chain(app, () => rm(this.file(app), { force: true }));
  }

  /** An app renamed: its log moves with it (a log already under the new name is replaced). */
  async rename(from: string, to: string, origin: LogOrigin = 'source'): Promise<void> {
    for (const fn of this.lifecycleListeners) fn({ op: 'rename', from, to }, origin);
    const l = this.loaded.get(from);
    this.loaded.delete(from);
    this.loaded.delete(to);
    if (l) this.loaded.set(to, l);
    if (!this.opts.dir) return;
    await this.chain(from, async () => {
      await (this.writes.get(to) ?? Promise.resolve());
      await rename(this.file(from), this.file(to)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
    });
  }

  /** Waits for every pending file write. */
  async flush(): Promise<void> {
    await Promise.all([...this.writes.values()]);
  }

  /** Records and bytes held in memory (the benchmark and tests read it). */
  memory(): { apps: number; records: number; bytes: number } {
    let records = 0;
    let bytes = 0;
    for (const l of this.loaded.values()) {
      records += l.ring.size;
      bytes += l.ring.bytes;
    }
    return { apps: this.loaded.size, records, bytes };
  }

  private file(app: string): string {
    return join(this.opts.dir as string, `${app}.jsonl`);
  }

  private chain(app: string, fn: () => Promise<void>): Promise<void> {
    const prev = this.writes.get(app) ?? Promise.resolve();
    const next = prev
      .then(async () => {
        this.dirReady ??= mkdir(this.opts.dir as string, { recursive: true }).then(() => undefined);
        await this.dirReady;
        await fn();
      })
      .catch((err: unknown) => this.opts.log.error({ err, app }, 'cannot write app log'));
    this.writes.set(app, next);
    void next.then(() => {
      if (this.writes.get(app) === next) this.writes.delete(app);
    });
    return next;
  }

  private async rewrite(app: string, records: readonly LogRecord[]): Promise<void> {
    const tmp = `${this.file(app)}.tmp`;
    await writeFile(tmp, records.map((r) => JSON.stringify(r)).join('\n') + (records.length ? '\n' : ''));
    await rename(tmp, this.file(app));
  }

  private async load(app: string): Promise<Loaded> {
    const have = this.loaded.get(app);
    if (have) {
      // most recently used last
      this.loaded.delete(app);
      this.loaded.set(app, have);
      return have;
    }
    let p = this.loading.get(app);
    if (!p) {
      p = this.read(app).finally(() => this.loading.delete(app));
      this.loading.set(app, p);
    }
    const l = await p;
    if (!this.loaded.has(app)) {
      this.loaded.set(app, l);
      while (this.loaded.size > this.opts.maxAppsLoaded) {
        const oldest = this.loaded.keys().next().value as string;
        this.loaded.delete(oldest);
      }
    }
    return this.loaded.get(app) as Loaded;
  }

  private async read(app: string): Promise<Loaded> {
    const ring = new LogRing(this.opts.maxLines, this.opts.maxBytesPerApp);
    if (!this.opts.dir) return { ring, fileLines: 0 };
    await (this.writes.get(app) ?? Promise.resolve());
    let text = '';
    try {
      text = await readFile(this.file(app), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.opts.log.warn({ err, app }, 'cannot read app log');
    }
    const lines = text.split('\n').filter(Boolean);
    for (const line of lines.slice(-this.opts.maxLines)) {
      const r = parseStored(line);
      if (r) ring.push(r);
    }
    return { ring, fileLines: lines.length };
  }
}

/** A stored record, or undefined for a damaged line (a crash mid-write). */
export function parseStored(line: string): LogRecord | undefined {
  try {
    const v = JSON.parse(line) as Partial<LogRecord>;
    if (
      typeof v.at !== 'string' ||
      typeof v.dyno !== 'string' ||
      typeof v.line !== 'string' ||
      !LOG_SOURCES.includes(v.source as LogSource)
    )
      return undefined;
    return { at: v.at, source: v.source as LogSource, dyno: v.dyno, line: v.line };
  } catch {
    return undefined;
  }
}
