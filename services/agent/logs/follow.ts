import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import type { Logger } from '../../core/logger.js';
import { cleanLine, dynoOf, exitStateLine, isoMicro, nowMicro, type LogRecord } from '../../core/logs.js';
import { labelFilter } from '../docker.js';
import { LABEL } from '../spec.js';
import { FloodQueue, type FloodLimits } from './flood.js';
import { ended, lineReader, normNano, sinceOf, StreamOrder } from './lines.js';

// The log lines of this host's containers, into one FloodQueue each (taken
// by the shipper, shipper.ts): every container that runs, or exited with
// lines not read yet, is followed with Docker's log API (timestamps on) from
// its cursor, the timestamp of the last line taken; Docker's events become
// platform lines (`paas[web.1]`): started, stopping, exited with status N,
// crashed.

export interface FollowerOptions {
  docker: Docker;
  /** The labels of the containers to follow (spec.ts ownerLabels). */
  labels: Record<string, string>;
  log: Logger;
  flood: FloodLimits;
  /** How often the container list is read again. */
  scanMs: number;
}

/** One container's lines, queued for the shipper. */
export interface LogSource {
  app: string;
  dyno: string;
  queue: FloodQueue;
}

interface Followed extends LogSource {
  /** Its process type (web, worker, run, release...). */
  type: string;
  stream?: NodeJS.ReadableStream;
  /** Docker's timestamp (RFC 3339, 9 fraction digits) of the last line taken. */
  cursor: string;
  done: boolean;
  killedAt?: number;
  started: number;
  /** Per output stream: what was taken last (Docker hands some lines again). */
  order: { out: StreamOrder; err: StreamOrder };
}

export class LogFollower {
  private readonly followed = new Map<string, Followed>();
  /** The cursors read at start, per container id: where a container seen for the first time is resumed. */
  private initial: Record<string, string> = {};
  private timer: NodeJS.Timeout | undefined;
  private events: NodeJS.ReadableStream | undefined;
  private stopped = false;
  private cursorsMoved = false;
  /** Lines dropped by flood control since start. */
  dropped = 0;

  constructor(private readonly o: FollowerOptions) {}

  /** Follows what runs now, from the cursors an earlier agent saved, then what starts later. */
  async start(cursors: Record<string, string>): Promise<void> {
    this.initial = cursors;
    await this.scan();
    this.timer = setInterval(() => void this.scan(), this.o.scanMs);
    void this.watchEvents();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    (this.events as unknown as { destroy?: () => void } | undefined)?.destroy?.();
    for (const f of this.followed.values()) (f.stream as unknown as { destroy?: () => void } | undefined)?.destroy?.();
  }

  /**
   * A platform line of the agent's own for a container (`Sleeping`, `Waking`, `Cycling`, `Resized in place to ...`),
   * in its dyno's log; `fresh`: its next start is told as a first start (a wake is not a restart).
   */
  say(containerId: string, labels: Record<string, string>, line: string, opts: { fresh?: boolean } = {}): void {
    const f = this.entry(containerId, labels, this.initial[containerId] ?? '');
    if (!f) return;
    if (opts.fresh) f.started = 0;
    if (!f.queue.offer({ at: nowMicro(), source: 'paas', dyno: f.dyno, line }, Date.now())) this.dropped++;
  }

  /** Every container's queue. */
  sources(): Iterable<LogSource> {
    return this.followed.values();
  }

  /** The cursor of every container, when one moved since the last call (or `always`). */
  changedCursors(always = false): Record<string, string> | undefined {
    if (!this.cursorsMoved && !always) return undefined;
    this.cursorsMoved = false;
    const out: Record<string, string> = {};
    for (const [id, f] of this.followed) if (f.cursor) out[id] = f.cursor;
    return out;
  }

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
      for (const [id, f] of this.followed)
        if (!seen.has(id) && !f.stream && f.queue.length === 0) this.followed.delete(id);
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
      f = {
        app,
        dyno: dynoOf(app, labels[LABEL.assignment] ?? '', type),
        type,
        order: { out: new StreamOrder(), err: new StreamOrder() },
        queue: new FloodQueue(this.o.flood, Date.now()),
        cursor,
        done: false,
        started: 0,
      };
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
      const raw = (await c.logs({
        follow: true,
        stdout: true,
        stderr: true,
        timestamps: true,
        since: sinceOf(f.cursor) as unknown as number,
      })) as NodeJS.ReadableStream;
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
      if ((err as { statusCode?: number }).statusCode !== 404)
        this.o.log.warn({ err, container: id }, 'cannot follow container logs');
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
    this.cursorsMoved = true;
    const r: LogRecord = {
      at: isoMicro(ts) ?? nowMicro(),
      source: 'app',
      dyno: f.dyno,
      line: cleanLine(raw.slice(sp + 1)),
    };
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
    const at = e.timeNano ? (isoMicro(new Date(Math.floor(e.timeNano / 1e6))) ?? nowMicro()) : nowMicro();
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
}
