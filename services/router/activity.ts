import type { Logger } from '../core/logger.js';
import type { Store, Write } from '../core/store.js';
import type { ActivityRecord } from '../core/types.js';
import type { AppActivity, UpstreamControl } from './control.js';
import { isPlatformSite } from './platformsites.js';

// Activity: nginx's Lua keeps per app the time of its last request and its
// open websockets; the router reads them (GET /activity) every
// PAAS_ROUTER_ACTIVITY_MS and writes ActivityRecords (/activity/<app>), the
// scheduler's idle clock, which nobody watches. Writes are bounded: at most
// one per app per WRITE_EVERY_MS, and only when there is something new (a
// request since the last write, websockets open, opened or closed). While
// websockets are open `at` is kept fresh (now), so an app with traffic or an
// open websocket never looks idle for much longer than WRITE_EVERY_MS.

/** At most one ActivityRecord per app this often. */
export const WRITE_EVERY_MS = 15_000;
/** Records per etcd transaction (etcd refuses more than 128 operations per list of one). */
export const ACTIVITY_BATCH = 100;

/** What the router last wrote for an app. */
export interface Reported {
  /** nginx's last-request time at that write (epoch ms). */
  seenAt: number;
  /** The record's `at` (epoch ms). */
  at: number;
  websockets: number;
  writtenAt: number;
}

export interface ActivityWrite {
  app: string;
  at: number;
  websockets: number;
}

export interface ActivityPolicy {
  now: number;
  /** The apps the router serves: no record for another (nor for a platform site: the dashboard is no app). */
  apps: ReadonlySet<string>;
  writeEveryMs: number;
  /** How often this runs: a write due within a quarter of it (timer jitter) is not put off to the next run. */
  pollMs: number;
}

/**
 * The records to write now. An app is written when its last write is WRITE_EVERY_MS old (or it has none) and it has
 * something new: a request since then (with no earlier write, one within two write periods: a router that restarts
 * does not write back old times), websockets open (`at` now), or its websockets just closed or vanished (`at` now,
 * `websockets` 0). `at` never goes back from what this router wrote.
 */
export function activityWrites(
  seen: ReadonlyMap<string, AppActivity>,
  reported: ReadonlyMap<string, Reported>,
  p: ActivityPolicy,
): ActivityWrite[] {
  const out: ActivityWrite[] = [];
  const slack = Math.min(1000, p.pollMs / 4);
  const names = [...new Set([...seen.keys(), ...reported.keys()])].sort();
  for (const app of names) {
    if (!p.apps.has(app) || isPlatformSite(app)) continue;
    const r = reported.get(app);
    if (r && p.now - r.writtenAt < p.writeEveryMs - slack) continue;
    const a = seen.get(app) ?? { at: 0, websockets: 0 };
    const open = a.websockets > 0;
    const closed = r !== undefined && r.websockets > 0 && !open;
    const fresh = r ? a.at > r.seenAt : a.at > 0 && a.at >= p.now - 2 * p.writeEveryMs;
    if (!open && !closed && !fresh) continue;
    const at = Math.max(open || closed ? p.now : a.at, r?.at ?? 0);
    out.push({ app, at, websockets: a.websockets });
  }
  return out;
}

export interface ActivitySink {
  write(records: readonly ActivityRecord[]): Promise<void>;
}

/**
 * Records written in etcd transactions of ACTIVITY_BATCH puts, each guarded by its app's record existing, so that a
 * destroyed app's activity is not written back: 10,000 busy apps are about 7 transactions a second rather than 700
 * puts. A batch that fails a guard (an app of it is gone) is written again one record at a time.
 */
export function storeActivitySink(store: Store, batch = ACTIVITY_BATCH): ActivitySink {
  const guard = (r: ActivityRecord) => ({ key: store.keys.app(r.app), exists: true as const });
  const put = (r: ActivityRecord): Write => ({ put: store.keys.activity(r.app), value: r });
  return {
    async write(records) {
      for (let i = 0; i < records.length; i += batch) {
        const part = records.slice(i, i + batch);
        if (await store.commit(part.map(guard), part.map(put))) continue;
        for (const r of part) await store.commit([guard(r)], [put(r)]);
      }
    },
  };
}

export interface ActivityReporterDeps {
  control: Pick<UpstreamControl, 'activity'>;
  sink: ActivitySink;
  /** The apps the router serves (its last pass). */
  apps(): ReadonlySet<string>;
  /** This router's name in the records (its host id). */
  router: string;
  log: Logger;
  /** PAAS_ROUTER_ACTIVITY_MS. */
  everyMs: number;
  writeEveryMs?: number;
  now?: () => number;
}

/** Reads nginx's activity every `everyMs` and writes what is due (activityWrites). */
export class ActivityReporter {
  private readonly reported = new Map<string, Reported>();
  private timer: NodeJS.Timeout | undefined;
  private busy: Promise<void> | undefined;

  constructor(private readonly deps: ActivityReporterDeps) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.deps.everyMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.busy;
  }

  /** One read and write; skipped while the one before runs. */
  tick(): Promise<void> {
    this.busy ??= this.report()
      .catch((err: unknown) => this.deps.log.warn({ err }, 'cannot report activity'))
      .finally(() => (this.busy = undefined));
    return this.busy;
  }

  private async report(): Promise<void> {
    const { deps } = this;
    const seen = await deps.control.activity();
    const now = (deps.now ?? Date.now)();
    const apps = deps.apps();
    const writeEveryMs = deps.writeEveryMs ?? WRITE_EVERY_MS;
    // An app the router no longer serves is forgotten, but not at once: one pass that misses it (its routes read
    // while the copy of etcd reloads) must not make its next write look like a first one.
    for (const [app, r] of this.reported)
      if (!apps.has(app) && now - r.writtenAt > 2 * writeEveryMs) this.reported.delete(app);
    const writes = activityWrites(seen, this.reported, { now, apps, writeEveryMs, pollMs: deps.everyMs });
    if (writes.length === 0) return;
    const records = writes.map((w): ActivityRecord => ({
      app: w.app,
      at: new Date(w.at).toISOString(),
      websockets: w.websockets,
      router: deps.router,
    }));
    await deps.sink.write(records);
    for (const w of writes)
      this.reported.set(w.app, {
        seenAt: seen.get(w.app)?.at ?? 0,
        at: w.at,
        websockets: w.websockets,
        writtenAt: now,
      });
    deps.log.debug({ apps: writes.length }, 'activity written');
  }
}
