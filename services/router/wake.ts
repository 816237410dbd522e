import { chmod, mkdir, rm, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { dirname, resolve } from 'node:path';
import type { Logger } from '../core/logger.js';
import { isAppName } from '../core/names.js';
import type { Store } from '../core/store.js';
import type { RouteState, WakeRecord } from '../core/types.js';
import { leafCacheSeconds, leafWire, type Leaf } from './leaves.js';

// Wakes: nginx's Lua holds the requests of a sleeping app and asks, once per
// app across its workers, `POST /wakes/<app>` on a unix socket under nginx's
// dir (luahold.ts); the router answers once it has written the WakeRecord
// that the scheduler watches (/wakes/<app>). Not taken (an app that is not
// sleeping or waking as of the router's last pass, etcd failing): Lua asks
// again a second later. The same socket hands nginx the platform's
// certificate of `<app>.<domain>` (GET /leaves/<name>, leaves.ts).

export interface WakeSink {
  wake(record: WakeRecord): Promise<void>;
}

export function storeWakeSink(store: Store): WakeSink {
  return { wake: (record) => store.put(store.keys.wake(record.app), record) };
}

/** `written`: a WakeRecord was put; `recent`: one was put within the dedupe window; `not-held`: no wake is due. */
export type WakeAnswer = 'written' | 'recent' | 'not-held';

export interface WakerDeps {
  sink: WakeSink;
  /** This router's name in the records (its host id). */
  router: string;
  /** The app's route state as of the router's last pass. */
  stateOf(app: string): RouteState | undefined;
  /** When it fell asleep (the route's `since`): a wake of a new sleep is never deduped with one of the sleep before. */
  sleepingSince?(app: string): string | undefined;
  /** A second wake of an app (of the same sleep) within this window writes nothing (1000). */
  dedupeMs?: number;
  now?: () => number;
}

/** Turns asks into WakeRecords: only for a sleeping or waking app, at most one per app per dedupe window. */
export class Waker {
  private readonly last = new Map<string, { at: number; since: string | undefined }>();
  private readonly writing = new Map<string, Promise<void>>();

  constructor(private readonly deps: WakerDeps) {}

  async ask(app: string): Promise<WakeAnswer> {
    const state = this.deps.stateOf(app);
    if (state !== 'sleeping' && state !== 'waking') return 'not-held';
    const inFlight = this.writing.get(app);
    if (inFlight) {
      await inFlight;
      return 'recent';
    }
    const now = (this.deps.now ?? Date.now)();
    const since = this.deps.sleepingSince?.(app);
    const last = this.last.get(app);
    if (
      last !== undefined &&
      now - last.at < (this.deps.dedupeMs ?? 1000) &&
      (since === undefined || since === last.since)
    )
      return 'recent';
    const write = this.deps.sink.wake({ app, at: new Date(now).toISOString(), router: this.deps.router });
    this.writing.set(app, write);
    try {
      await write;
      this.forgetOld(now);
      this.last.set(app, { at: now, since: since ?? last?.since });
      return 'written';
    } finally {
      this.writing.delete(app);
    }
  }

  private forgetOld(now: number): void {
    if (this.last.size < 1000) return;
    const window = this.deps.dedupeMs ?? 1000;
    for (const [app, last] of this.last) if (now - last.at >= window) this.last.delete(app);
  }
}

export interface WakeListenerDeps {
  /** The socket's path (render.ts wakeSocketPath). */
  path: string;
  onWake(app: string): Promise<WakeAnswer>;
  log: Logger;
  /** Told of each ask taken: the app and the time from Lua's ask to its arrival here, in ms. */
  onHop?(app: string, hopMs: number | undefined): void;
  /** The platform certificate of a name (leaves.ts), undefined when it gets none; absent: none is ever issued. */
  onLeaf?(name: string): Promise<Leaf | undefined>;
}

/** Milliseconds since the ask, from the X-Paas-Asked-At header (epoch seconds, to the ms), if sane. */
export function hopMs(header: string | string[] | undefined, now: number): number | undefined {
  if (typeof header !== 'string' || !/^\d{1,12}(\.\d{1,6})?$/.test(header)) return undefined;
  return Math.max(0, now - Number(header) * 1000);
}

/**
 * The first directory on the way to `path` that other users cannot pass through (no x bit for others), if any:
 * nginx's workers run as nobody under a root master, and a socket they cannot reach fails every ask silently.
 */
export async function blockedDir(path: string): Promise<string | undefined> {
  let dir = dirname(resolve(path));
  for (;;) {
    const st = await stat(dir).catch(() => undefined);
    if (st && (st.mode & 0o001) === 0) return dir;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

function answerText(res: ServerResponse, status: number, text: string): void {
  res.statusCode = status;
  res.setHeader('content-type', 'text/plain');
  res.end(`${text}\n`);
}

/** The router's end of the wake hop: an HTTP server on a unix socket, POST /wakes/<app> and GET /leaves/<name>. */
export class WakeListener {
  private server: Server | undefined;

  constructor(private readonly deps: WakeListenerDeps) {}

  async start(): Promise<void> {
    const { path, log } = this.deps;
    await mkdir(dirname(path), { recursive: true });
    await rm(path, { force: true }); // a socket a router before this one left
    const server = createServer((req, res) => void this.handle(req, res));
    server.requestTimeout = 10_000;
    server.headersTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => log.error({ err }, 'wake socket failed'));
    // nginx's workers run as another user (nobody) when the router is root.
    await chmod(path, 0o666);
    this.server = server;
    const blocked = process.getuid?.() === 0 ? await blockedDir(path) : undefined;
    if (blocked)
      log.error(
        { socket: path, dir: blocked },
        "nginx's workers (nobody) cannot reach the router's socket: give the directory o+x (chmod o+x). Until then wakes wait for the activity report (seconds) and apps' own names get the fallback certificate",
      );
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(this.deps.path, { force: true });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const answer = (status: number, text: string) => answerText(res, status, text);
    req.resume();
    const leaf = /^\/leaves\/([^/?]+)$/.exec(req.url ?? '');
    if (leaf) return this.leaf(req, res, leaf[1] as string);
    const m = /^\/wakes\/([^/?]+)$/.exec(req.url ?? '');
    if (!m) return answer(404, 'not found');
    if (req.method !== 'POST') return answer(405, 'method not allowed');
    const app = m[1] as string;
    if (!isAppName(app)) return answer(400, 'invalid app name');
    const hop = hopMs(req.headers['x-paas-asked-at'], Date.now());
    this.deps.onHop?.(app, hop);
    try {
      const result = await this.deps.onWake(app);
      if (result === 'not-held') return answer(409, 'the app is not sleeping');
      if (result === 'written') this.deps.log.info({ app, hopMs: hop }, 'wake asked');
      return answer(200, result);
    } catch (err) {
      this.deps.log.error({ err, app }, 'cannot write the wake');
      return answer(503, 'cannot write the wake');
    }
  }

  /** 200 with the leaf as nginx reads it (leafWire) and how long to keep it; 404 when the name gets none. */
  private async leaf(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    const answer = (status: number, text: string) => answerText(res, status, text);
    if (req.method !== 'GET') return answer(405, 'method not allowed');
    let leaf: Leaf | undefined;
    try {
      leaf = await this.deps.onLeaf?.(name.toLowerCase());
    } catch (err) {
      this.deps.log.error({ err, name }, 'cannot issue the platform certificate');
      return answer(503, 'cannot issue the certificate');
    }
    if (!leaf) return answer(404, 'no platform certificate for this name');
    const body = leafWire(leaf);
    res.statusCode = 200;
    res.setHeader('content-type', 'application/octet-stream');
    res.setHeader('content-length', body.length);
    res.setHeader('x-paas-cache-seconds', leafCacheSeconds(leaf.notAfter, Date.now()));
    res.end(body);
  }
}
