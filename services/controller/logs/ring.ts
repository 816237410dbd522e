import type { LogRecord } from '../../core/logs.js';

// A bounded ring of log records: at most `maxLines` records and `maxBytes` of
// line text; the oldest go first. Pure.

export class LogRing {
  private items: LogRecord[] = [];
  private head = 0;
  private bytesUsed = 0;

  constructor(
    readonly maxLines: number,
    readonly maxBytes: number,
  ) {}

  get size(): number {
    return this.items.length - this.head;
  }

  get bytes(): number {
    return this.bytesUsed;
  }

  push(r: LogRecord): void {
    this.items.push(r);
    this.bytesUsed += weight(r);
    while (this.size > this.maxLines || (this.bytesUsed > this.maxBytes && this.size > 1)) {
      const old = this.items[this.head] as LogRecord;
      this.bytesUsed -= weight(old);
      this.head++;
    }
    // compact the array now and then so the dropped head is freed
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  /** The newest `n` records, oldest first. */
  last(n: number): LogRecord[] {
    const start = Math.max(this.head, this.items.length - Math.max(0, n));
    return this.items.slice(start);
  }

  /** Every record kept, oldest first. */
  all(): LogRecord[] {
    return this.items.slice(this.head);
  }
}

/** What a record costs in memory, roughly: its text plus a fixed overhead. */
export function weight(r: LogRecord): number {
  return r.line.length + r.dyno.length + 96;
}
