import { describe, expect, it } from 'vitest';
import { BuildQueue } from '../../../services/builder/build/queue.js';
import { BuilderMetrics } from '../../../services/builder/metrics.js';
import { ServiceMetrics } from '../../../services/core/metrics.js';

// The builder's work metrics: builds started and finished by outcome, their
// time, and the build queue's running and queued builds at each scrape.

const tick = () => new Promise((r) => setImmediate(r));

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { job: () => opened, open };
}

/** The value of a sample in the exposition text (undefined: no such line). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('BuilderMetrics', () => {
  it('counts builds by outcome, once each, with their time', async () => {
    const metrics = new ServiceMetrics('builder');
    const builds = new BuilderMetrics(metrics, new BuildQueue(1));
    let text = await metrics.text();
    expect(sample(text, 'paas_builder_builds_started_total')).toBe(0);
    for (const outcome of ['succeeded', 'failed', 'error'])
      expect(sample(text, `paas_builder_builds_finished_total{outcome="${outcome}"}`)).toBe(0);

    const ok = builds.start();
    const bad = builds.start();
    builds.start(); // still running
    ok('succeeded');
    ok('error'); // a second end does nothing
    bad('failed');
    text = await metrics.text();
    expect(sample(text, 'paas_builder_builds_started_total')).toBe(3);
    expect(sample(text, 'paas_builder_builds_finished_total{outcome="succeeded"}')).toBe(1);
    expect(sample(text, 'paas_builder_builds_finished_total{outcome="failed"}')).toBe(1);
    expect(sample(text, 'paas_builder_builds_finished_total{outcome="error"}')).toBe(0);
    expect(sample(text, 'paas_builder_build_duration_seconds_count{outcome="succeeded"}')).toBe(1);
    expect(sample(text, 'paas_builder_build_duration_seconds_bucket{le="1",outcome="failed"}')).toBe(1);
  });

  it("reads the queue's running and queued builds at each scrape", async () => {
    const metrics = new ServiceMetrics('builder');
    const queue = new BuildQueue(1);
    new BuilderMetrics(metrics, queue);
    const [a1, a2, b1] = [gate(), gate(), gate()];
    const runs = [queue.run('a', a1.job), queue.run('a', a2.job), queue.run('b', b1.job)];
    await tick();
    // a1 runs; a2 waits for a1, b1 for the one slot
    expect(queue.counts()).toEqual({ running: 1, queued: 2 });
    let text = await metrics.text();
    expect(sample(text, 'paas_builder_builds_running')).toBe(1);
    expect(sample(text, 'paas_builder_builds_queued')).toBe(2);
    a1.open();
    await runs[0];
    await tick();
    expect(queue.counts()).toEqual({ running: 1, queued: 1 });
    b1.open();
    a2.open();
    await Promise.all(runs);
    text = await metrics.text();
    expect(sample(text, 'paas_builder_builds_running')).toBe(0);
    expect(sample(text, 'paas_builder_builds_queued')).toBe(0);
  });
});
