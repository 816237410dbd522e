import type { Logger } from '../../core/logger.js';
import type { ServiceMetrics } from '../../core/metrics.js';
import { eachLimited } from '../../core/pool.js';
import type { Runtime } from '../docker.js';
import type { ContainerRef } from '../spec.js';
import type { ContainerCgroups } from './cgroup.js';
import { Kernel } from './kernel.js';
import { dynoLabels, renderDynoMetrics, type DynoSample } from './render.js';

// Per-dyno metrics (issue 18) on the agent's GET /metrics: at each scrape,
// this host's containers (one Docker list call), and for each that runs or is
// paused its figures from the kernel (kernel.ts: no `docker stats`). A
// container is located once (one inspect for its pid, then its cgroups'
// folders, kept while it exists). What is exported of each:
//   running    every series (CPU, memory, limit, network, restarts);
//   paused     every series as well: a frozen dyno (sleep's frozen tier)
//              still holds its memory, and its CPU and network counters
//              stand still;
//   stopped    (asleep cold, crashed and waiting for its restart, a one-off
//              done) its restarts only: it has no cgroup left, so no figure,
//              as cAdvisor has none of a stopped container;
//   removed    nothing: its series end with it.
// Counters restart from 0 when the container does (a new cgroup and network
// namespace), which Prometheus' rate() and increase() take as a reset.

export interface DynoMetricsDeps {
  runtime: Pick<Runtime, 'list' | 'inspect'>;
  /** The labels of this agent's containers (spec.ts ownerLabels). */
  labels: Record<string, string>;
  /** The `host` label: the agent's host id. */
  hostId: string;
  /** Restarts by container id (the agent's crash history); a container it does not know yet has no restarts series. */
  restarts?: () => ReadonlyMap<string, number>;
  log: Logger;
  /** A sample this recent (ms) is served again rather than taken anew (1000). */
  maxAgeMs?: number;
  /** Told of every sample taken (minutes.ts: the apps' series). */
  onSample?: (samples: readonly DynoSample[], atMs: number) => void;
}

/** Containers located at once (an inspect call each), at most. */
const LOCATE_CONCURRENCY = 16;
/** Containers whose files are read in one turn of the event loop (0.1-0.3 ms each: the loop is held 1-3 ms). */
const READ_BATCH = 8;

export class DynoMetrics {
  private readonly kernel = new Kernel();
  /** The cgroups of each container id located so far (dropped when it is no longer listed). */
  private readonly located = new Map<string, ContainerCgroups>();
  private last: { at: number; text: string } | undefined;
  private pending: Promise<string> | undefined;
  private warned = false;
  /** How long the last sample took (s). */
  lastSeconds = 0;

  constructor(private readonly d: DynoMetricsDeps) {}

  /** Serves the series on `metrics`, with the cost of gathering them. */
  register(metrics: ServiceMetrics): void {
    const took = () => this.lastSeconds;
    metrics.gauge(
      'paas_agent_dyno_metrics_seconds',
      'Time the last per-dyno sample took, in seconds.',
      [],
      function () {
        this.set(took());
      },
    );
    metrics.extra(() => this.text());
  }

  /** The series, from a sample no older than maxAgeMs; scrapes at once share one sample. */
  text(): Promise<string> {
    if (this.last && Date.now() - this.last.at < (this.d.maxAgeMs ?? 1000)) return Promise.resolve(this.last.text);
    this.pending ??= this.sample()
      .then((samples) => {
        const text = renderDynoMetrics(samples);
        this.last = { at: Date.now(), text };
        return text;
      })
      .finally(() => (this.pending = undefined));
    return this.pending;
  }

  /** Every container of this agent now, with the figures of those that run or are paused. */
  async sample(): Promise<DynoSample[]> {
    const started = performance.now();
    const containers = await this.d.runtime.list(this.d.labels);
    const live = new Set(containers.map((c) => c.id));
    for (const id of this.located.keys()) if (!live.has(id)) this.located.delete(id);
    const active = containers.filter((c) => c.running || c.paused);
    const unknown = active.filter((c) => !this.located.has(c.id));
    const failed = (err: unknown, c: ContainerRef) =>
      this.d.log.debug({ err, container: c.id }, 'cannot read the figures of a container');
    await eachLimited(unknown, LOCATE_CONCURRENCY, (c) => this.locate(c), failed);
    const restarts = this.d.restarts?.() ?? new Map<string, number>();
    const out: DynoSample[] = [];
    for (const [i, c] of containers.entries()) {
      if (i > 0 && i % READ_BATCH === 0) await new Promise((r) => setImmediate(r)); // a turn for everything else
      const s: DynoSample = { labels: dynoLabels(c, this.d.hostId) };
      const r = restarts.get(c.id);
      if (r !== undefined) s.restarts = r;
      out.push(s); // its figures, when they cannot be read, are left out: its restarts are still told
      const cg = this.located.get(c.id);
      if (!cg || !(c.running || c.paused)) continue;
      try {
        const figures = this.kernel.figures(cg);
        if (figures) s.figures = figures;
        else this.located.delete(c.id); // stopped meanwhile: located again when it runs
      } catch (err) {
        failed(err, c);
      }
    }
    this.lastSeconds = (performance.now() - started) / 1000;
    this.d.onSample?.(out, Date.now());
    return out;
  }

  /** Finds a container's cgroups from its process (one inspect call), kept while it exists. */
  private async locate(c: ContainerRef): Promise<void> {
    const s = await this.d.runtime.inspect(c.id, 0);
    if (!s.pid) return;
    const cg = this.kernel.locate(s.pid);
    if (cg) this.located.set(c.id, cg);
    else if (!this.warned) {
      this.warned = true;
      this.d.log.warn(
        { container: c.id, pid: s.pid },
        "cannot find a container's cgroups under /sys/fs/cgroup: no per-dyno CPU, memory or network figures",
      );
    }
  }
}
