import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, screenshotDir, watchedPage, type WatchedPage } from '../support/browser.js';
import { httpGet, waitFor } from '../support/run.js';
import { domain, e2eUser, httpPort, signUp, type E2eUser } from './user.js';

// The dashboard as a user lives it in Chromium, through the router of a
// platform brought up by scripts/up (http://dashboard.<domain>): log in with
// an API token, see the apps and open one, change a config var and see the
// release it made, roll back, watch a log line arrive live and the metrics
// graph of the requests made, log out (the old cookie then opens nothing).
// Another user sees none of these apps; a config value that is markup is only
// text. With PAAS_SCREENSHOTS=1 the screenshots go to docs/screenshots/.

const u = e2eUser('dsh');
const other = e2eUser('dsh2');
const { appName, host } = u;
const base = `http://dashboard.${domain}${httpPort === 80 ? '' : `:${httpPort}`}`;
const shots = screenshotDir();

const ok = async (user: E2eUser, args: string[]) => {
  const r = await user.paas(args);
  expect(r.code, `paas ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
};
/** A new API token of the user's, for the login form. */
const tokenOf = async (user: E2eUser) =>
  (JSON.parse(await ok(user, ['tokens:create', '--description', 'e2e dashboard', '--json'])) as { token: string })
    .token;
const byTest = (page: Page, id: string, attrs = '') => page.locator(`[data-testid="${id}"]${attrs}`);
/** Waits until the locator's text is (or matches) `text`. */
const showing = (l: Locator, text: string | RegExp, timeout = 20_000) =>
  l
    .filter({ hasText: typeof text === 'string' ? new RegExp(`^\\s*${escapeRe(text)}\\s*$`) : text })
    .first()
    .waitFor({ timeout });
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

async function logIn(w: WatchedPage, token: string): Promise<void> {
  await w.page.goto(`${base}/`);
  await byTest(w.page, 'login-token').fill(token);
  await byTest(w.page, 'login-submit').click();
  await byTest(w.page, 'apps-page').waitFor();
}

/** The status of a GET of `path` from a page of `context` (the browser resolves the dashboard's name; Node may not). */
async function statusIn(context: BrowserContext, path: string): Promise<number | undefined> {
  const page = await context.newPage();
  try {
    return (await page.goto(`${base}${path}`))?.status();
  } finally {
    await page.close();
  }
}

/** What went wrong in the page besides answers it expected (401 before login, 404 for another's app). */
const unexpected = (w: WatchedPage) => w.problems.filter((p) => !/Failed to load resource/.test(p));

describe('the dashboard in a browser', () => {
  let browser: Browser;
  let w: WatchedPage;
  let token: string;

  beforeAll(async () => {
    await Promise.all([signUp(u), signUp(other)]);
    await ok(u, ['apps:create', appName]);
    const push = await u.git(['push', 'paas', 'main']);
    expect(push.code, push.stderr).toBe(0);
    // requests for the metrics graph, early: their minute has to end before the API shows it
    for (let i = 0; i < 30; i++) expect((await httpGet(httpPort, host)).status).toBe(200);
    token = await tokenOf(u);
    browser = await launchBrowser({ loopback: domain });
    w = await watchedPage(browser);
  });

  afterAll(async () => {
    await browser?.close();
    u.remove();
    other.remove();
  });

  it('logs in with a token (a wrong one is refused with the API message) and lists the apps with state and URL', async () => {
    const { page } = w;
    await page.goto(`${base}/`);
    await byTest(page, 'login-form').waitFor();
    await screenshot(page, shots, 'login');
    await byTest(page, 'login-token').fill('not-a-token');
    await byTest(page, 'login-submit').click();
    await byTest(page, 'login-error').waitFor();
    expect((await byTest(page, 'login-error').textContent())?.trim()).not.toBe('');

    await byTest(page, 'login-token').fill(token);
    await byTest(page, 'login-submit').click();
    expect((await byTest(page, 'header-email').textContent())?.trim()).toBe(`${appName}@example.com`);
    const row = byTest(page, 'app-row', `[data-app="${appName}"]`);
    await showing(row.locator('[data-testid="app-state"]'), 'running');
    expect(await row.locator('[data-testid="app-url"]').textContent()).toContain(host);
    await screenshot(page, shots, 'apps');
  });

  it('opens the app: its dynos and process types', async () => {
    const { page } = w;
    await byTest(page, 'app-row', `[data-app="${appName}"]`).locator('[data-testid="app-link"]').click();
    expect(new URL(page.url()).pathname).toBe(`/apps/${appName}`);
    const web1 = byTest(page, 'dyno-row', '[data-dyno="web.1"]');
    await showing(web1.locator('[data-testid="dyno-state"]'), 'up');
    expect((await web1.locator('[data-testid="dyno-size"]').textContent())?.trim()).not.toBe('');
    await byTest(page, 'formation-row', '[data-type="web"]').waitFor();
    await byTest(page, 'restart-button').waitFor();
    await screenshot(page, shots, 'app');
  });

  it('a config var added, changed and removed in place makes a release each, shown in the releases', async () => {
    const { page } = w;
    await byTest(page, 'tab-config').click();
    await byTest(page, 'config-table').waitFor();
    await byTest(page, 'config-new-key').fill('GREETING');
    await byTest(page, 'config-new-value').fill('hi there');
    await byTest(page, 'config-add').click();
    await showing(byTest(page, 'config-notice'), /Set GREETING: released v2/);
    const row = byTest(page, 'config-row', '[data-key="GREETING"]');
    await showing(row.locator('[data-testid="config-value"]'), 'hi there');

    await row.locator('[data-testid="config-edit"]').click();
    await row.locator('[data-testid="config-input"]').fill('hello again');
    await row.locator('[data-testid="config-save"]').click();
    await showing(byTest(page, 'config-notice'), /Set GREETING: released v3/);
    await showing(row.locator('[data-testid="config-value"]'), 'hello again');
    await waitFor('the app to serve the new value', 60_000, async () =>
      (await httpGet(httpPort, host, '/greeting')).body.trim() === 'hello again' ? true : undefined,
    );

    await byTest(page, 'config-new-key').fill('DOOMED');
    await byTest(page, 'config-new-value').fill('x');
    await byTest(page, 'config-add').click();
    await showing(byTest(page, 'config-notice'), /released v4/);
    await byTest(page, 'config-row', '[data-key="DOOMED"]').locator('[data-testid="config-remove"]').click();
    await showing(byTest(page, 'config-notice'), /Removed DOOMED: released v5/);
    expect(await byTest(page, 'config-row', '[data-key="DOOMED"]').count()).toBe(0);

    await byTest(page, 'tab-releases').click();
    const v3 = byTest(page, 'release-row', '[data-version="3"]');
    await showing(v3.locator('[data-testid="release-description"]'), /GREETING/);
    await byTest(page, 'release-row', '[data-version="5"]').waitFor();
  });

  it('rolls back to an earlier release and shows the new one', async () => {
    const { page } = w;
    await byTest(page, 'release-row', '[data-version="2"]').locator('[data-testid="rollback-button"]').click();
    await showing(byTest(page, 'release-notice'), /Rolled back to v2: released v6/);
    await showing(
      byTest(page, 'release-row', '[data-version="6"]').locator('[data-testid="release-description"]'),
      /Rollback to v2/,
    );
    await showing(byTest(page, 'app-release'), 'v6');
    await waitFor('the app to serve v2 config again', 60_000, async () =>
      (await httpGet(httpPort, host, '/greeting')).body.trim() === 'hi there' ? true : undefined,
    );
  });

  it('a config value that is markup shows as text and runs nothing', async () => {
    const { page } = w;
    const markup = '<script>alert(1)</script><img src=x onerror="alert(2)">';
    await byTest(page, 'tab-config').click();
    await byTest(page, 'config-new-key').fill('MARKUP');
    await byTest(page, 'config-new-value').fill(markup);
    await byTest(page, 'config-add').click();
    const value = byTest(page, 'config-row', '[data-key="MARKUP"]').locator('[data-testid="config-value"]');
    await value.waitFor();
    expect(await value.textContent()).toBe(markup);
    expect(await page.locator('[data-testid="config-table"] script, [data-testid="config-table"] img').count()).toBe(0);
    await page.reload();
    await value.waitFor();
    expect(await value.textContent()).toBe(markup);
    expect(w.dialogs).toEqual([]);
  });

  it('shows a log line live as a request makes it, and stops the stream on leaving the tab', async () => {
    const { page } = w;
    const streams: string[] = [];
    page.on('requestfailed', (r) => {
      if (/\/log-sessions\/[^/]+\/stream$/.test(r.url())) streams.push(r.failure()?.errorText ?? '');
    });
    await byTest(page, 'tab-logs').click();
    await showing(byTest(page, 'logs-status'), 'live');
    const path = `/live-${randomBytes(4).toString('hex')}`;
    expect((await httpGet(httpPort, host, path)).status).toBe(404); // the router's line is the app's log line
    await showing(byTest(page, 'log-line'), new RegExp(`path="${path}"`), 30_000);
    await byTest(page, 'tab-overview').click();
    await waitFor('the stream to be aborted', 5_000, async () => (streams.length > 0 ? true : undefined));
    expect(streams[0]).toMatch(/ABORTED/);
  });

  it('graphs the requests and the memory of the dyno (uPlot)', async () => {
    const { page } = w;
    // the minute ends, then routers and agents send it: at most a minute and a few seconds
    await waitFor('the API to have the requests', 90_000, async () => {
      const v = JSON.parse(await ok(u, ['metrics', '--json'])) as {
        points: { requests_ok: number; memory_bytes: Record<string, number> }[];
      };
      const requests = v.points.reduce((n, p) => n + p.requests_ok, 0);
      return requests >= 30 && v.points.some((p) => Object.keys(p.memory_bytes).length > 0) ? true : undefined;
    });
    await byTest(page, 'tab-metrics').click();
    const chart = byTest(page, 'chart-throughput');
    await chart.locator('canvas').waitFor();
    await page.locator('[data-testid="chart-throughput"][data-sum]').waitFor();
    expect(Number(await chart.getAttribute('data-sum'))).toBeGreaterThanOrEqual(30);
    expect(Number(await byTest(page, 'chart-memory').getAttribute('data-sum'))).toBeGreaterThan(0);
    expect(await page.locator('.uplot').count()).toBe(3);
    await screenshot(page, shots, 'metrics');
  });

  it("lists the app's activity", async () => {
    const { page } = w;
    await byTest(page, 'tab-activity').click();
    await showing(byTest(page, 'activity-description'), /Rollback to v2/);
    expect(await byTest(page, 'activity-item', '[data-kind="build"]').count()).toBeGreaterThan(0);
  });

  it('logs out: the old cookie opens nothing any more', async () => {
    const { page, context } = w;
    const cookie = (await context.cookies(base)).find((c) => c.name === 'paas_session');
    expect(cookie).toBeDefined();
    expect(cookie?.httpOnly).toBe(true);
    const replay = await browser.newContext();
    await replay.addCookies([cookie!]);
    expect(await statusIn(replay, '/api/apps')).toBe(200);

    await byTest(page, 'logout').click();
    await byTest(page, 'login-form').waitFor();
    expect(await statusIn(replay, '/api/apps')).toBe(401);
    expect(await statusIn(replay, '/session')).toBe(401);
    await replay.close();
    await page.reload();
    await byTest(page, 'login-form').waitFor();
    expect(unexpected(w)).toEqual([]);
    expect(w.dialogs).toEqual([]);
  });

  it("another user logs in and sees none of the first user's apps", async () => {
    const second = await watchedPage(browser);
    try {
      await logIn(second, await tokenOf(other));
      expect((await byTest(second.page, 'header-email').textContent())?.trim()).toBe(`${other.appName}@example.com`);
      await byTest(second.page, 'apps-empty').waitFor();
      expect(await byTest(second.page, 'app-row', `[data-app="${appName}"]`).count()).toBe(0);
      await second.page.goto(`${base}/apps/${appName}`);
      await showing(byTest(second.page, 'error'), /Couldn't find that app/);
      expect(unexpected(second)).toEqual([]);
    } finally {
      await second.context.close();
    }
  });
});
