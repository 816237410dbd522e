import type { BuildPhase, BuildPhases, BuildStatus } from '../../core/builds.js';
import { apiFetch } from '../../core/apiurls.js';
import type { Logger } from '../../core/logger.js';
import type { Pusher } from '../controller.js';
import type { Output } from '../output.js';

// The builder's side of build records: it times each phase, keeps the
// output, and reports them to the controller (POST/PATCH
// /internal/apps/<app>/builds). A failure to report is logged and never
// fails the build.

export interface BuildReport {
  status?: BuildStatus;
  phases?: BuildPhases;
  release?: number;
  failure?: string;
  append?: string[];
  /**
   * The appended lines are in the app's log already (relayed from it): the controller keeps them in the build's output
   * and does not log them again.
   */
  alreadyLogged?: true;
}

export interface BuildReporter {
  create(app: string, build: { id: string; commit: string; user: Pusher }): Promise<void>;
  update(app: string, id: string, report: BuildReport): Promise<void>;
}

export class HttpBuildReporter implements BuildReporter {
  constructor(
    private readonly apiUrl: string,
    private readonly token: string,
    private readonly timeoutMs = 10_000,
  ) {}

  create(app: string, build: { id: string; commit: string; user: Pusher }): Promise<void> {
    return this.send('POST', `/internal/apps/${encodeURIComponent(app)}/builds`, build, 201);
  }

  update(app: string, id: string, report: BuildReport): Promise<void> {
    return this.send(
      'PATCH',
      `/internal/apps/${encodeURIComponent(app)}/builds/${encodeURIComponent(id)}`,
      report,
      200,
    );
  }

  private async send(method: string, path: string, body: unknown, want: number): Promise<void> {
    const res = await apiFetch(this.apiUrl, path, {
      method,
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (res.status !== want)
      throw new Error(`${method} ${path}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
  }
}

/** Most bytes of output lines in one report (the controller takes bodies up to 100 KiB). */
export const REPORT_CHUNK_BYTES = 64 * 1024;

/** Splits lines into chunks of at most maxBytes each (a longer line is cut to fit). Pure. */
export function chunkLines(lines: readonly string[], maxBytes = REPORT_CHUNK_BYTES): string[][] {
  const chunks: string[][] = [];
  let cur: string[] = [];
  let size = 0;
  for (const raw of lines) {
    const line =
      Buffer.byteLength(raw) + 1 > maxBytes
        ? Buffer.from(raw)
            .subarray(0, maxBytes - 1)
            .toString('utf8')
        : raw;
    const n = Buffer.byteLength(line) + 1;
    if (size + n > maxBytes && cur.length > 0) {
      chunks.push(cur);
      cur = [];
      size = 0;
    }
    cur.push(line);
    size += n;
  }
  if (cur.length > 0) chunks.push(cur);
  return chunks;
}

/** An output line and whether it was relayed from the app's log (Output.relayed). */
export interface KeptLine {
  text: string;
  relayed: boolean;
}

/**
 * The reports' `append` parts for these lines, in order: one run of relayed or of other lines after another, each
 * chunked. Pure.
 */
export function appendReports(lines: readonly KeptLine[], maxBytes = REPORT_CHUNK_BYTES): BuildReport[] {
  const runs: KeptLine[][] = [];
  for (const l of lines) {
    const run = runs[runs.length - 1];
    if (run && run[0]?.relayed === l.relayed) run.push(l);
    else runs.push([l]);
  }
  return runs.flatMap((run) =>
    chunkLines(
      run.map((l) => l.text),
      maxBytes,
    ).map((append): BuildReport => (run[0]?.relayed ? { append, alreadyLogged: true } : { append })),
  );
}

/** Times phases: starting one ends the one before. Pure apart from the clock it is given. */
export class PhaseTimer {
  readonly phases: BuildPhases = {};
  private current: { name: BuildPhase; start: number } | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  start(name: BuildPhase): void {
    this.end();
    this.current = { name, start: this.now() };
  }

  end(): void {
    if (!this.current) return;
    const { name, start } = this.current;
    this.phases[name] = (this.phases[name] ?? 0) + (this.now() - start);
    this.current = undefined;
  }
}

/** One build's record: phases, output, and the reports that carry them, sent in order. */
export class BuildRecorder {
  readonly timer = new PhaseTimer();
  private pending: KeptLine[] = [];
  private chain: Promise<void> = Promise.resolve();
  private created = false;
  private flusher: NodeJS.Timeout | undefined;

  constructor(
    private readonly reporter: BuildReporter,
    private readonly app: string,
    private readonly id: string,
    private readonly log: Logger,
    private readonly flushMs = 2000,
  ) {}

  /** Creates the record (pending); later reports are sent only if this succeeded. */
  async start(commit: string, user: Pusher): Promise<void> {
    try {
      await this.reporter.create(this.app, { id: this.id, commit, user });
      this.created = true;
      this.flusher = setInterval(() => this.flush(), this.flushMs);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not record the build');
    }
  }

  /** An Output that also keeps each line for the record. */
  tee(out: Output): Output {
    return {
      line: (text) => {
        this.pending.push({ text, relayed: false });
        out.line(text);
      },
      relayed: (text) => {
        this.pending.push({ text, relayed: true });
        out.line(text);
      },
    };
  }

  phase(name: BuildPhase): void {
    this.timer.start(name);
  }

  /** Reports the status (and the output so far). */
  status(status: BuildStatus): void {
    this.send({ status });
  }

  /** The last report: status, phases, release or failure, the rest of the output. Waits for every report to be sent. */
  async finish(
    result: { status: 'succeeded'; release?: number } | { status: 'failed'; failure: string },
  ): Promise<void> {
    clearInterval(this.flusher);
    this.timer.end();
    this.send({ ...result, phases: this.timer.phases });
    await this.chain;
  }

  private flush(): void {
    if (this.pending.length > 0) this.send({});
  }

  private send(report: BuildReport): void {
    if (!this.created) return;
    const appends = appendReports(this.pending.splice(0));
    const reports: BuildReport[] =
      appends.length === 0
        ? [report]
        : appends.map((append, i) => (i === appends.length - 1 ? { ...report, ...append } : append));
    for (const r of reports) {
      this.chain = this.chain.then(() =>
        this.reporter
          .update(this.app, this.id, r)
          .catch((err: unknown) => this.log.warn({ err: (err as Error).message }, 'could not report on the build')),
      );
    }
  }
}
