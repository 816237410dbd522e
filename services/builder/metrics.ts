import type { Counter, Histogram } from 'prom-client';
import type { ServiceMetrics } from '../core/metrics.js';
import type { BuildQueue } from './build/queue.js';

// The builder's work (issue 18), on its registry (core/metrics.ts), counted by
// the hook socket (push/hookserver.ts) for each build a push asks for:
//
//   paas_builder_builds_started_total                 a push's source accepted for a build
//   paas_builder_builds_finished_total{outcome}       succeeded, failed (the pusher's fault: a
//                                                     build or release that fails, a limit),
//                                                     error (the platform's: an internal error)
//   paas_builder_build_duration_seconds{outcome}      from the start to the push's answer: the
//                                                     source, the wait in the queue, the build
//                                                     and the release
//   paas_builder_builds_running, _builds_queued       the build queue now (build/queue.ts)

export type BuildOutcome = 'succeeded' | 'failed' | 'error';

/** Seconds: a build with a warm cache takes some, a cold Node.js one a minute or more, the longest half an hour. */
export const BUILD_BUCKETS = [1, 2.5, 5, 10, 20, 30, 45, 60, 90, 120, 180, 300, 600, 1200, 1800];

export class BuilderMetrics {
  private readonly started: Counter;
  private readonly finished: Counter<'outcome'>;
  private readonly duration: Histogram<'outcome'>;

  constructor(metrics: ServiceMetrics, queue: Pick<BuildQueue, 'counts'>) {
    this.started = metrics.counter('paas_builder_builds_started_total', 'Builds started: pushes whose source came in');
    this.finished = metrics.counter(
      'paas_builder_builds_finished_total',
      'Builds finished, by outcome: succeeded, failed (the build or its release failed), error (internal)',
      ['outcome'],
    );
    this.duration = metrics.histogram(
      'paas_builder_build_duration_seconds',
      "Builds' time from start to the push's answer (source, queue, build, release), by outcome",
      BUILD_BUCKETS,
      ['outcome'],
    );
    metrics.gauge('paas_builder_builds_running', 'Builds running now', [], function () {
      this.set(queue.counts().running);
    });
    metrics.gauge(
      'paas_builder_builds_queued',
      "Builds waiting to run: behind their app's previous build, or for a free slot",
      [],
      function () {
        this.set(queue.counts().queued);
      },
    );
    for (const outcome of ['succeeded', 'failed', 'error'] as const) this.finished.inc({ outcome }, 0);
  }

  /** A build starts: the answer ends it with its outcome (once; later calls do nothing). */
  start(): (outcome: BuildOutcome) => void {
    this.started.inc();
    const end = this.duration.startTimer();
    let ended = false;
    return (outcome) => {
      if (ended) return;
      ended = true;
      this.finished.inc({ outcome });
      end({ outcome });
    };
  }
}
