import { apiFetch } from './apiurls.js';
import type { Logger } from './logger.js';
import type { IngestRecord } from './logs.js';
import { MAX_BATCH_RECORDS } from './logs.js';

// Producers' side of the app logs: POST /internal/logs on the controller
// with the internal token. LogBatcher keeps a bounded queue and sends it every
// interval; past the bound, and when the controller does not answer, lines
// are counted and dropped, so a producer's memory stays bounded.

export interface LogPostTarget {
  /** PAAS_API_URL: one controller or several, tried in turn (core/apiurls.ts). */
  apiUrl: string;
  internalToken: string;
  fetchFn?: typeof fetch;
}

/** Sends one batch; resolves with the HTTP status, rejects when the controller cannot be reached. */
export async function postLogLines(target: LogPostTarget, lines: readonly IngestRecord[]): Promise<number> {
  const res = await apiFetch(target.apiUrl, '/internal/logs', {
    ...(target.fetchFn && { fetchFn: target.fetchFn }),
    method: 'POST',
    headers: { authorization: `Bearer ${target.internalToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ lines }),
    signal: AbortSignal.timeout(10_000),
  });
  await res.text();
  return res.status;
}

export class LogBatcher {
  private queue: IngestRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  /** Lines dropped: over the queue bound, or lost with a failed POST. */
  dropped = 0;

  constructor(private readonly o: LogPostTarget & { log: Logger; intervalMs?: number; maxQueued?: number }) {}

  offer(r: IngestRecord): void {
    if (this.queue.length >= (this.o.maxQueued ?? 10_000)) {
      this.dropped++;
      return;
    }
    this.queue.push(r);
  }

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.o.intervalMs ?? 500);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  /** Sends everything queued, a batch at a time; one flush at a time. */
  flush(): Promise<void> {
    this.sending ??= this.drain().finally(() => (this.sending = undefined));
    return this.sending;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH_RECORDS);
      try {
        const status = await postLogLines(this.o, batch);
        if (status >= 400) this.o.log.warn({ status, lines: batch.length }, 'controller refused log lines');
      } catch (err) {
        this.dropped += batch.length + this.queue.length;
        this.queue = [];
        this.o.log.warn({ err, lines: batch.length }, 'cannot send log lines');
      }
    }
  }
}
