import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../support/ports.js';
import { newUser } from '../controller/harness.js';
import { ASSET_JS, INDEX_HTML, loginWith, startDashboard, type DashboardHarness } from './harness.js';

// The dashboard's /api in front of the real controller: the session's user, CSRF on changes, streams passed on as
// they come, the internal routes out of reach; and its page and files.

let d: DashboardHarness;
let alice: { id: string; token: string };
let session: { cookie: string; csrf: string };

beforeAll(async () => {
  d = await startDashboard('dashboard-proxy');
  alice = await newUser(d.api, 'alice@example.com');
  session = await loginWith(d, alice.token);
});
afterAll(async () => {
  await d?.close();
});

/** The status of a GET of `path` sent exactly as written. */
function rawStatus(base: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(base + '/', { path }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

const change = (extra: Record<string, string> = {}) => ({ 'x-csrf-token': session.csrf, origin: d.origin, ...extra });

describe('/api', () => {
  it('asks the API as the session user, answers not to be cached', async () => {
    const res = await d.call('GET', '/api/apps', { cookie: session.cookie });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual([]);
    expect(
      (await d.call('GET', '/api/account', { cookie: session.cookie }).then((r) => r.json())) as object,
    ).toMatchObject({
      email: 'alice@example.com',
    });
  });

  it('needs the CSRF token for a change (403 without, or with another), then passes it on', async () => {
    const none = await d.call('POST', '/api/apps', { cookie: session.cookie, body: { name: 'shop' } });
    expect(none.status).toBe(403);
    expect(await none.json()).toMatchObject({ id: 'forbidden' });
    const other = await d.call('POST', '/api/apps', {
      cookie: session.cookie,
      body: { name: 'shop' },
      headers: change({ 'x-csrf-token': 'x' }),
    });
    expect(other.status).toBe(403);
    expect((await d.api.call('GET', '/apps/shop', { token: alice.token })).status).toBe(404);
    const made = await d.call('POST', '/api/apps', {
      cookie: session.cookie,
      body: { name: 'shop' },
      headers: change(),
    });
    expect(made.status).toBe(201);
    expect(await made.json()).toMatchObject({ name: 'shop' });
    // without an Origin (not a browser's cross-site request) the token is enough
    const vars = await d.call('PATCH', '/api/apps/shop/config-vars', {
      cookie: session.cookie,
      body: { GREETING: '<b>hi</b>' },
      headers: { 'x-csrf-token': session.csrf },
    });
    expect(vars.status).toBe(200);
    expect(vars.headers.get('paas-release-version')).toMatch(/^\d+$/);
    expect(await vars.json()).toMatchObject({ GREETING: '<b>hi</b>' });
  });

  it('refuses a change from another site even with the CSRF token', async () => {
    const res = await d.call('DELETE', '/api/apps/shop', {
      cookie: session.cookie,
      headers: change({ origin: 'http://evil.example' }),
    });
    expect(res.status).toBe(403);
    expect((await d.api.call('GET', '/apps/shop', { token: alice.token })).status).toBe(200);
  });

  it('answers 401 with no session, and passes the API refusals on', async () => {
    expect((await d.call('GET', '/api/apps')).status).toBe(401);
    const mallory = await newUser(d.api, 'mallory@example.com');
    const m = await loginWith(d, mallory.token);
    const res = await d.call('GET', '/api/apps/shop', { cookie: m.cookie });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ id: 'not_found' });
  });

  it('never reaches the internal routes (404), nor forwards the cookie or a browser Authorization', async () => {
    for (const p of [
      '/api/internal/logs',
      '/api/INTERNAL/routes',
      '/api/apps/%2e%2e/internal/logs',
      '/api//internal/logs',
    ]) {
      const res = await d.call('POST', p, {
        cookie: session.cookie,
        headers: change({ authorization: `Bearer ${d.api.internalToken}` }),
        body: { lines: [] },
      });
      expect(res.status, p).toBe(404);
    }
    // a browser's Authorization header is not the session's: the API sees only the session token
    const who = await d.call('GET', '/api/account', {
      cookie: session.cookie,
      headers: { authorization: `Bearer ${d.api.adminToken}` },
    });
    expect(await who.json()).toMatchObject({ email: 'alice@example.com' });
  });

  it('passes a log stream on line by line, and a closed browser ends the request to the API', async () => {
    const made = await d.call('POST', '/api/apps/shop/log-sessions', {
      cookie: session.cookie,
      body: { tail: true, lines: 0 },
      headers: change(),
    });
    expect(made.status).toBe(201);
    const { logplex_url } = (await made.json()) as { logplex_url: string };
    const abort = new AbortController();
    const res = await d.call('GET', '/api' + new URL(logplex_url).pathname, {
      cookie: session.cookie,
      signal: abort.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(res.headers.get('x-accel-buffering')).toBe('no');
    expect(d.proxy.inFlight).toBe(1);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const ingest = (line: string) =>
      fetch(`${d.api.url}/internal/logs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${d.api.internalToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          lines: [{ app: 'shop', at: new Date().toISOString(), source: 'app', dyno: 'web.1', line }],
        }),
      });
    expect((await ingest('first line through the dashboard')).status).toBe(200);
    let text = '';
    while (!text.includes('first line through the dashboard')) {
      const { value, done } = await reader.read();
      expect(done).toBe(false); // the stream goes on: the line came before any end
      text += new TextDecoder().decode(value);
    }
    await ingest('second line');
    while (!text.includes('second line')) text += new TextDecoder().decode((await reader.read()).value);
    abort.abort();
    await reader.cancel().catch(() => undefined);
    for (let i = 0; i < 100 && d.proxy.inFlight > 0; i++) await sleep(20);
    expect(d.proxy.inFlight).toBe(0);
  });

  it('streams a request body up as it comes (chunked)', async () => {
    const body = new ReadableStream<Uint8Array>({
      async start(c) {
        c.enqueue(new TextEncoder().encode('{"STREAMED":'));
        await sleep(50);
        c.enqueue(new TextEncoder().encode('"yes"}'));
        c.close();
      },
    });
    const res = await fetch(`${d.url}/api/apps/shop/config-vars`, {
      method: 'PATCH',
      headers: { cookie: session.cookie, 'x-csrf-token': session.csrf, 'content-type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ STREAMED: 'yes' });
  });
});

describe('an API that does not answer', () => {
  it('is a 502 with a JSON body', async () => {
    const down = await startDashboard('dashboard-down', { apiUrl: `http://127.0.0.1:${await freePort()}` });
    try {
      const login = await down.call('POST', '/session', { body: { token: 'x' } });
      expect(login.status).toBe(502);
      expect(await login.json()).toMatchObject({ id: 'unavailable' });
    } finally {
      await down.close();
    }
  });
});

describe('the page and its files', () => {
  it('serves index.html for any page, the hashed files for good, 404 for a missing one', async () => {
    for (const p of ['/', '/apps/shop', '/apps/shop/logs?x=1']) {
      const res = await d.call('GET', p);
      expect(res.status, p).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(await res.text()).toBe(INDEX_HTML);
    }
    const js = await d.call('GET', '/assets/app-0123abcd.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await js.text()).toBe(ASSET_JS);
    expect((await d.call('GET', '/assets/nope.js')).status).toBe(404);
    // as sent (fetch would resolve the dots first)
    for (const p of ['/assets/../index.html', '/assets/%2e%2e/index.html', '/assets/..%2findex.html'])
      expect(await rawStatus(d.url, p), p).not.toBe(200);
    expect((await d.call('POST', '/apps/shop')).status).toBe(404);
  });
});
