import { afterAll, describe, expect, it } from 'vitest';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import Docker from 'dockerode';
import { DockerRuntime } from '../../../services/agent/docker.js';
import { DynoMetrics } from '../../../services/agent/metrics/dynos.js';
import { containerSpec, ownerLabels } from '../../../services/agent/spec.js';
import { eachLimited } from '../../../services/core/pool.js';
import { assignmentOf, docker, log, RUN_IMAGE, uniqueCluster } from './support.js';

// What a per-dyno scrape costs (docs/architecture.md, "Per-dyno metrics"),
// on demand only: PAAS_TEST_METRICS_COST=N runs N idle containers carrying
// the agent's labels and times the agent's sample of them, the first one
// (which locates each container: one inspect each) and the next ones (one
// Docker list call and the kernel's files), the longest the event loop waited
// meanwhile, and one `docker stats` beside them.
//
//   PAAS_TEST_METRICS_COST=100 npx vitest run --project integration test/integration/agent/metricscost.test.ts

const N = Number(process.env.PAAS_TEST_METRICS_COST ?? 0);
const cluster = uniqueCluster();
const hostId = `host-${cluster}`;
const ids: string[] = [];

afterAll(async () => {
  // a few at a time: Docker 20.10 can deadlock on many removals at once
  await eachLimited(
    ids,
    4,
    (id) => docker.getContainer(id).remove({ force: true }),
    () => undefined,
  );
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

describe.skipIf(!(N > 0))(`agent: the cost of a per-dyno scrape at ${N} containers`, () => {
  it('samples them from the kernel', async () => {
    const ctx = { cluster, hostId, hostAddress: '127.0.0.1', pidsLimit: 64 };
    const indexes = Array.from({ length: N }, (_, i) => i + 1);
    await eachLimited(
      indexes,
      4,
      async (i) => {
        const labels = containerSpec(assignmentOf(hostId, `cost.web.${i}.v1`), ctx).Labels;
        const c = await docker.createContainer({
          name: `${cluster}-cost.web.${i}.v1`,
          Image: RUN_IMAGE,
          Cmd: ['sleep', 'infinity'],
          Labels: labels,
          HostConfig: { Memory: 64 * 1024 * 1024, Init: true },
        });
        ids.push(c.id);
        await c.start();
      },
      (err) => {
        throw err;
      },
    );
    expect(ids).toHaveLength(N);
    const runtime = new DockerRuntime(new Docker());
    const dynos = new DynoMetrics({ runtime, labels: ownerLabels(ctx), hostId, log, maxAgeMs: 0 });
    let t = performance.now();
    const first = await dynos.sample();
    const firstMs = performance.now() - t;
    expect(first.filter((s) => s.figures?.memory && s.figures.net?.has('eth0'))).toHaveLength(N);
    const warm: number[] = [];
    const lists: number[] = [];
    let text = '';
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    for (let k = 0; k < 10; k++) {
      t = performance.now();
      await runtime.list(ownerLabels(ctx));
      lists.push(performance.now() - t);
      t = performance.now();
      text = await dynos.text();
      warm.push(performance.now() - t);
    }
    loop.disable();
    expect(text.split('\n').filter((l) => l.startsWith('container_memory_working_set_bytes{'))).toHaveLength(N);
    t = performance.now();
    await runtime.stats(ids[0] as string);
    const statsMs = performance.now() - t;
    const r = (x: number) => Math.round(x * 10) / 10;
    console.log(
      `${N} containers: first sample ${r(firstMs)} ms, then ${r(median(warm))} ms (median of 10, of which Docker's ` +
        `list ${r(median(lists))} ms; max ${r(Math.max(...warm))} ms); the event loop held at most ` +
        `${r(loop.max / 1e6)} ms; one docker stats: ${r(statsMs)} ms`,
    );
  });
});
