import { l10Line, type LogRecord } from '../../core/logs.js';

// Flood control of one container's log lines, pure: a token bucket (`rate`
// lines per second, `burst` at once) and a bounded queue (`maxLines`,
// `maxBytes`). A line past either is counted and dropped; the next note()
// turns the count into Heroku's L10 line (core/logs.ts: the controller's
// drains tell their drops the same way). Nothing here ever waits, so a
// container writing as fast as it can is never slowed by its logs.

export interface FloodLimits {
  rate: number;
  burst: number;
  maxLines: number;
  maxBytes: number;
}

/** The queue's bounds; the rate and burst are the agent's logRate and logBurst (config.ts). */
export const QUEUE_BOUNDS: Pick<FloodLimits, 'maxLines' | 'maxBytes'> = { maxLines: 2000, maxBytes: 1024 * 1024 };

export class FloodQueue {
  private queue: LogRecord[] = [];
  private bytes = 0;
  private tokens: number;
  private last: number;
  /** Lines dropped since `droppedSince` and not told yet. */
  dropped = 0;
  droppedSince = '';

  constructor(
    private readonly limits: FloodLimits,
    now: number,
  ) {
    this.tokens = limits.burst;
    this.last = now;
  }

  /** Queues the record if the rate and the queue allow; counts it dropped otherwise. */
  offer(r: LogRecord, now: number): boolean {
    this.tokens = Math.min(this.limits.burst, this.tokens + ((now - this.last) / 1000) * this.limits.rate);
    this.last = now;
    const size = sizeOf(r);
    if (this.tokens < 1 || this.queue.length >= this.limits.maxLines || this.bytes + size > this.limits.maxBytes) {
      if (this.dropped === 0) this.droppedSince = r.at;
      this.dropped++;
      return false;
    }
    this.tokens -= 1;
    this.queue.push(r);
    this.bytes += size;
    return true;
  }

  /** The L10 line for what was dropped (and the count reset), once the queue has room for it. */
  note(at: string, dyno: string): LogRecord | undefined {
    if (this.dropped === 0 || this.queue.length >= this.limits.maxLines) return undefined;
    const r: LogRecord = { at, source: 'paas', dyno, line: l10Line(this.dropped, this.droppedSince) };
    this.dropped = 0;
    this.queue.push(r);
    this.bytes += sizeOf(r);
    return r;
  }

  /** Takes up to n queued records. */
  take(n: number): LogRecord[] {
    const out = this.queue.splice(0, n);
    for (const r of out) this.bytes -= sizeOf(r);
    return out;
  }

  get length(): number {
    return this.queue.length;
  }
}

/** What a queued record counts against maxBytes: its text and an allowance for its fields. */
function sizeOf(r: LogRecord): number {
  return r.line.length + 64;
}
