// Builds of one app run one after another; builds of different apps run in
// parallel up to a limit. `run` resolves with the job's result once it ran.
// `counts` says how many run and how many wait (the builder's metrics).

export class BuildQueue {
  private readonly tails = new Map<string, Promise<void>>();
  private running = 0;
  /** Jobs given to run that have not started: behind their app's previous one, or waiting for a slot. */
  private queued = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error('parallel build limit must be a positive integer');
  }

  /** Whether a job for this app would have to wait (for a message to the pusher). */
  busy(app: string): boolean {
    return this.tails.has(app) || this.running >= this.limit;
  }

  /** What a job for this app would wait for, told to the pusher; undefined when it starts at once. */
  waitReason(app: string): string | undefined {
    if (this.tails.has(app)) return `Waiting for the previous build of ${app} to finish...`;
    if (this.running >= this.limit)
      return `Waiting for a build slot (${this.running} build${this.running === 1 ? '' : 's'} running)...`;
    return undefined;
  }

  /** Jobs running now, and jobs waiting to start. */
  counts(): { running: number; queued: number } {
    return { running: this.running, queued: this.queued };
  }

  run<T>(app: string, job: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(app) ?? Promise.resolve();
    this.queued++;
    const result = prev.then(async () => {
      await this.acquire();
      this.queued--;
      try {
        return await job();
      } finally {
        this.release();
      }
    });
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(app, tail);
    void tail.then(() => {
      if (this.tails.get(app) === tail) this.tails.delete(app);
    });
    return result;
  }

  private acquire(): Promise<void> {
    if (this.running < this.limit) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(() => resolve()));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next)
      next(); // the slot passes straight to the next job
    else this.running--;
  }
}
