import { postLogLines } from '../../core/logpost.js';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import type { Logger } from '../../core/logger.js';
import { cleanLine, dynoOf, exitStateLine, isoMicro, nowMicro, type IngestRecord, type LogRecord } from '../../core/logs.js';
import { labelFilter } from '../docker.js';
import { FloodQueue, type FloodLimits } from './flood.js';
import { LABEL } from '../spec.js';

// Ships the lines of this host's containers to the controller (POST
// /internal/logs): each container's stdout/stderr followed with Docker's log
// API (timestamps on), through its FloodQueue, batched every `flushMs`.
// Containers the agent adopts are followed from the last timestamp shipped
// (kept in `cursorFile`), so an agent restart neither doubles nor loses
// lines, as far as Docker still has them. Docker events become `paas[web.1]`
// lines: started, exited with status N, crashed.

export interface ShipperOptions {
  docker: Docker;
  labels: Record<string, string>;
  apiUrl: string;
  internalToken: string;
  cursorFile: string;
  log: Logger;
  flood: FloodLimits;
  flushMs?: number;
  scanMs?: number;
  fetchFn?: typeof fetch;
}

const BATCH = 2000;

interface Followed {
  app: string;
  dyno: string;
  /** Its process type (web, worker, run, release...). */
  type: string;
  queue: FloodQueue;
  stream?: NodeJS.ReadableStream;
  /** Docker's timestamp (RFC 3339, 9 fraction digits) of the last line taken. */
  cursor: string;
  done: boolean;
  killedAt?: number;
  started: number;
  /** Per output stream: what was taken last (Docker hands some lines again). */
  order: { out: StreamOrder; err: StreamOrder };
}

/** Docker's RFC3339Nano with the fraction padded to 9 digits, so timestamps compare as strings. */
export function normNano(ts: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z$/.exec(ts);
  return m ? `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}Z` : '';
}

/**
 * Docker's json-file follow hands some lines again when the file rotates
 * (measured with 20.10: 841 repeats in 486,500 lines, their timestamps going
 * back). Within one stream Docker's timestamps never go back, so a line older
 * than the newest taken, or one already taken at that same time, is a
 * repeat. Pure.
 */
export class StreamOrder {
  private last = '';
  private readonly atLast = new Set<string>();

  /** Whether the line (normalised timestamp, text) is new on this stream; remembers it. */
  fresh(ts: string, text: string): boolean {
    if (ts < this.last) return false;
    if (ts > this.last) {
      this.last = ts;
      this.atLast.clear();
    }
    if (this.atLast.has(text)) return false;
    this.atLast.add(text);
    return true;
  }
}

/** `since` for Docker's log API: seconds.nanoseconds of a normalised timestamp. */
export function sinceOf(cursor: string): string {
  if (!cursor) return '0';
  const secs = Math.floor(Date.parse(cursor.replace(/\.\d+Z$/, 'Z')) / 1000);
  return `${secs}.${cursor.slice(20, 29)}`;
}

export class LogShipper {
  private readonly followed = new Map<string, Followed>();
  private timers: NodeJS.Timeout[] = [];
  private events: NodeJS.ReadableStream | undefined;
  private posting = false;
  private stopped = false;
  private cursorsDirty = false;
  /** Lines dropped by flood control since start (benchmark). */
  dropped = 0;

  constructor(private readonly o: ShipperOptions) {}

  async start(): Promise<void> {
    const cursors = await this.readCursors();
    this.initial = cursors;
    await this.scan();
    this.timers.push(setInterval(() => void this.flush(), this.o.flushMs ?? 200));
    this.timers.push(setInterval(() => void this.scan(), this.o.scanMs ?? 2000));
    this.timers.push(setInterval(() => void this.saveCursors(), 2000));
    void this.watchEvents();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    (this.events as unknown as { destroy?: () => void } | undefined)?.destroy?.();
    for (const f of this.followed.values()) (f.stream as unknown as { destroy?: () => void } | undefined)?.destroy?.();
    await this.flush();
    this.cursorsDirty = true;
    await this.saveCursors();
  }

  private initial: Record<string, string> = {};

  /** Follows every container of this host that runs, or that exited with lines not read yet. */
  private async scan(): Promise<void> {
    if (this.stopped) return;
    try {
      const list = await this.o.docker.listContainers({ all: true, filters: { label: labelFilter(this.o.labels) } });
      const seen = new Set<string>();
      for (const c of list) {
        seen.add(c.Id);
        const f = this.entry(c.Id, c.Labels, this.initial[c.Id] ?? '');
        if (!f) continue;
        if (!f.stream && (c.State === 'running' || !f.done)) void this.follow(c.Id, f);
      }
      for (const [id, f] of this.followed) if (!seen.has(id) && !f.stream && f.queue.length === 0) this.followed.delete(id);
    } catch (err) {
      this.o.log.warn({ err }, 'cannot list containers for logs');
    }
  }

  /** The container's entry, made on first sight from its labels; undefined for a container of no app. */
  private entry(id: string, labels: Record<string, string>, cursor: string): Followed | undefined {
    const app = labels[LABEL.app];
    if (!app) return undefined;
    let f = this.followed.get(id);
    if (!f) {
      const type = labels[LABEL.type] ?? '';
      f = { app, dyno: dynoOf(app, labels[LABEL.assignment] ?? '', type), type, order: { out: new StreamOrder(), err: new StreamOrder() }, queue: new FloodQueue(this.o.flood, Date.now()), cursor, done: false, started: 0 };
      this.followed.set(id, f);
    }
    return f;
  }

  private async follow(id: string, f: Followed): Promise<void> {
    const c = this.o.docker.getContainer(id);
    const marker = new PassThrough();
    f.stream = marker; // claimed while the call is made
    try {
      const info = await c.inspect();
      const raw = (await c.logs({ follow: true, stdout: true, stderr: true, timestamps: true, since: sinceOf(f.cursor) as unknown as number })) as NodeJS.ReadableStream;
      f.stream = raw;
      // Lines up to the cursor this follow started from were shipped by an
      // earlier follow (a resumed one reads them again). Within one follow
      // nothing is skipped: stdout and stderr are read apart, so their lines
      // may arrive a little out of time order.
      const from = f.cursor;
      const take = lineReader((line) => this.take(f, line, from, f.order.out));
      if (info.Config.Tty) raw.on('data', (b: Buffer) => take(b));
      else {
        const out = new PassThrough();
        const err = new PassThrough();
        out.on('data', (b: Buffer) => take(b));
        const takeErr = lineReader((line) => this.take(f, line, from, f.order.err));
        err.on('data', (b: Buffer) => takeErr(b));
        this.o.docker.modem.demuxStream(raw, out, err);
      }
      await ended(raw);
      const after = await c.inspect().catch(() => undefined);
      f.done = !after?.State.Running;
    } catch (err) {
      f.done = true;
      if ((err as { statusCode?: number }).statusCode !== 404) this.o.log.warn({ err, container: id }, 'cannot follow container logs');
    } finally {
      f.stream = undefined;
    }
  }

  /** One line from Docker: `<RFC3339Nano> <text>`. */
  private take(f: Followed, raw: string, from: string, order: StreamOrder): void {
    const sp = raw.indexOf(' ');
    const ts = normNano(sp > 0 ? raw.slice(0, sp) : '');
    if (!ts || ts <= from) return; // already shipped (a resumed follow)
    if (!order.fresh(ts, raw)) return; // handed again by Docker (a rotated file)
    if (ts > f.cursor) f.cursor = ts;
    this.cursorsDirty = true;
    const r: LogRecord = { at: isoMicro(ts) ?? nowMicro(), source: 'app', dyno: f.dyno, line: cleanLine(raw.slice(sp + 1)) };
    if (!f.queue.offer(r, Date.now())) this.dropped++;
  }

  /** Platform lines from Docker's events: start, kill, die. */
  private async watchEvents(): Promise<void> {
    while (!this.stopped) {
      try {
        const filters = { type: ['container'], event: ['start', 'die', 'kill'], label: labelFilter(this.o.labels) };
        const s = await this.o.docker.getEvents({ filters: filters as unknown as string });
        this.events = s;
        const read = lineReader((line) => this.onEvent(line));
        s.on('data', (b: Buffer) => read(b));
        await ended(s);
      } catch (err) {
        this.o.log.warn({ err }, 'cannot watch Docker events for logs');
      }
      if (!this.stopped) await new Promise((r) => setTimeout(r, 1000));
    }
  }

  private onEvent(json: string): void {
    let e: { status?: string; id?: string; timeNano?: number; Actor?: { Attributes?: Record<string, string> } };
    try {
      e = JSON.parse(json) as typeof e;
    } catch {
      return;
    }
    const attrs = e.Actor?.Attributes ?? {};
    const f = e.id ? this.entry(e.id, attrs, '') : undefined;
    if (!f) return;
    const at = e.timeNano ? isoMicro(new Date(Math.floor(e.timeNano / 1e6))) ?? nowMicro() : nowMicro();
    const say = (line: string) => {
      if (!f.queue.offer({ at, source: 'paas', dyno: f.dyno, line }, Date.now())) this.dropped++; // told in the L10 line like any other
    };
    if (e.status === 'start') {
      say(f.started === 0 ? 'Starting process' : `Restarting (restart ${f.started})`);
      f.started++;
      f.done = false;
      void this.scan();
    } else if (e.status === 'kill') {
      f.killedAt = Date.now();
      say(`Stopping process with signal ${attrs.signal ?? 'SIGTERM'}`);
    } else if (e.status === 'die') {
      const code = attrs.exitCode ?? '?';
      say(`Process exited with status ${code}`);
      say(exitStateLine(f.type, f.killedAt !== undefined && Date.now() - f.killedAt < 60_000));
    }
  }

  /** Sends what the queues hold, one POST at a time. */
  async flush(): Promise<void> {
    if (this.posting) return;
    this.posting = true;
    try {
      for (;;) {
        const batch: IngestRecord[] = [];
        for (const f of this.followed.values()) {
          f.queue.note(nowMicro(), f.dyno);
          for (const r of f.queue.take(BATCH - batch.length)) batch.push({ app: f.app, ...r });
          if (batch.length >= BATCH) break;
        }
        if (batch.length === 0) return;
        await this.post(batch);
        if (batch.length < BATCH) return;
      }
    } finally {
      this.posting = false;
    }
  }

  private async post(lines: IngestRecord[]): Promise<void> {
    try {
      const status = await postLogLines(this.o, lines);
      if (status >= 400) this.o.log.warn({ status, lines: lines.length }, 'controller refused log lines');
    } catch (err) {
      // the lines are lost rather than held: memory stays bounded while the controller is away
      this.dropped += lines.length;
      this.o.log.warn({ err, lines: lines.length }, 'cannot ship log lines');
    }
  }

  private async readCursors(): Promise<Record<string, string>> {
    try {
      return JSON.parse(await readFile(this.o.cursorFile, 'utf8')) as Record<string, string>;
    } catch {
      return {};
    }
  }

  private async saveCursors(): Promise<void> {
    if (!this.cursorsDirty) return;
    this.cursorsDirty = false;
    const out: Record<string, string> = {};
    for (const [id, f] of this.followed) if (f.cursor) out[id] = f.cursor;
    try {
      await mkdir(dirname(this.o.cursorFile), { recursive: true });
      await writeFile(`${this.o.cursorFile}.tmp`, JSON.stringify(out));
      await rename(`${this.o.cursorFile}.tmp`, this.o.cursorFile);
    } catch (err) {
      this.o.log.warn({ err }, 'cannot save log cursors');
    }
  }
}

/** Resolves when the stream ends, closes or fails. */
function ended(s: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve) => {
    s.on('end', resolve);
    s.on('close', resolve);
    s.on('error', () => resolve());
  });
}

/** Calls onLine for each complete line of the chunks it is given (a partial line waits for the rest; one over 64 KiB is cut). */
export function lineReader(onLine: (line: string) => void): (chunk: Buffer) => void {
  let rest = '';
  return (chunk) => {
    const text = rest + chunk.toString('utf8');
    const parts = text.split('\n');
    rest = parts.pop() ?? '';
    if (rest.length > 64 * 1024) {
      parts.push(rest);
      rest = '';
    }
    for (const p of parts) if (p !== '') onLine(p);
  };
}
