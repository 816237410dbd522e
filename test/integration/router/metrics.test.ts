import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../services/core/logger.js';
import { ServiceMetrics } from '../../../services/core/metrics.js';
import type { Route } from '../../../services/core/types.js';
import { TIME_BUCKETS } from '../../../services/router/luametrics.js';
import { requestMetricsText } from '../../../services/router/metrics.js';
import { childPids, eventually, freePort, get, putRoute, startRouter, type RouterHarness } from './helpers.js';

// The router's request metrics through a real nginx and etcd: requests of an
// app counted per worker in Lua, flushed into the shared dict every second,
// read at each scrape of a real ServiceMetrics listener (as the service
// serves them) and checked to the request: counts by status class, the
// histograms' buckets, sums and counts, a request the router answered itself
// (a sleeping app's wake timeout), none for a host that names no app; and
// the counts kept across an nginx reload, a request in flight during it too.

const WAKE_TIMEOUT_S = 1;

interface StatusApp {
  address: string;
  close(): Promise<void>;
}

/** An app answering `?status=` (200) after `?sleep=` ms (0), once it read the whole body. */
async function startStatusApp(): Promise<StatusApp> {
  const srv = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://app');
    const status = Number(url.searchParams.get('status') ?? 200);
    const ms = Number(url.searchParams.get('sleep') ?? 0);
    req.resume();
    req.on('end', () => setTimeout(() => res.writeHead(status, { 'content-type': 'text/plain' }).end('ok\n'), ms));
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        srv.closeAllConnections();
        srv.close(() => resolve());
      }),
  };
}

const labels = (app: string, extra = '') => `{app="${app}",process_type="web"${extra}}`;

/** The value of one sample line (`name{labels} value`), undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

function requests(text: string, app: string, status: string): number | undefined {
  return sample(text, `nginx_ingress_controller_requests${labels(app, `,status="${status}"`)}`);
}

/** A histogram's cumulative buckets [le, count] in order, its sum and its count. */
function histogram(text: string, name: string, app: string) {
  const prefix = `${name}_bucket{app="${app}",process_type="web",le="`;
  const buckets = text
    .split('\n')
    .filter((l) => l.startsWith(prefix))
    .map((l) => {
      const le = l.slice(prefix.length, l.indexOf('"', prefix.length));
      return [le, Number(l.slice(l.lastIndexOf(' ') + 1))] as const;
    });
  const le = (bound: string) => buckets.find(([b]) => b === bound)?.[1];
  return {
    buckets,
    le,
    sum: sample(text, `${name}_sum${labels(app)}`),
    count: sample(text, `${name}_count${labels(app)}`),
  };
}

function expectMonotonic(buckets: ReadonlyArray<readonly [string, number]>, count: number | undefined): void {
  const values = buckets.map(([, v]) => v);
  expect(values).toEqual([...values].sort((a, b) => a - b));
  expect(buckets.at(-1)).toEqual(['+Inf', count]);
}

async function errorLog(h: RouterHarness): Promise<string[]> {
  const text = await readFile(join(h.nginx.paths.dir, 'logs', 'error.log'), 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l.trim() !== '');
}

describe('router: request metrics', () => {
  let h: RouterHarness;
  let app: StatusApp;
  let metrics: ServiceMetrics;
  let scrapeUrl: string;
  const host = (name: string) => `${name}.${h.domain}`;
  const scrape = async () => (await fetch(scrapeUrl)).text();
  /** The scrape once shop's 2xx count is `n` (each worker flushes about once a second). */
  const scrapeWhen = (what: string, ok: (text: string) => boolean) =>
    eventually(async () => {
      const text = await scrape();
      return ok(text) ? text : undefined;
    }, what);

  beforeAll(async () => {
    h = await startRouter('router-metrics', { wake: { timeoutS: WAKE_TIMEOUT_S, maxHeld: 100 } });
    app = await startStatusApp();
    metrics = new ServiceMetrics('router');
    metrics.extra(() => requestMetricsText(h.control));
    const port = await freePort();
    await metrics.serve({ host: '127.0.0.1', port }, createLogger('metrics-test', 'silent'));
    scrapeUrl = `http://127.0.0.1:${port}/metrics`;
    await putRoute(h.store, 'probe', app.address);
    await putRoute(h.store, 'shop', app.address);
    await putRoute(h.store, 'dead', `127.0.0.1:${await freePort()}`); // nothing listens: 502 from nginx
    await h.store.put(h.store.keys.route('nap'), {
      app: 'nap',
      dynos: [],
      state: 'sleeping',
      since: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
    } satisfies Route);
    await eventually(
      async () => ((await get(h.httpPort, host('probe'))).status === 200 ? true : undefined),
      'probe to answer',
    );
    await eventually(async () => {
      const sites = await h.control.sites();
      return sites.has('shop') &&
        sites.has('dead') &&
        sites.has('nap') &&
        (await h.control.states()).get('nap') === 'sleeping'
        ? true
        : undefined;
    }, 'shop, dead and nap in nginx');
  });

  afterAll(async () => {
    await metrics?.close();
    await h?.stop();
    await app?.close();
  });

  it('counts each request of an app by status class, into histograms of time and size', async () => {
    const sent: Promise<number>[] = [];
    const send = (name: string, path = '/', opts: { method?: string; body?: string } = {}) =>
      sent.push(get(h.httpPort, host(name), { path, ...opts }).then((a) => a.status));
    for (let i = 0; i < 20; i++) send('shop');
    for (let i = 0; i < 5; i++) send('shop', '/?status=404');
    for (let i = 0; i < 3; i++) send('shop', '/?status=500');
    for (let i = 0; i < 2; i++) send('shop', '/?sleep=300');
    send('shop', '/upload', { method: 'POST', body: 'x'.repeat(5000) });
    send('dead');
    send('dead'); // no dyno reachable: the router's own 502
    send('nap'); // held, then the router's own 503 at the wake timeout
    send('nobody'); // names no app: 404, counted nowhere
    const statuses = await Promise.all(sent);
    expect(statuses.filter((s) => s === 200)).toHaveLength(23);
    expect(statuses.filter((s) => s === 404)).toHaveLength(6);
    expect(statuses.filter((s) => s === 500)).toHaveLength(3);
    expect(statuses.filter((s) => s === 503)).toHaveLength(1);
    expect(statuses.filter((s) => s === 502)).toHaveLength(2);

    const text = await scrapeWhen(
      'the requests counted',
      (t) => requests(t, 'shop', '2xx') === 23 && requests(t, 'nap', '5xx') === 1 && requests(t, 'dead', '5xx') === 2,
    );
    for (const family of [
      'nginx_ingress_controller_requests counter',
      'nginx_ingress_controller_request_duration_seconds histogram',
      'nginx_ingress_controller_response_duration_seconds histogram',
      'nginx_ingress_controller_request_size histogram',
      'nginx_ingress_controller_response_size histogram',
      'paas_router_local_responses_total counter',
    ]) {
      expect(text.split('\n').filter((l) => l === `# TYPE ${family}`)).toHaveLength(1);
      expect(text).toContain(`# HELP ${family.split(' ')[0]} `);
    }
    expect(requests(text, 'shop', '4xx')).toBe(5);
    expect(requests(text, 'shop', '5xx')).toBe(3); // the app's own 500s
    for (const status of ['1xx', '3xx']) expect(requests(text, 'shop', status)).toBeUndefined();
    expect(sample(text, `paas_router_local_responses_total${labels('shop', ',status="5xx"')}`)).toBeUndefined();
    expect(sample(text, `paas_router_local_responses_total${labels('nap', ',status="5xx"')}`)).toBe(1);
    expect(requests(text, 'dead', '5xx')).toBe(2);
    expect(sample(text, `paas_router_local_responses_total${labels('dead', ',status="5xx"')}`)).toBe(2);
    // a dyno was tried, so the time spent on it counts
    expect(histogram(text, 'nginx_ingress_controller_response_duration_seconds', 'dead').count).toBe(2);
    expect(text).not.toContain('app="nobody"');
    expect(text).not.toContain('app=""');
    expect(sample(text, 'paas_router_request_metrics_lost_total')).toBe(0);

    const total = 31;
    const duration = histogram(text, 'nginx_ingress_controller_request_duration_seconds', 'shop');
    expect(duration.buckets.map(([le]) => le)).toEqual([...TIME_BUCKETS.map(String), '+Inf']);
    expect(duration.count).toBe(total);
    expectMonotonic(duration.buckets, total);
    expect(duration.le('0.25')).toBeLessThanOrEqual(total - 2); // the two slept 300 ms
    expect(duration.le('10')).toBe(total);
    expect(duration.sum).toBeGreaterThanOrEqual(0.6);
    const upstream = histogram(text, 'nginx_ingress_controller_response_duration_seconds', 'shop');
    expect(upstream.count).toBe(total); // every one reached the app
    expectMonotonic(upstream.buckets, total);
    expect(upstream.le('0.25')).toBeLessThanOrEqual(total - 2);
    expect(upstream.sum).toBeGreaterThanOrEqual(0.6);
    // nginx times the two with different clocks: a ms or so apart each
    expect(upstream.sum).toBeLessThanOrEqual((duration.sum as number) + total * 0.002);
    const received = histogram(text, 'nginx_ingress_controller_request_size', 'shop');
    expect(received.count).toBe(total);
    expectMonotonic(received.buckets, total);
    expect(received.le('1000')).toBe(total - 1); // all but the POST of 5000 bytes
    expect(received.le('10000')).toBe(total);
    expect(received.sum).toBeGreaterThan(5000);
    const sentBytes = histogram(text, 'nginx_ingress_controller_response_size', 'shop');
    expect(sentBytes.count).toBe(total);
    expectMonotonic(sentBytes.buckets, total);
    expect(sentBytes.sum).toBeGreaterThan(total * 50); // a status line and headers at least

    // the sleeping app: held for the wake timeout, answered by nginx, no dyno reached
    const held = histogram(text, 'nginx_ingress_controller_request_duration_seconds', 'nap');
    expect(held.count).toBe(1);
    expect(held.le('0.5')).toBe(0);
    expect(held.sum).toBeGreaterThanOrEqual(WAKE_TIMEOUT_S);
    expect(histogram(text, 'nginx_ingress_controller_response_duration_seconds', 'nap').count).toBeUndefined();
  });

  it('keeps every count across a reload, a request in flight during it too', async () => {
    const before = await scrape();
    const ok = requests(before, 'shop', '2xx') as number;
    const pid = await h.nginx.masterPid();
    const workers = await childPids(pid as number);
    // a slow request the old worker finishes after it was told to exit, and some it has not flushed yet
    const slow = get(h.httpPort, host('shop'), { path: '/?sleep=1500' });
    await new Promise((r) => setTimeout(r, 200));
    for (let i = 0; i < 10; i++) expect((await get(h.httpPort, host('shop'))).status).toBe(200);
    await h.nginx.reload();
    await eventually(async () => {
      const now = await childPids(pid as number);
      return now.some((p) => !workers.includes(p)) ? true : undefined;
    }, 'new workers');
    const during = await scrape();
    expect(requests(during, 'shop', '2xx')).toBeGreaterThanOrEqual(ok); // never back
    expect((await slow).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await get(h.httpPort, host('shop'))).status).toBe(200);
    const after = await scrapeWhen('the requests around the reload', (t) => requests(t, 'shop', '2xx') === ok + 16);
    expect(requests(after, 'shop', '4xx')).toBe(5);
    const duration = histogram(after, 'nginx_ingress_controller_request_duration_seconds', 'shop');
    expect(duration.count).toBe(ok + 16 + 5 + 3);
    expectMonotonic(duration.buckets, duration.count);
    expect(duration.le('1')).toBeLessThanOrEqual((duration.count as number) - 1); // the request of 1.5 s
  });

  it("drops an app's counters with its site", async () => {
    expect(await scrape()).toContain('app="probe"');
    await h.store.delete(h.store.keys.route('probe'));
    const text = await scrapeWhen('probe gone', (t) => !t.includes('app="probe"'));
    expect(requests(text, 'shop', '4xx')).toBe(5);
  });

  it("writes nothing into nginx's error log but the dead app's refused connections", async () => {
    const lines = await errorLog(h);
    const refused = lines.filter((l) => /\[error\].* connect\(\) failed \(111: Connection refused\)/.test(l));
    expect(refused).toHaveLength(2);
    expect(lines.filter((l) => !refused.includes(l))).toEqual([]);
  });
});

describe('router: request metrics off', () => {
  let h: RouterHarness;
  let app: StatusApp;

  beforeAll(async () => {
    h = await startRouter('router-metrics-off', { requestMetrics: false });
    app = await startStatusApp();
    await putRoute(h.store, 'shop', app.address);
  });

  afterAll(async () => {
    await h?.stop();
    await app?.close();
  });

  it('counts nothing', async () => {
    await eventually(async () => ((await get(h.httpPort, host())).status === 200 ? true : undefined), 'shop to answer');
    for (let i = 0; i < 5; i++) expect((await get(h.httpPort, host())).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1500)); // past a flush
    expect(await h.control.requestMetrics()).toEqual({ series: [], lost: 0 });
    expect(await errorLog(h)).toEqual([]);
    function host() {
      return `shop.${h.domain}`;
    }
  });
});
