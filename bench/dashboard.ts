import { request, Agent } from 'node:http';
import { chromium, type Browser, type BrowserContext, type Cookie, type Page } from 'playwright-core';
import { Api, env, flags, median, percentile, round, runMain } from './common.js';

// bench/dashboard.ts: the dashboard's page loads in Chromium (Debian's
// /usr/bin/chromium driven by playwright-core), through the router of a live
// platform, beside floors measured in the same run.
//
//   1. The login page's first load, cold (a new browser context each run: no
//      cache, no connection): navigation start to the load event, and to the
//      frame that paints the login form; the bytes it transferred (HTML, JS,
//      CSS, the API's answers).
//   2. Login (the form submitted with an API token) to the frame that paints
//      the apps list (its first row).
//   3. The app page opened again with a warm cache (a navigation to
//      /apps/<app>) to the frame that paints its dynos table; then its metrics
//      tab clicked to the frame that paints its three uPlot charts, once the
//      API has the app's requests of a minute.
// Floors: the same Chromium, a new context, navigating to the dashboard's
// GET /healthz (a cold connection and one tiny answer through the router);
// the first load's same files fetched again by that page with no cache (the
// bytes moved, nothing parsed or run); GET /api/apps and the app's metrics
// timed by Node through the router and the dashboard with the session
// cookie, and the same from the API directly with the token (the API's share).
// Times are the page's own clock (performance.now()), so Playwright's round
// trips do not count. Prints one JSON object.

const USAGE =
  'usage: BENCH_DASHBOARD_TOKEN=... node dist/bench/dashboard.js --base http://dashboard.<domain>:<port> --api URL ' +
  '--app NAME --app-host HOST [--domain D] [--runs N] [--requests N] [--chromium PATH] [--metrics-timeout S]';

/** In every document: the times (ms since its navigation start) of what the bench waits for. */
const MARKS = `(() => {
  const marks = {};
  Object.defineProperty(window, '__bench', { value: marks });
  const want = { login_form: '[data-testid="login-form"]', apps_list: '[data-testid="app-row"]', dynos: '[data-testid="dyno-row"]' };
  const seen = (k) => {
    marks[k + '_dom'] = performance.now();
    requestAnimationFrame(() => { marks[k] = performance.now(); });
  };
  const check = () => {
    for (const [k, sel] of Object.entries(want)) {
      if (marks[k + '_dom'] !== undefined) continue;
      const el = document.querySelector(sel);
      if (el && el.getClientRects().length > 0) seen(k);
    }
    if (marks.charts_dom === undefined && document.querySelectorAll('.uplot canvas').length >= 3) seen('charts');
  };
  new MutationObserver(check).observe(document, { childList: true, subtree: true, attributes: true });
  document.addEventListener('submit', () => { marks.submit = performance.now(); }, true);
  document.addEventListener('click', (e) => {
    if (e.target instanceof Element && e.target.closest('[data-testid="tab-metrics"]')) marks.metrics_click = performance.now();
  }, true);
})();`;

type Marks = Record<string, number>;
interface Entry {
  name: string;
  initiatorType: string;
  transferSize: number;
  encodedBodySize: number;
  decodedBodySize: number;
  startTime: number;
  responseEnd: number;
}

const marksOf = (page: Page, key: string, timeout = 30_000): Promise<Marks> =>
  page
    .waitForFunction(
      (k) => {
        const m = (window as unknown as { __bench: Marks }).__bench;
        return m && m[k] !== undefined ? { ...m } : undefined;
      },
      key,
      { timeout, polling: 20 },
    )
    .then((h) => h.jsonValue() as Promise<Marks>);

const navigation = (page: Page) =>
  page
    .waitForFunction(
      () => {
        const n = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
        return n && n.loadEventEnd > 0 ? n.toJSON() : undefined;
      },
      undefined,
      { polling: 20 },
    )
    .then((h) => h.jsonValue() as Promise<PerformanceNavigationTiming & Entry>);

const resources = (page: Page) =>
  page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.toJSON() as Entry));

/** What a resource is: html, js, css, api (the dashboard's JSON: /session, /api/...), other. */
const kindOf = (e: Entry, base: string): string => {
  const path = new URL(e.name, base).pathname;
  if (e.initiatorType === 'navigation') return 'html';
  if (path.endsWith('.js')) return 'js';
  if (path.endsWith('.css')) return 'css';
  if (path === '/session' || path.startsWith('/api/')) return 'api';
  return 'other';
};

/** GET through a host:port with a Host header (Node does not resolve dashboard.localhost), kept alive; ms. */
function timedGet(url: string, host: string, headers: Record<string, string>, agent: Agent): Promise<number> {
  const start = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers: { host, ...headers } }, (res) => {
      res.on('data', () => {});
      res.on('end', () => {
        if ((res.statusCode ?? 0) >= 400) reject(new Error(`GET ${host}${new URL(url).pathname}: ${res.statusCode}`));
        else resolve(Number(process.hrtime.bigint() - start) / 1e6);
      });
    });
    req.on('error', reject);
    req.end();
  });
}

const stats = (out: Record<string, unknown>, name: string, values: number[]) => {
  out[`${name}_p50_ms`] = round(median(values), 1);
  out[`${name}_p95_ms`] = round(percentile(values, 95), 1);
};
const note = (msg: string) => process.stderr.write(`dashboard: ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const f = flags(
    process.argv.slice(2),
    USAGE,
    ['base', 'api', 'app', 'app-host', 'domain', 'runs', 'requests', 'chromium', 'metrics-timeout'],
    [],
  );
  const base = f.required('base').replace(/\/$/, '');
  const app = f.required('app');
  const appHost = f.required('app-host');
  const runs = f.int('runs', 10, 1);
  const requests = f.int('requests', 30, 1);
  const token = env('BENCH_DASHBOARD_TOKEN');
  const api = new Api(f.required('api'), token);
  const baseUrl = new URL(base);
  const domain = f.one('domain') ?? baseUrl.hostname.replace(/^dashboard\./, '');
  // Node's requests go to the router's address with the dashboard's (or the app's) name as Host
  const via = `http://127.0.0.1:${baseUrl.port || 80}`;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const out: Record<string, unknown> = { runs, app, requests };

  // the app's requests, for its metrics (their minute has to end before the API shows them)
  for (let i = 0; i < requests; i++) await timedGet(`${via}/`, appHost, {}, agent);
  const requestsMadeAt = Date.now();

  const browser: Browser = await chromium.launch({
    executablePath: f.one('chromium') ?? process.env.PAAS_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-dev-shm-usage',
      `--host-resolver-rules=MAP *.${domain} 127.0.0.1, MAP ${domain} 127.0.0.1`,
    ],
  });
  out.chromium = browser.version();
  const newContext = async () => {
    const c = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    await c.addInitScript(MARKS);
    return c;
  };
  const problems: string[] = [];
  const watch = (page: Page) => {
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      // the 401 of GET /session before login is expected
      if (m.type() === 'error' && !/Failed to load resource.*401/.test(m.text())) problems.push(m.text());
    });
    return page;
  };

  try {
    // 1 and 2: the cold first load, then login
    const load: number[] = [],
      form: number[] = [],
      dcl: number[] = [],
      login: number[] = [];
    const bytes: Record<string, number[]> = {};
    let firstLoadUrls: string[] = [];
    let cookie: Cookie | undefined;
    for (let i = 0; i < runs; i++) {
      const context = await newContext();
      const page = watch(await context.newPage());
      await page.goto(`${base}/`);
      const nav = await navigation(page);
      const marks = await marksOf(page, 'login_form');
      load.push(nav.loadEventEnd);
      dcl.push(nav.domContentLoadedEventEnd);
      form.push(marks.login_form as number);
      const entries = [nav as Entry, ...(await resources(page))];
      const sum: Record<string, number> = {};
      for (const e of entries) {
        const k = kindOf(e, base);
        sum[k] = (sum[k] ?? 0) + e.transferSize;
        sum[`${k}_body`] = (sum[`${k}_body`] ?? 0) + e.decodedBodySize;
      }
      for (const [k, v] of Object.entries(sum)) (bytes[k] ??= []).push(v);
      if (i === 0)
        firstLoadUrls = entries.filter((e) => ['html', 'js', 'css'].includes(kindOf(e, base))).map((e) => e.name);
      await page.locator('[data-testid="login-token"]').fill(token);
      await page.locator('[data-testid="login-submit"]').click();
      const after = await marksOf(page, 'apps_list');
      login.push((after.apps_list as number) - (after.submit as number));
      if (i === runs - 1) cookie = (await context.cookies(base)).find((c) => c.name === 'paas_session');
      await context.close();
    }
    stats(out, 'first_load_event', load);
    stats(out, 'first_load_dom_content_loaded', dcl);
    stats(out, 'first_load_login_form', form);
    stats(out, 'login_to_apps_list', login);
    for (const [k, v] of Object.entries(bytes)) {
      out[`first_load_${k}_bytes`] = median(v);
      out[`first_load_${k}_bytes_min`] = Math.min(...v);
    }
    out.first_load_total_bytes = ['html', 'js', 'css', 'api', 'other'].reduce(
      (n, k) => n + ((out[`first_load_${k}_bytes`] as number | undefined) ?? 0),
      0,
    );
    out.first_load_files = firstLoadUrls.map((u) => new URL(u).pathname).join(' ');
    if (!cookie) throw new Error('no paas_session cookie after login');
    note(`first load ${out.first_load_login_form_p50_ms} ms to the form, login ${out.login_to_apps_list_p50_ms} ms`);

    // floors: /healthz in a new context; the first load's files fetched again, uncached
    const health: number[] = [],
      refetch: number[] = [];
    for (let i = 0; i < runs; i++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${base}/healthz`);
      health.push((await navigation(page)).loadEventEnd);
      const [html, ...assets] = firstLoadUrls;
      refetch.push(
        await page.evaluate(
          async ([h, a]) => {
            const get = (u: string) => fetch(u, { cache: 'no-store' }).then((r) => r.arrayBuffer());
            const t0 = performance.now();
            await get(h as string);
            await Promise.all((a as string[]).map(get));
            return performance.now() - t0;
          },
          [html, assets] as const,
        ),
      );
      await context.close();
    }
    stats(out, 'floor_healthz_load', health);
    stats(out, 'floor_refetch_first_load_files', refetch);

    // the API's share: Node through the router and the dashboard with the cookie, and the API directly
    const apiBase = f.required('api').replace(/\/$/, '');
    const viaDash = (path: string) =>
      timedGet(`${via}/api${path}`, baseUrl.host, { cookie: `${cookie!.name}=${cookie!.value}` }, agent);
    const direct = (path: string) =>
      timedGet(`${apiBase}${path}`, new URL(apiBase).host, { authorization: `Bearer ${token}` }, agent);
    const series = async (fn: () => Promise<number>) => {
      await fn(); // the connection and the first-call costs
      const v: number[] = [];
      for (let i = 0; i < Math.max(20, runs); i++) v.push(await fn());
      return v;
    };
    stats(out, 'node_api_apps_via_dashboard', await series(() => viaDash('/apps')));
    stats(out, 'node_api_apps_direct', await series(() => direct('/apps')));
    out.apps_listed = (await api.json<unknown[]>('GET', '/apps')).length;
    for (const part of ['dynos', 'formation'])
      stats(out, `node_api_app_${part}_via_dashboard`, await series(() => viaDash(`/apps/${app}/${part}`)));

    // 3: once the API has the requests, the app page (warm cache) and its metrics tab
    const deadline = requestsMadeAt + f.int('metrics-timeout', 150, 1) * 1000;
    for (;;) {
      const m = await api.json<{ points: { requests_ok: number }[] }>('GET', `/apps/${app}/metrics?range=1h`);
      const seen = m.points.reduce((n, p) => n + p.requests_ok, 0);
      if (seen >= requests) break;
      if (Date.now() > deadline) throw new Error(`the API shows ${seen} of the ${requests} requests to ${app}`);
      await sleep(2000);
    }
    note('the API has the requests');
    out.metrics_waited_s = round((Date.now() - requestsMadeAt) / 1000, 0);
    const metricsPath = `/apps/${app}/metrics?range=1h`;
    stats(out, 'node_api_metrics_via_dashboard', await series(() => viaDash(metricsPath)));
    stats(out, 'node_api_metrics_direct', await series(() => direct(metricsPath)));

    const appLoad: number[] = [],
      dynos: number[] = [],
      charts: number[] = [];
    let appApi = '';
    for (let i = 0; i < runs; i++) {
      const context: BrowserContext = await newContext();
      await context.addCookies([cookie]);
      const page = watch(await context.newPage());
      await page.goto(`${base}/apps/${app}`); // warms the cache (unmeasured)
      await marksOf(page, 'dynos');
      await page.goto(`${base}/apps/${app}`);
      const nav = await navigation(page);
      const marks = await marksOf(page, 'dynos');
      appLoad.push(nav.loadEventEnd);
      dynos.push(marks.dynos as number);
      if (i === 0)
        appApi = (await resources(page))
          .filter((e) => kindOf(e, base) === 'api')
          .map(
            (e) => `${new URL(e.name).pathname}${new URL(e.name).search} ${Math.round(e.responseEnd - e.startTime)} ms`,
          )
          .join(', ');
      await page.locator('[data-testid="tab-metrics"]').click();
      const m = await marksOf(page, 'charts');
      charts.push((m.charts as number) - (m.metrics_click as number));
      await context.close();
    }
    stats(out, 'app_page_load_event', appLoad);
    stats(out, 'app_page_dynos', dynos);
    stats(out, 'metrics_tab_charts', charts);
    out.app_page_api_calls = appApi;
    out.problems = problems.length;
    if (problems.length) process.stderr.write(`page problems:\n${problems.slice(0, 10).join('\n')}\n`);
  } finally {
    await browser.close();
    agent.destroy();
  }
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

runMain(main);
