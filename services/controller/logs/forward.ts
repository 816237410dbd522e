import { request as httpsRequest } from 'node:https';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, rootCertificates } from 'node:tls';
import type { Logger } from '../../core/logger.js';
import { l10Line, nowMicro, type LogRecord } from '../../core/logs.js';
import type { Store } from '../../core/store.js';
import type { LogCounts } from '../metrics/counters.js';
import type { LogDrain } from './drains.js';
import type { LogStore } from './store.js';
import { octetFrame, parseDrainUrl, syslogMessage, type DrainTarget } from './syslog.js';

// Forwards every new line of an app to its drains. Each drain has a bounded
// queue of frames (DRAIN_QUEUE); a drain that is down or slow loses the
// oldest-to-come lines past it (counted, then one L10 line), never slows
// ingest. Syslog drains keep one TCP/TLS connection, reconnecting with
// backoff (1 s doubling to 30 s); https drains get POSTs of up to 500 frames
// (Heroku's application/logplex-1). Extra CAs (PAAS_DRAIN_CA_FILE) are trusted
// on top of the system's, for drains with a private CA. Every controller runs
// one; each line reaches a drain once (see the onAppend below).

export const DRAIN_QUEUE = 10_000;
const HTTPS_BATCH = 500;
const HTTPS_EVERY_MS = 250;
const MAX_BACKOFF_MS = 30_000;

export interface ForwarderOptions {
  store: Store;
  logs: LogStore;
  log: Logger;
  /** PEM text of extra CA certificates trusted for TLS drains. */
  extraCa?: string;
  /** Where the lines a drain loses are counted. */
  counts?: Pick<LogCounts, 'dropped'>;
  /** Whether this controller forwards platform events (the leader of several: peers/registry.ts); default yes. */
  leads?: () => boolean;
}

class Drain {
  private queue: string[] = [];
  private dropped = 0;
  private droppedSince = '';
  private socket: Socket | undefined;
  private connected = false;
  private backoffMs = 1000;
  private timer: NodeJS.Timeout | undefined;
  private posting = false;
  private closed = false;
  readonly target: DrainTarget;

  constructor(
    readonly drain: LogDrain,
    private readonly ca: string[] | undefined,
    private readonly log: Logger,
    private readonly counts?: Pick<LogCounts, 'dropped'>,
  ) {
    this.target = parseDrainUrl(drain.url);
    if (this.target.kind === 'https') this.timer = setInterval(() => this.post(), HTTPS_EVERY_MS);
    else this.connect();
  }

  push(records: readonly LogRecord[]): void {
    let lost = 0;
    for (const r of records) {
      if (this.queue.length >= DRAIN_QUEUE) {
        if (this.dropped === 0) this.droppedSince = r.at;
        this.dropped++;
        lost++;
        continue;
      }
      if (this.dropped > 0) {
        const note: LogRecord = {
          at: nowMicro(),
          source: 'paas',
          dyno: 'logplex',
          line: l10Line(this.dropped, this.droppedSince),
        };
        this.queue.push(octetFrame(syslogMessage(note, this.drain.token)));
        this.dropped = 0;
      }
      this.queue.push(octetFrame(syslogMessage(r, this.drain.token)));
    }
    this.counts?.dropped('drain_overflow', lost);
    if (this.target.kind !== 'https') this.flushSocket();
    else if (this.queue.length >= HTTPS_BATCH) this.post();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.socket?.destroy();
  }

  private connect(): void {
    if (this.closed) return;
    const { host, port, kind } = this.target;
    const s =
      kind === 'syslog+tls'
        ? tlsConnect({ host, port, servername: host, ...(this.ca && { ca: this.ca }) })
        : netConnect({ host, port });
    this.socket = s;
    s.setNoDelay(true);
    s.on(kind === 'syslog+tls' ? 'secureConnect' : 'connect', () => {
      this.connected = true;
      this.backoffMs = 1000;
      this.flushSocket();
    });
    s.on('drain', () => this.flushSocket());
    s.on('data', () => undefined); // a receiver that talks back is ignored
    s.on('error', (err) =>
      this.log.warn({ err: err.message, drain: this.drain.id, app: this.drain.app }, 'drain connection failed'),
    );
    s.on('close', () => {
      this.connected = false;
      if (this.closed) return;
      const wait = this.backoffMs;
      this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
      this.timer = setTimeout(() => this.connect(), wait);
    });
  }

  private flushSocket(): void {
    const s = this.socket;
    if (!s || !this.connected) return;
    while (this.queue.length > 0) {
      const chunk = this.queue.splice(0, 256).join('');
      if (!s.write(chunk)) return; // 'drain' resumes
    }
  }

  private post(): void {
    if (this.posting || this.queue.length === 0 || this.closed) return;
    const frames = this.queue.splice(0, HTTPS_BATCH);
    const body = frames.join('');
    this.posting = true;
    const u = new URL(this.target.url);
    const req = httpsRequest(
      u,
      {
        method: 'POST',
        ...(this.ca && { ca: this.ca }),
        ...(u.username && { auth: `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}` }),
        headers: {
          'content-type': 'application/logplex-1',
          'content-length': Buffer.byteLength(body),
          'logplex-msg-count': frames.length,
          'logplex-frame-id': `${Date.now()}-${frames.length}`,
          'logplex-drain-token': this.drain.token,
        },
        timeout: 10_000,
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          this.posting = false;
          if ((res.statusCode ?? 500) >= 500) this.retry(frames);
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (err) => {
      this.log.warn({ err: err.message, drain: this.drain.id, app: this.drain.app }, 'drain POST failed');
      this.posting = false;
      this.retry(frames);
    });
    req.end(body);
  }

  /** Puts a failed batch back in front (as far as the queue has room). */
  private retry(frames: string[]): void {
    const room = Math.max(0, DRAIN_QUEUE - this.queue.length);
    this.queue.unshift(...frames.slice(0, room));
    const lost = frames.length - Math.min(room, frames.length);
    this.dropped += lost;
    this.counts?.dropped('drain_overflow', lost);
  }
}

/** Keeps one Drain per /drains/ record and hands it the app's new lines. */
export class DrainForwarder {
  private readonly drains = new Map<string, Drain>();
  private readonly byApp = new Map<string, Drain[]>();
  private unwatch: (() => Promise<void>) | undefined;
  private readonly ca: string[] | undefined;

  constructor(private readonly opts: ForwarderOptions) {
    this.ca = opts.extraCa ? [...rootCertificates, opts.extraCa] : undefined;
    // Each line once across controllers: the one that took it from its source forwards it, never a copy from a
    // peer; platform events (every controller writes them) only the leader forwards.
    opts.logs.onAppend((app, records, origin) => {
      if (origin === 'peer' || (origin === 'event' && opts.leads && !opts.leads())) return;
      for (const d of this.byApp.get(app) ?? []) d.push(records);
    });
  }

  async start(): Promise<void> {
    const { store } = this.opts;
    this.unwatch = await store.watchPrefixes([store.keys.drains()], () => void this.sync());
  }

  async stop(): Promise<void> {
    await this.unwatch?.();
    for (const d of this.drains.values()) d.close();
    this.drains.clear();
    this.byApp.clear();
  }

  private async sync(): Promise<void> {
    try {
      const wanted = await this.opts.store.list<LogDrain>(this.opts.store.keys.drains());
      const ids = new Set(wanted.map((d) => `${d.app}/${d.id}`));
      for (const [id, d] of this.drains) {
        if (!ids.has(id)) {
          d.close();
          this.drains.delete(id);
        }
      }
      for (const w of wanted) {
        const id = `${w.app}/${w.id}`;
        if (this.drains.has(id)) continue;
        try {
          this.drains.set(id, new Drain(w, this.ca, this.opts.log, this.opts.counts));
        } catch (err) {
          this.opts.log.warn({ err, drain: w.id }, 'drain URL no longer valid; skipped');
        }
      }
      this.byApp.clear();
      for (const d of this.drains.values()) this.byApp.set(d.drain.app, [...(this.byApp.get(d.drain.app) ?? []), d]);
    } catch (err) {
      this.opts.log.warn({ err }, 'cannot read drains');
    }
  }
}
