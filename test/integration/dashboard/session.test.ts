import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newUser } from '../controller/harness.js';
import { CSP } from '../../../services/dashboard/policy.js';
import { cookieOf, loginWith, startDashboard, type DashboardHarness } from './harness.js';

// Logging in and out of the dashboard, against the real controller over real HTTP.

let d: DashboardHarness;
let alice: { id: string; token: string };

beforeAll(async () => {
  d = await startDashboard('dashboard-session');
  alice = await newUser(d.api, 'alice@example.com');
});
afterAll(async () => {
  await d?.close();
});

describe('login with a token', () => {
  it('sets an HttpOnly, SameSite=Strict session cookie (not Secure over HTTP) and answers the session', async () => {
    const res = await d.call('POST', '/session', { body: { token: alice.token } });
    expect(res.status).toBe(200);
    const set = res.headers.getSetCookie();
    expect(set).toHaveLength(1);
    expect(set[0]).toMatch(
      /^paas_session=v1\.[A-Za-z0-9_-]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=(43200|4319\d)$/,
    );
    expect(set[0]).not.toContain('Secure');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({
      email: 'alice@example.com',
      admin: false,
      csrf: expect.any(String),
      expires_at: expect.any(String),
    });
    const ttl = Date.parse(body.expires_at as string) - Date.now();
    expect(ttl).toBeGreaterThan(43_000_000);
    expect(ttl).toBeLessThanOrEqual(43_200_000);
    // the cookie holds a token minted for the session, not the one typed in
    const s = d.sessionOf(cookieOf(res));
    expect(s?.token).toBeDefined();
    expect(s?.token).not.toBe(alice.token);
    const tokens = await d.api.call('GET', '/account/tokens', { token: alice.token });
    expect(tokens.body.find((t: { id: string }) => t.id === s?.tokenId)).toMatchObject({
      description: 'dashboard session',
    });
    expect(JSON.stringify(body)).not.toContain(s?.token as string);
  });

  it('sets a Secure cookie when the router says the browser came over HTTPS', async () => {
    const res = await d.call('POST', '/session', {
      body: { token: alice.token },
      headers: { 'x-forwarded-proto': 'https', origin: d.origin.replace('http:', 'https:') },
    });
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()[0]).toMatch(/; Secure$/);
  });

  it('answers GET /session with the same CSRF token, and 401 without a cookie', async () => {
    const { cookie, csrf } = await loginWith(d, alice.token);
    const res = await d.call('GET', '/session', { cookie });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ email: 'alice@example.com', csrf });
    const none = await d.call('GET', '/session');
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ id: 'unauthorized' });
  });

  it('refuses a bad token with 401', async () => {
    const res = await d.call('POST', '/session', { body: { token: 'not-a-token' } });
    expect(res.status).toBe(401);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(await res.json()).toMatchObject({ id: 'unauthorized' });
  });

  it('takes only JSON from this site, with the right fields', async () => {
    const form = await d.call('POST', '/session', {
      body: `token=${alice.token}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);
    const text = await d.call('POST', '/session', {
      body: JSON.stringify({ token: alice.token }),
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    const cross = await d.call('POST', '/session', {
      body: { token: alice.token },
      headers: { origin: 'http://evil.example' },
    });
    expect(cross.status).toBe(403);
    expect(cross.headers.getSetCookie()).toEqual([]);
    const same = await d.call('POST', '/session', { body: { token: alice.token }, headers: { origin: d.origin } });
    expect(same.status).toBe(200);
    expect((await d.call('POST', '/session', { body: { tok: 'x' } })).status).toBe(422);
    expect((await d.call('POST', '/session', { body: '{"token": ' })).status).toBe(400);
  });

  it('opens a tampered or foreign cookie to no session (401)', async () => {
    const { cookie } = await loginWith(d, alice.token);
    const value = cookie.slice('paas_session='.length);
    const i = 20;
    const tampered = `paas_session=${value.slice(0, i)}${value[i] === 'A' ? 'B' : 'A'}${value.slice(i + 1)}`;
    for (const c of [tampered, 'paas_session=v1.AAAA', 'paas_session=garbage']) {
      expect((await d.call('GET', '/api/apps', { cookie: c })).status).toBe(401);
      const s = await d.call('GET', '/session', { cookie: c });
      expect(s.status).toBe(401);
      expect(s.headers.getSetCookie()[0]).toContain('Max-Age=0');
    }
  });
});

describe('logout', () => {
  it('needs the CSRF token, revokes the session token and clears the cookie; the typed token still works', async () => {
    const { cookie, csrf } = await loginWith(d, alice.token);
    const minted = d.sessionOf(cookie)?.token as string;
    expect((await d.api.call('GET', '/account', { token: minted })).status).toBe(200);

    expect((await d.call('DELETE', '/session', { cookie })).status).toBe(403);
    expect((await d.call('DELETE', '/session', { cookie, headers: { 'x-csrf-token': csrf + 'x' } })).status).toBe(403);
    const cross = await d.call('DELETE', '/session', {
      cookie,
      headers: { 'x-csrf-token': csrf, origin: 'http://evil.example' },
    });
    expect(cross.status).toBe(403);
    expect((await d.api.call('GET', '/account', { token: minted })).status).toBe(200);

    const out = await d.call('DELETE', '/session', { cookie, headers: { 'x-csrf-token': csrf, origin: d.origin } });
    expect(out.status).toBe(204);
    expect(out.headers.getSetCookie()[0]).toMatch(/^paas_session=; Path=\/; HttpOnly; SameSite=Strict; Max-Age=0$/);
    expect((await d.api.call('GET', '/account', { token: minted })).status).toBe(401);
    expect((await d.api.call('GET', '/account', { token: alice.token })).status).toBe(200);
    // the old cookie, replayed, is no session any more
    expect((await d.call('GET', '/session', { cookie })).status).toBe(401);
    expect((await d.call('GET', '/api/apps', { cookie })).status).toBe(401);
  });

  it('a token revoked elsewhere ends the session at the next GET /session', async () => {
    const { cookie } = await loginWith(d, alice.token);
    const s = d.sessionOf(cookie);
    expect((await d.api.call('DELETE', `/account/tokens/${s?.tokenId}`, { token: alice.token })).status).toBe(200);
    const res = await d.call('GET', '/session', { cookie });
    expect(res.status).toBe(401);
    expect(res.headers.getSetCookie()[0]).toContain('Max-Age=0');
  });

  it('a new login revokes the session the browser had', async () => {
    const first = await loginWith(d, alice.token);
    const old = d.sessionOf(first.cookie)?.token as string;
    await d.call('POST', '/session', { body: { token: alice.token }, cookie: first.cookie });
    expect((await d.api.call('GET', '/account', { token: old })).status).toBe(401);
  });
});

describe('headers', () => {
  it('sends the CSP and the other security headers on the page, files, 404s, /session and /api answers', async () => {
    const { cookie } = await loginWith(d, alice.token);
    const answers = [
      await d.call('GET', '/'),
      await d.call('GET', '/apps/shop'),
      await d.call('GET', '/assets/app-0123abcd.js'),
      await d.call('GET', '/assets/missing.js'),
      await d.call('POST', '/nowhere'),
      await d.call('GET', '/session'),
      await d.call('GET', '/api/apps', { cookie }),
      await d.call('GET', '/api/apps'),
      await d.call('GET', '/api/internal/logs', { cookie }),
      await d.call('GET', '/api/nowhere', { cookie }),
      await d.call('GET', '/healthz'),
    ];
    for (const res of answers) {
      expect(res.headers.get('content-security-policy'), res.url).toBe(CSP);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('x-powered-by')).toBeNull();
    }
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 404, 404, 401, 200, 401, 404, 404, 200]);
  });
});

// Passwords (PUT /account/password, Basic auth on POST /account/tokens) are the controller's part of issue 18: this
// runs where it is (skipped, saying so, where PUT /account/password is no route).
describe('login with an email and a password', () => {
  it('logs in with the password set through the API, and refuses a wrong one with 401', async (ctx) => {
    const bob = await newUser(d.api, 'bob@example.com');
    const set = await d.api.call('PUT', '/account/password', {
      token: bob.token,
      body: { password: 'correct horse battery' },
    });
    if (set.status === 404) ctx.skip('the controller has no PUT /account/password yet');
    expect(set.status).toBe(204);
    const ok = await d.call('POST', '/session', {
      body: { email: 'Bob@Example.com', password: 'correct horse battery' },
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ email: 'bob@example.com', admin: false });
    const s = d.sessionOf(cookieOf(ok));
    expect((await d.api.call('GET', '/apps', { token: s?.token })).status).toBe(200);
    const wrong = await d.call('POST', '/session', {
      body: { email: 'bob@example.com', password: 'wrong horse battery' },
    });
    expect(wrong.status).toBe(401);
    const nobody = await d.call('POST', '/session', {
      body: { email: 'nobody@example.com', password: 'wrong horse battery' },
    });
    expect(nobody.status).toBe(401);
    expect(await nobody.json()).toEqual(await wrong.json());
  });
});
