import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceMetrics } from '../../../services/core/metrics.js';
import { startController, type Harness } from './harness.js';

// The controller's work metrics, as the real app counts them over the real
// etcd: requests by method, route pattern (never the path) and status code,
// with their time; releases by kind; the log ingest's lines; the Store's
// round trips to etcd.

let h: Harness;
const metrics = new ServiceMetrics('controller');

beforeAll(async () => {
  h = await startController('metrics', {}, { metrics });
});

afterAll(async () => {
  await h?.close();
});

/** The value of one series in the exposition (0: none). */
async function sample(series: string): Promise<number> {
  const line = (await metrics.text()).split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe('controller metrics', () => {
  it('counts requests by route pattern, method and status code, and times them', async () => {
    const admin = { token: h.adminToken };
    expect((await h.call('POST', '/apps', { ...admin, body: { name: 'metrics-one' } })).status).toBe(201);
    expect((await h.call('GET', '/apps/metrics-one', admin)).status).toBe(200);
    expect((await h.call('GET', '/apps/metrics-two', admin)).status).toBe(404);
    expect((await h.call('GET', '/apps/metrics-three', admin)).status).toBe(404);
    expect((await h.call('GET', '/no/such/thing', admin)).status).toBe(404);
    expect((await h.call('GET', '/apps')).status).toBe(401); // refused before a route took it
    expect((await h.call('GET', '/internal/apps/metrics-one', { token: h.internalToken })).status).toBe(200);
    // an error thrown on the way out of a router mounted at /internal keeps its route
    expect((await h.call('GET', '/internal/apps/metrics-nope', { token: h.internalToken })).status).toBe(404);

    const text = await metrics.text();
    expect(await sample('paas_controller_http_requests_total{method="POST",route="/apps",code="201"}')).toBe(1);
    expect(await sample('paas_controller_http_requests_total{method="GET",route="/apps/:app",code="200"}')).toBe(1);
    // two paths, one series
    expect(await sample('paas_controller_http_requests_total{method="GET",route="/apps/:app",code="404"}')).toBe(2);
    expect(await sample('paas_controller_http_requests_total{method="GET",route="unmatched",code="404"}')).toBe(1);
    expect(await sample('paas_controller_http_requests_total{method="GET",route="unmatched",code="401"}')).toBe(1);
    expect(
      await sample('paas_controller_http_requests_total{method="GET",route="/internal/apps/:app",code="200"}'),
    ).toBe(1);
    expect(
      await sample('paas_controller_http_requests_total{method="GET",route="/internal/apps/:app",code="404"}'),
    ).toBe(1);
    expect(await sample('paas_controller_http_request_duration_seconds_count{method="GET",route="/apps/:app"}')).toBe(
      3,
    );
    expect(text).not.toMatch(/metrics-(one|two|three|nope)/); // no path, no app name in a label
  });

  it('counts releases by kind', async () => {
    const admin = { token: h.adminToken };
    const before = await sample('paas_controller_releases_total{kind="config"}');
    const set = await h.call('PATCH', '/apps/metrics-one/config-vars', { ...admin, body: { A: '1' } });
    expect(set.status).toBe(200);
    const built = await h.call('POST', '/internal/apps/metrics-one/releases', {
      token: h.internalToken,
      body: { image: 'paas/app-metrics-one:1', processTypes: { web: 'node server.js' } },
    });
    expect(built.status).toBe(201);
    expect(await sample('paas_controller_releases_total{kind="config"}')).toBe(before + 1);
    expect(await sample('paas_controller_releases_total{kind="build"}')).toBe(1);
    expect(await sample('paas_controller_releases_total{kind="rollback"}')).toBe(0);
  });

  it('counts the log lines taken in, and those for no such app as dropped', async () => {
    const at = new Date().toISOString();
    const line = (app: string) => ({ app, at, source: 'app', dyno: 'web.1', line: 'hello' });
    const res = await h.call('POST', '/internal/logs', {
      token: h.internalToken,
      body: { lines: [line('metrics-one'), line('metrics-one'), line('metrics-gone')] },
    });
    expect(res.body).toEqual({ accepted: 2, dropped: 1 });
    expect(await sample('paas_controller_log_lines_received_total')).toBe(2);
    expect(await sample('paas_controller_log_lines_dropped_total{reason="unknown_app"}')).toBe(1);
    expect(await sample('paas_controller_log_lines_dropped_total{reason="drain_overflow"}')).toBe(0);
  });

  it("counts its Store's round trips to etcd by operation", async () => {
    expect(await sample('paas_controller_etcd_requests_total{operation="txn",result="ok"}')).toBeGreaterThan(0);
    expect(await sample('paas_controller_etcd_requests_total{operation="get",result="ok"}')).toBeGreaterThan(0);
    expect(await sample('paas_controller_etcd_request_duration_seconds_count{operation="get"}')).toBeGreaterThan(0);
  });
});
