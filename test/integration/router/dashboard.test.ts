import { readFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSP } from '../../../services/dashboard/policy.js';
import { LeafIssuer } from '../../../services/router/leaves.js';
import { TestCa, type Issued } from '../../support/tls.js';
import { newUser } from '../controller/harness.js';
import { startDashboard, type DashboardHarness } from '../dashboard/harness.js';
import {
  bodyOf,
  eventually,
  get,
  putRoute,
  startApp,
  startRouter,
  type RouterHarness,
  type TestApp,
} from './helpers.js';

// dashboard.<domain> through the real router, etcd and nginx, to the real
// dashboard in front of the real controller: over HTTP and HTTPS (a leaf
// certificate of its own, a Secure cookie), a log stream line by line
// through nginx, and no app taking the name: not an app route named
// `dashboard` (older data), not an app's custom domain.

const domain = 'apps.test';
const name = `dashboard.${domain}`;

describe('router: the dashboard at dashboard.<domain>', () => {
  let d: DashboardHarness;
  let h: RouterHarness | undefined;
  let off: RouterHarness | undefined;
  let impostor: TestApp;
  let shop: TestApp;
  let ca: TestCa;
  let fallback: Issued;
  let alice: { id: string; token: string };
  let httpHost: string;
  let httpsHost: string;

  /** A request to the router for dashboard.<domain> (its certificate checked against the test CA), answered whole. */
  function ask(
    scheme: 'http' | 'https',
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: unknown,
  ): Promise<{ status: number; headers: IncomingMessage['headers']; text: string }> {
    const r = h as RouterHarness;
    const port = scheme === 'http' ? r.httpPort : (r.httpsPort as number);
    const host = scheme === 'http' ? httpHost : httpsHost;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const send = scheme === 'http' ? httpRequest : httpsRequest;
      const req = send(
        {
          host: '127.0.0.1',
          port,
          method,
          path,
          servername: name,
          ca: ca.ca,
          agent: false,
          headers: { host, ...(payload !== undefined && { 'content-type': 'application/json' }), ...headers },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  const cookieOf = (headers: IncomingMessage['headers']) => (headers['set-cookie']?.[0] ?? '').split(';')[0] as string;

  beforeAll(async () => {
    d = await startDashboard('router-dashboard');
    alice = await newUser(d.api, 'alice@example.com');
    ca = TestCa.create('router-dashboard');
    fallback = ca.issue('fallback', [`*.${domain}`]);
    const issuer = await LeafIssuer.create(ca.ca, await readFile(join(ca.dir, 'ca.key'), 'utf8'));
    h = await startRouter('router-dashboard', {
      https: { certificate: fallback.certFile, key: fallback.keyFile },
      leaves: issuer,
      platform: { dashboard: new URL(d.url).host },
    });
    httpHost = `${name}:${h.httpPort}`;
    httpsHost = `${name}:${h.httpsPort}`;
    impostor = await startApp('impostor');
    shop = await startApp('shop');
    // an app of the reserved name from before it was reserved, and an app claiming the name as a custom domain
    await putRoute(h.store, 'dashboard', impostor.address);
    await putRoute(h.store, 'shop', shop.address, [name]);
    await eventually(
      async () => (bodyOf(await get(h!.httpPort, `shop.${domain}`)) === 'shop' ? true : undefined),
      'shop',
    );
  });

  afterAll(async () => {
    await off?.stop();
    await h?.stop();
    await impostor?.close();
    await shop?.close();
    await d?.close();
    ca?.remove();
  });

  it('proxies dashboard.<domain> to the dashboard, with its headers, whatever the apps claim', async () => {
    const health = await ask('http', 'GET', '/healthz', {});
    expect(health.status).toBe(200);
    expect(JSON.parse(health.text)).toEqual({ ok: true });
    const page = await ask('http', 'GET', '/apps/shop', {});
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toBe(CSP);
    expect(page.text).toContain('<title>paas</title>');
    expect(page.text).not.toContain('impostor');
    expect(bodyOf(await get(h!.httpPort, `shop.${domain}`))).toBe('shop');
  });

  it('logs in over HTTPS with a certificate of its own name and a Secure cookie', async () => {
    const res = await ask('https', 'POST', '/session', { origin: `https://${httpsHost}` }, { token: alice.token });
    expect(res.status).toBe(200);
    expect(res.headers['set-cookie']?.[0]).toMatch(/HttpOnly; SameSite=Strict; Max-Age=\d+; Secure$/);
    const cookie = cookieOf(res.headers);
    const apps = await ask('https', 'GET', '/api/apps', { cookie });
    expect(apps.status).toBe(200);
    expect(JSON.parse(apps.text)).toEqual([]);
    // the router issued dashboard.<domain> a leaf (a handshake checked against the CA by node:https above)
    expect(h!.leafAsks).toContain(name);
  });

  it('passes a log stream through nginx line by line, and changes need the CSRF token and this origin', async () => {
    const login = await ask('http', 'POST', '/session', { origin: `http://${httpHost}` }, { token: alice.token });
    const cookie = cookieOf(login.headers);
    const { csrf } = JSON.parse(login.text) as { csrf: string };
    const origin = `http://${httpHost}`;
    expect((await ask('http', 'POST', '/api/apps', { cookie, origin }, { name: 'logs' })).status).toBe(403);
    const crossSite = { cookie, origin: 'http://evil.example', 'x-csrf-token': csrf };
    expect((await ask('http', 'POST', '/api/apps', crossSite, { name: 'logs' })).status).toBe(403);
    const made = await ask('http', 'POST', '/api/apps', { cookie, origin, 'x-csrf-token': csrf }, { name: 'logs' });
    expect(made.status).toBe(201);
    const session = await ask(
      'http',
      'POST',
      '/api/apps/logs/log-sessions',
      { cookie, origin, 'x-csrf-token': csrf },
      { tail: true, lines: 0 },
    );
    const path = '/api' + new URL((JSON.parse(session.text) as { logplex_url: string }).logplex_url).pathname;

    const ingest = (line: string) =>
      fetch(`${d.api.url}/internal/logs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${d.api.internalToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          lines: [{ app: 'logs', at: new Date().toISOString(), source: 'app', dyno: 'web.1', line }],
        }),
      });
    const seen = await new Promise<string>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port: h!.httpPort, path, agent: false, headers: { host: httpHost, cookie } },
        (res) => {
          expect(res.statusCode).toBe(200);
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            text += c;
            if (text.includes('through the router')) {
              req.destroy(); // the browser goes away: the stream ends at the dashboard and the API too
              resolve(text);
            }
          });
          res.on('end', () => reject(new Error(`the stream ended before the line: ${text}`)));
          void ingest('a line through the router');
        },
      );
      req.on('error', (err) => (err.message.includes('socket hang up') ? undefined : reject(err)));
      req.end();
    });
    expect(seen).toContain('app[web.1]: a line through the router');
    await eventually(async () => (d.proxy.inFlight === 0 ? true : undefined), 'the API request to end');
  });

  it('serves no dashboard with PAAS_ROUTER_DASHBOARD_UPSTREAM=off, nor the app of that name', async () => {
    off = await startRouter('router-dashboard-off', { prefix: h!.store.keys.prefix, platform: {} });
    await eventually(
      async () => (bodyOf(await get(off!.httpPort, `shop.${domain}`)) === 'shop' ? true : undefined),
      'shop',
    );
    const res = await get(off.httpPort, name);
    expect(res.status).toBe(404);
    expect(res.text).toContain('No such app');
    expect(res.text).not.toContain('impostor');
  });
});
