import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../services/core/logger.js';
import type { Running } from '../../../services/core/service.js';
import { start } from '../../../services/dashboard/start.js';
import { freePort } from '../../support/ports.js';
import { startController, type Harness } from '../controller/harness.js';

// The dashboard's composition root as a process runs it: its settings, its listener, its GET /metrics.

let api: Harness;
let running: Running;
let port: number;
let metricsPort: number;

beforeAll(async () => {
  api = await startController('dashboard-start');
  [port, metricsPort] = [await freePort(), await freePort()];
  running = await start({
    service: 'dashboard',
    env: {
      PAAS_DASHBOARD_PORT: String(port),
      PAAS_DASHBOARD_METRICS_PORT: String(metricsPort),
      PAAS_API_URL: api.url,
      PAAS_INTERNAL_TOKEN: api.internalToken,
      PAAS_DASHBOARD_ASSETS: '/nonexistent/dashboard',
    },
    logger: (level) => createLogger('dashboard', level === 'info' ? 'silent' : level),
    shared: (_k, make) => make(),
  });
});
afterAll(async () => {
  await running?.stop();
  await api?.close();
});

describe('dashboard start', () => {
  it('serves /healthz, says the UI is not built, and counts its answers in GET /metrics', async () => {
    const base = `http://127.0.0.1:${port}`;
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ ok: true });
    const page = await fetch(`${base}/apps`);
    expect(page.status).toBe(503);
    expect(await page.text()).toMatch(/not built/);
    expect((await fetch(`${base}/api/apps`)).status).toBe(401);
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(text).toMatch(/paas_dashboard_requests_total\{kind="api",code="4xx"\} 1/);
    expect(text).toMatch(/paas_dashboard_requests_total\{kind="page",code="5xx"\} 1/);
    expect(text).toContain('paas_dashboard_api_requests_in_flight 0');
  });
});
