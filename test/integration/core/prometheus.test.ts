import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuildQueue } from '../../../services/builder/build/queue.js';
import { BuilderMetrics } from '../../../services/builder/metrics.js';
import { createLogger } from '../../../services/core/logger.js';
import { ServiceMetrics } from '../../../services/core/metrics.js';
import { startController, type Harness } from '../controller/harness.js';
import { startPrometheus, type Prometheus, type Sample } from '../../support/prometheus.js';
import { freePort } from '../../support/ports.js';

// A real Prometheus (Debian's package) scrapes two services' GET /metrics as
// the README's scrape config has it, one job per service: a controller (the
// real app over the real etcd, counting its requests) and a builder's
// registry with builds counted; a third job points where nothing serves. The
// test reads what Prometheus stored through its HTTP API: each job up (or
// down), and the work counters at the values the services counted.

const log = createLogger('prometheus-test', 'silent');
const controllerMetrics = new ServiceMetrics('controller');
const builderMetrics = new ServiceMetrics('builder');
let controller: Harness;
let prometheus: Prometheus;

const one = (samples: Sample[]) => (samples.length === 1 ? samples[0]?.value : undefined);

async function serve(metrics: ServiceMetrics): Promise<string> {
  await metrics.serve({ host: '127.0.0.1', port: 0 }, log);
  const at = metrics.address();
  if (!at) throw new Error('the metrics listener did not start');
  return `${at.host}:${at.port}`;
}

beforeAll(async () => {
  controller = await startController('prometheus', {}, { metrics: controllerMetrics });
  const queue = new BuildQueue(2);
  const builds = new BuilderMetrics(builderMetrics, queue);
  builds.start()('succeeded');
  builds.start()('failed');
  builds.start(); // still running
  prometheus = await startPrometheus([
    { job: 'paas-controller', targets: [await serve(controllerMetrics)] },
    { job: 'paas-builder', targets: [await serve(builderMetrics)] },
    { job: 'paas-missing', targets: [`127.0.0.1:${await freePort()}`] },
  ]);
});

afterAll(async () => {
  await prometheus?.stop();
  await controllerMetrics.close();
  await builderMetrics.close();
  await controller?.close();
});

describe('Prometheus scraping the services', () => {
  it('finds each service up, and a target that serves no metrics down', async () => {
    for (const job of ['paas-controller', 'paas-builder'])
      await prometheus.waitFor(`up{job="${job}"}`, (s) => one(s) === 1);
    await prometheus.waitFor('up{job="paas-missing"}', (s) => one(s) === 0);
    const memory = await prometheus.waitFor(
      'process_resident_memory_bytes{job="paas-controller"}',
      (s) => s.length === 1,
    );
    expect(memory[0]?.value).toBeGreaterThan(1024 * 1024);
  });

  it("stores the controller's request counts as it counts them, scrape after scrape", async () => {
    const series = 'paas_controller_http_requests_total{job="paas-controller",method="GET",route="/apps",code="200"}';
    for (let i = 0; i < 3; i++)
      expect((await controller.call('GET', '/apps', { token: controller.adminToken })).status).toBe(200);
    await prometheus.waitFor(series, (s) => one(s) === 3);
    expect((await controller.call('GET', '/apps', { token: controller.adminToken })).status).toBe(200);
    await prometheus.waitFor(series, (s) => one(s) === 4);
    // its Store's round trips to etcd, summed over the operations
    const etcd = await prometheus.waitFor(
      'sum(paas_controller_etcd_requests_total{job="paas-controller",result="ok"})',
      (s) => (one(s) ?? 0) > 0,
    );
    expect(etcd[0]?.value).toBeGreaterThan(0);
  });

  it("stores the builder's builds by outcome and its queue", async () => {
    await prometheus.waitFor(
      'paas_builder_builds_finished_total{job="paas-builder",outcome="succeeded"}',
      (s) => one(s) === 1,
    );
    await prometheus.waitFor(
      'paas_builder_builds_finished_total{job="paas-builder",outcome="failed"}',
      (s) => one(s) === 1,
    );
    await prometheus.waitFor('paas_builder_builds_started_total{job="paas-builder"}', (s) => one(s) === 3);
    await prometheus.waitFor('paas_builder_builds_running{job="paas-builder"}', (s) => one(s) === 0);
    // a histogram Prometheus can take quantiles of
    const p50 = await prometheus.waitFor(
      'histogram_quantile(0.5, sum by (le) (paas_builder_build_duration_seconds_bucket{job="paas-builder"}))',
      (s) => s.length === 1 && Number.isFinite(s[0]?.value),
    );
    expect(p50[0]?.value).toBeLessThanOrEqual(1);
  });
});
