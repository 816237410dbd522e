import { describe, expect, it } from 'vitest';
import {
  answerHeaders,
  apiPath,
  clearedCookie,
  cookieValue,
  CSP,
  csrfMatches,
  isHttps,
  needsCsrf,
  originProblem,
  SECURITY_HEADERS,
  sessionCookie,
  upstreamRequestHeaders,
} from '../../../services/dashboard/policy.js';

describe('security headers', () => {
  it('carry the contract CSP and the framing, sniffing and referrer rules', () => {
    expect(CSP).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    );
    expect(SECURITY_HEADERS).toEqual({
      'Content-Security-Policy': CSP,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'X-Frame-Options': 'DENY',
    });
  });
});

describe('the session cookie', () => {
  it('is HttpOnly, SameSite=Strict, Path=/, Secure only over HTTPS', () => {
    expect(sessionCookie('v1.x', { secure: false, maxAgeS: 43200 })).toBe(
      'paas_session=v1.x; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200',
    );
    expect(sessionCookie('v1.x', { secure: true, maxAgeS: 99.7 })).toBe(
      'paas_session=v1.x; Path=/; HttpOnly; SameSite=Strict; Max-Age=99; Secure',
    );
    expect(clearedCookie(false)).toBe('paas_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0');
  });

  it('takes HTTPS from X-Forwarded-Proto', () => {
    expect(isHttps({ 'x-forwarded-proto': 'https' })).toBe(true);
    expect(isHttps({ 'x-forwarded-proto': 'HTTPS, http' })).toBe(true);
    expect(isHttps({ 'x-forwarded-proto': 'http' })).toBe(false);
    expect(isHttps({})).toBe(false);
  });

  it('is found among other cookies', () => {
    expect(cookieValue('a=1; paas_session=v1.abc; b=2')).toBe('v1.abc');
    expect(cookieValue('paas_sessionx=1; xpaas_session=2')).toBeUndefined();
    expect(cookieValue(undefined)).toBeUndefined();
    expect(cookieValue('paas_session=first; paas_session=second')).toBe('first');
  });
});

describe('origin and CSRF', () => {
  it('accepts no Origin, or this host under the scheme the router saw', () => {
    expect(originProblem({ host: 'dashboard.localhost' })).toBeUndefined();
    expect(originProblem({ host: 'dashboard.localhost', origin: 'http://dashboard.localhost' })).toBeUndefined();
    expect(
      originProblem({ host: 'dashboard.localhost:18080', origin: 'http://dashboard.localhost:18080' }),
    ).toBeUndefined();
    expect(originProblem({ host: 'Dashboard.LOCALHOST:80', origin: 'http://dashboard.localhost' })).toBeUndefined();
    expect(
      originProblem({
        host: 'dashboard.example.com',
        origin: 'https://dashboard.example.com',
        'x-forwarded-proto': 'https',
      }),
    ).toBeUndefined();
    expect(
      originProblem({
        host: 'dashboard.example.com:443',
        origin: 'https://dashboard.example.com',
        'x-forwarded-proto': 'https',
      }),
    ).toBeUndefined();
  });

  it('refuses another site, another port, another scheme, null and garbage', () => {
    const host = 'dashboard.localhost:18080';
    expect(originProblem({ host, origin: 'http://evil.example' })).toMatch(/another site/);
    expect(originProblem({ host, origin: 'http://dashboard.localhost:9999' })).toMatch(/another site/);
    expect(originProblem({ host, origin: 'https://dashboard.localhost:18080' })).toMatch(/another site/);
    expect(originProblem({ host, origin: 'null' })).toBeDefined();
    expect(originProblem({ host, origin: 'not a url' })).toMatch(/not a URL/);
    expect(originProblem({ origin: 'http://dashboard.localhost' })).toMatch(/no Host/);
    expect(originProblem({ host: 'app.localhost', origin: 'http://dashboard.localhost' })).toMatch(/another site/);
  });

  it('needs the CSRF token for every method but GET and HEAD', () => {
    for (const m of ['GET', 'HEAD']) expect(needsCsrf(m)).toBe(false);
    for (const m of ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) expect(needsCsrf(m)).toBe(true);
  });

  it('compares the CSRF token whole', () => {
    expect(csrfMatches('abc', 'abc')).toBe(true);
    expect(csrfMatches('abd', 'abc')).toBe(false);
    expect(csrfMatches('ab', 'abc')).toBe(false);
    expect(csrfMatches(undefined, 'abc')).toBe(false);
    expect(csrfMatches(['abc'], 'abc')).toBe(false);
    expect(csrfMatches('', '')).toBe(false);
  });
});

describe('API paths', () => {
  it('maps /api/<path> to the API path with its query', () => {
    expect(apiPath('/api/apps')).toBe('/apps');
    expect(apiPath('/api/apps/shop/releases?limit=5')).toBe('/apps/shop/releases?limit=5');
    expect(apiPath('/api/apps/')).toBe('/apps/');
    expect(apiPath('/api/apps/shop/log-sessions/0a1b/stream')).toBe('/apps/shop/log-sessions/0a1b/stream');
  });

  it('refuses the internal routes, however written, and paths that could reach them', () => {
    for (const p of [
      '/api/internal',
      '/api/internal/logs',
      '/api/INTERNAL/logs',
      '/api/Internal?x=1',
      '/api/%69nternal/logs',
      '/api//internal/logs',
      '/api/apps/../internal/logs',
      '/api/apps/%2e%2e/internal',
      '/api/apps%2f..%2finternal',
      '/api/apps/./x',
      '/api/apps//x',
      '/api/%E0%A4%A',
      '/api/',
      '/api',
      '/apix/apps',
    ])
      expect(apiPath(p), p).toBeUndefined();
  });
});

describe('headers across the proxy', () => {
  it('sends the API the session token and allowed headers, never the cookie or the browser credentials', () => {
    const h = upstreamRequestHeaders(
      {
        cookie: 'paas_session=v1.x',
        authorization: 'Bearer theirs',
        host: 'dashboard.localhost',
        'x-csrf-token': 'c',
        connection: 'keep-alive, x-secret',
        'x-secret': 's',
        'keep-alive': 'timeout=5',
        upgrade: 'websocket',
        'content-type': 'application/json',
        'content-length': '12',
        accept: 'text/plain',
        'x-forwarded-for': '203.0.113.9',
      },
      'session-token',
      '127.0.0.1',
    );
    expect(h).toEqual({
      authorization: 'Bearer session-token',
      'content-type': 'application/json',
      'content-length': '12',
      accept: 'text/plain',
      'x-forwarded-for': '203.0.113.9, 127.0.0.1',
    });
    expect(upstreamRequestHeaders({ 'transfer-encoding': 'chunked' }, 't', undefined)).toEqual({
      authorization: 'Bearer t',
      'transfer-encoding': 'chunked',
    });
  });

  it('passes the answer on with its type, length, Retry-After and Paas-* headers, no cookies, not cached', () => {
    expect(
      answerHeaders({
        'content-type': 'text/plain; charset=utf-8',
        'content-length': '5',
        'retry-after': '30',
        'paas-release-version': '7',
        'set-cookie': ['a=b'],
        connection: 'keep-alive',
        'keep-alive': 'timeout=5',
        'transfer-encoding': 'chunked',
        'cache-control': 'public, max-age=60',
        'x-powered-by': 'Express',
      }),
    ).toEqual({
      'content-type': 'text/plain; charset=utf-8',
      'content-length': '5',
      'retry-after': '30',
      'paas-release-version': '7',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    });
  });
});
