import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LATENCY_BUCKETS_S } from '../../../services/core/metricseries.js';
import { MetricsStore } from '../../../services/controller/metrics/store.js';
import { createLogger } from '../../../services/core/logger.js';
import { postMetrics, SAMPLES_PER_POST } from '../../../services/core/metricpost.js';
import { startController, type Harness } from './harness.js';

// An app's metrics through the real controller over the real etcd: routers
// and agents send each minute's samples (POST /internal/metrics), the app's
// users read them (GET /apps/<app>/metrics?range=), others see no such app;
// a bad body stores nothing; a rename takes the series along, a destroy drops
// them; the series outlive a restart (the store's file).

let h: Harness;
const minute = () => Math.floor(Date.now() / 60_000) * 60;
const latency = (i: number, n: number) =>
  Array.from({ length: LATENCY_BUCKETS_S.length + 1 }, (_, k) => (k === i ? n : 0));
const push = (samples: unknown[]) => h.call('POST', '/internal/metrics', { token: h.internalToken, body: { samples } });
const read = (app: string, range = '1h', token = h.adminToken) =>
  h.call('GET', `/apps/${app}/metrics?range=${range}`, { token });

beforeAll(async () => {
  h = await startController('metrics');
  for (const name of ['shop', 'blog'])
    expect((await h.call('POST', '/apps', { token: h.adminToken, body: { name } })).status).toBe(201);
});
afterAll(() => h?.close());

describe('metrics API', () => {
  it("adds up what routers and agents sent, and shows it to the app's users by minute", async () => {
    const t = minute();
    expect((await push([{ app: 'shop', t, ok: 90, failed: 2, latency: latency(2, 92) }])).status).toBe(202);
    expect((await push([{ app: 'shop', t, ok: 10, memory: { 'web.1': 64 * 2 ** 20 } }])).status).toBe(202);
    const res = await read('shop');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ app: 'shop', range: '1h', step_s: 60 });
    expect(res.body.points).toHaveLength(60);
    const last = res.body.points.at(-1);
    expect(last).toMatchObject({
      at: new Date(t * 1000).toISOString(),
      requests_ok: 100,
      requests_failed: 2,
      memory_bytes: { 'web.1': 64 * 2 ** 20 },
    });
    expect(last.p50_ms).toBeGreaterThan(10);
    expect(last.p99_ms).toBeLessThanOrEqual(25);
    expect(res.body.points[0]).toMatchObject({ requests_ok: 0, p50_ms: null });
    const day = await read('shop', '24h');
    expect([day.body.step_s, day.body.points.length]).toEqual([600, 144]);
    expect(day.body.points.at(-1).requests_ok).toBe(100);
  });

  it('refuses a bad range, a bad sample (storing none of the body), and strangers', async () => {
    expect((await read('shop', '3y')).status).toBe(422);
    const t = minute();
    const bad = await push([
      { app: 'blog', t, ok: 5 },
      { app: 'blog', t: t + 1, ok: 5 },
    ]);
    expect(bad.status).toBe(422);
    expect((await push([{ app: 'Bad App', t, ok: 1 }])).status).toBe(422);
    expect((await push({ samples: 'x' } as unknown as unknown[])).status).toBe(422);
    expect((await read('blog')).body.points.at(-1).requests_ok).toBe(0);
    expect((await h.call('POST', '/internal/metrics', { token: h.adminToken, body: { samples: [] } })).status).toBe(
      401,
    );
    const stranger = await h.call('POST', '/users', { token: h.adminToken, body: { email: 'eve@example.com' } });
    expect(stranger.status).toBe(201);
    expect((await read('shop', '1h', stranger.body.token)).status).toBe(404);
    expect((await read('nope')).status).toBe(404);
  });

  it('moves the series with a rename and drops them with a destroy', async () => {
    const t = minute();
    await push([{ app: 'blog', t, ok: 7 }]);
    const renamed = await h.call('PATCH', '/apps/blog', { token: h.adminToken, body: { name: 'journal' } });
    expect(renamed.status).toBe(200);
    expect((await read('journal')).body.points.at(-1).requests_ok).toBe(7);
    expect((await h.call('DELETE', '/apps/journal', { token: h.adminToken })).status).toBe(200);
    expect((await h.call('POST', '/apps', { token: h.adminToken, body: { name: 'journal' } })).status).toBe(201);
    expect((await read('journal')).body.points.at(-1).requests_ok).toBe(0);
  });
});

describe('postMetrics (the producers)', () => {
  it('sends samples in bodies the API takes, and counts those it did not take', async () => {
    const log = createLogger('metrics-test', 'silent');
    const t = minute();
    const samples = Array.from({ length: 2 * SAMPLES_PER_POST + 10 }, () => ({
      app: 'shop',
      t,
      ok: 1,
      latency: latency(0, 1),
    }));
    const before = (await read('shop')).body.points.at(-1).requests_ok as number;
    expect(await postMetrics({ apiUrl: h.url, internalToken: h.internalToken }, samples, log)).toBe(0);
    expect((await read('shop')).body.points.at(-1).requests_ok).toBe(before + samples.length);
    expect(await postMetrics({ apiUrl: h.url, internalToken: 'wrong-token-0123456789' }, samples, log)).toBe(
      samples.length,
    );
    expect(await postMetrics({ apiUrl: 'http://127.0.0.1:1', internalToken: h.internalToken }, samples, log)).toBe(
      samples.length,
    );
  });
});

describe('MetricsStore file', () => {
  it('reads back at start what it saved at stop', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'paas-metrics-'));
    try {
      const file = join(dir, 'metrics', 'series.json');
      const a = new MetricsStore(file);
      await a.start();
      a.add('shop', { t: minute(), ok: 3, memory: { 'web.1': 5 } });
      await a.stop();
      const b = new MetricsStore(file);
      await b.start();
      expect(b.view('shop', '1h', 3600).points.at(-1)).toMatchObject({ requests_ok: 3, memory_bytes: { 'web.1': 5 } });
      await b.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
