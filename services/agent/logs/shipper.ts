import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type Docker from 'dockerode';
import type { Logger } from '../../core/logger.js';
import { nowMicro, type IngestRecord } from '../../core/logs.js';
import { postLogLines } from '../../core/logpost.js';
import type { FloodLimits } from './flood.js';
import { LogFollower } from './follow.js';

// Ships the lines of this host's containers to the controller (POST
// /internal/logs): what the follower (follow.ts) queued per container,
// through its FloodQueue (flood.ts), batched every `flushMs`. The followed
// containers' cursors are kept in `cursorFile`, so the containers an agent
// adopts after a restart are followed from the last line shipped: no line
// doubled nor lost, as far as Docker still has them.

export interface ShipperOptions {
  docker: Docker;
  /** The labels of the containers to ship from (spec.ts ownerLabels). */
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

export class LogShipper {
  private readonly follower: LogFollower;
  private timers: NodeJS.Timeout[] = [];
  private posting = false;
  /** Lines lost because the controller could not be reached. */
  private lost = 0;

  constructor(private readonly o: ShipperOptions) {
    this.follower = new LogFollower({
      docker: o.docker,
      labels: o.labels,
      log: o.log,
      flood: o.flood,
      scanMs: o.scanMs ?? 2000,
    });
  }

  /** A platform line for a container (LogFollower.say). */
  say(containerId: string, labels: Record<string, string>, line: string, opts: { fresh?: boolean } = {}): void {
    this.follower.say(containerId, labels, line, opts);
  }

  /** Lines dropped since start: by flood control, or not shipped (benchmark). */
  get dropped(): number {
    return this.follower.dropped + this.lost;
  }

  async start(): Promise<void> {
    await this.follower.start(await this.readCursors());
    this.timers.push(setInterval(() => void this.flush(), this.o.flushMs ?? 200));
    this.timers.push(setInterval(() => void this.saveCursors(), 2000));
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.follower.stop();
    await this.flush();
    await this.saveCursors(true);
  }

  /** Sends what the queues hold, one POST at a time. */
  async flush(): Promise<void> {
    if (this.posting) return;
    this.posting = true;
    try {
      for (;;) {
        const batch: IngestRecord[] = [];
        for (const f of this.follower.sources()) {
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
      this.lost += lines.length;
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

  /** Writes the cursors to the cursor file, when one moved (or `always`). */
  private async saveCursors(always = false): Promise<void> {
    const out = this.follower.changedCursors(always);
    if (!out) return;
    try {
      await mkdir(dirname(this.o.cursorFile), { recursive: true });
      await writeFile(`${this.o.cursorFile}.tmp`, JSON.stringify(out));
      await rename(`${this.o.cursorFile}.tmp`, this.o.cursorFile);
    } catch (err) {
      this.o.log.warn({ err }, 'cannot save log cursors');
    }
  }
}
