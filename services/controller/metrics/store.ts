import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { MetricsPoint, MetricsView } from '../../core/api.js';
import type { Logger } from '../../core/logger.js';
import { AppSeries, latencyQuantile, type MinuteSample, type Point } from '../../core/metricseries.js';

// The apps' metrics over 7 days (core/metricseries.ts), inside the platform
// with no extra server: routers and agents send each minute what they saw of
// each app (POST /internal/metrics), the controller adds it up per app and
// answers GET /apps/<app>/metrics. Held in memory, written to one file
// ($PAAS_STATE_DIR/metrics/series.json) every SAVE_EVERY_MS and at stop, read
// back at start, so a restart loses at most that long.

export const SAVE_EVERY_MS = 60_000;

/** Milliseconds, to the tenth; null with no request. */
function ms(seconds: number | undefined): number | null {
  return seconds === undefined ? null : Math.round(seconds * 10_000) / 10;
}

/** A point as the API shows it; pure. */
export function pointView(p: Point): MetricsPoint {
  return {
    at: new Date(p.t * 1000).toISOString(),
    requests_ok: p.ok,
    requests_failed: p.failed,
    p50_ms: ms(latencyQuantile(p.latency, 0.5)),
    p95_ms: ms(latencyQuantile(p.latency, 0.95)),
    p99_ms: ms(latencyQuantile(p.latency, 0.99)),
    memory_bytes: { ...p.memory },
  };
}

export class MetricsStore {
  private readonly series = new Map<string, AppSeries>();
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;

  /** `file`: where the series are kept across restarts (absent: memory only). */
  constructor(
    private readonly file?: string,
    private readonly log?: Logger,
  ) {}

  add(app: string, sample: MinuteSample): void {
    let s = this.series.get(app);
    if (!s) {
      s = new AppSeries();
      this.series.set(app, s);
    }
    s.add(sample);
    this.dirty = true;
  }

  /** The app's points over the last `rangeS` seconds (zeros for an app nothing was sent of). */
  view(app: string, range: string, rangeS: number, now = Date.now()): MetricsView {
    const { stepS, points } = (this.series.get(app) ?? new AppSeries()).read(rangeS, Math.floor(now / 1000));
    return { app, range, step_s: stepS, points: points.map(pointView) };
  }

  /** The app is gone (destroyed): its series with it. */
  forget(app: string): void {
    if (this.series.delete(app)) this.dirty = true;
  }

  /** The app is renamed: its series go with it (a series under the new name, from before, is dropped). */
  rename(from: string, to: string): void {
    const s = this.series.get(from);
    this.series.delete(to);
    if (s) this.series.set(to, s);
    this.series.delete(from);
    this.dirty = true;
  }

  /** The apps with series. */
  apps(): string[] {
    return [...this.series.keys()];
  }

  async start(): Promise<void> {
    if (!this.file) return;
    try {
      const saved = JSON.parse(await readFile(this.file, 'utf8')) as Record<string, unknown>;
      for (const [app, rings] of Object.entries(saved)) this.series.set(app, AppSeries.fromJSON(rings));
      this.log?.info({ file: this.file, apps: this.series.size }, 'metrics read back');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        this.log?.warn({ err, file: this.file }, 'cannot read the saved metrics: starting empty');
    }
    this.timer = setInterval(() => void this.save(), SAVE_EVERY_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.save();
  }

  /** Writes the series when they changed: a temp file, then renamed over the last one. */
  async save(): Promise<void> {
    if (!this.file || !this.dirty) return;
    this.dirty = false;
    const tmp = `${this.file}.tmp`;
    try {
      await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
      await writeFile(tmp, JSON.stringify(Object.fromEntries(this.series)), { mode: 0o600 });
      await rename(tmp, this.file);
    } catch (err) {
      this.dirty = true;
      this.log?.warn({ err, file: this.file }, 'cannot save the metrics');
    }
  }
}
