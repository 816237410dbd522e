import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

// The dashboard's HTTP decisions, pure: the headers every answer carries,
// the session cookie, whether a request came from the dashboard's own page
// (Origin, CSRF token), which /api paths reach the API, and which headers
// cross the proxy either way (server.ts and proxy.ts apply them).

export const SESSION_COOKIE = 'paas_session';
/** How long a session lasts: the token minted at login ends then (POST /account/tokens' expires_in). */
export const SESSION_TTL_S = 43_200;

/** The Content-Security-Policy of every answer: the UI loads only its own files and talks only to this host. */
export const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** Set on every answer, 404s and errors included. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
});

/** One value of a header that may come as a list (the first of "a, b"). */
function first(v: string | string[] | undefined): string | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  return s?.split(',')[0]?.trim() || undefined;
}

/** Whether the browser reached us over HTTPS: the router says so in X-Forwarded-Proto. */
export function isHttps(headers: IncomingHttpHeaders): boolean {
  return first(headers['x-forwarded-proto'])?.toLowerCase() === 'https';
}

/** The Set-Cookie value of a session for `maxAgeS` seconds (HttpOnly, SameSite=Strict, Secure over HTTPS). */
export function sessionCookie(value: string, opts: { secure: boolean; maxAgeS: number }): string {
  const age = Math.max(0, Math.floor(opts.maxAgeS));
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${age}${opts.secure ? '; Secure' : ''}`;
}

/** The Set-Cookie value that removes the session cookie. */
export function clearedCookie(secure: boolean): string {
  return sessionCookie('', { secure, maxAgeS: 0 });
}

/** The value of cookie `name` in a Cookie header (the first one), or undefined. */
export function cookieValue(header: string | undefined, name = SESSION_COOKIE): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    if (part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

/** The Host header as an origin's host: lowercased, without the scheme's default port. */
function normalHost(host: string, https: boolean): string {
  const h = host.trim().toLowerCase();
  const port = https ? ':443' : ':80';
  return h.endsWith(port) ? h.slice(0, -port.length) : h;
}

/**
 * Why a request's Origin is not this host's, or undefined when it is or none was sent (a same-origin GET, curl). The
 * origin must be `<scheme>://<Host>`, with the scheme the router saw (X-Forwarded-Proto).
 */
export function originProblem(headers: IncomingHttpHeaders): string | undefined {
  const origin = headers.origin;
  if (origin === undefined) return undefined;
  const host = headers.host;
  if (!host) return 'the request names no Host';
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return 'the Origin is not a URL';
  }
  const https = isHttps(headers);
  if (url.origin === 'null' || url.protocol !== (https ? 'https:' : 'http:')) return 'the Origin is another site';
  return url.host === normalHost(host, https) ? undefined : 'the Origin is another site';
}

/** Whether a request of this method changes something, and so needs the CSRF token. */
export function needsCsrf(method: string): boolean {
  return method !== 'GET' && method !== 'HEAD';
}

/** Whether the X-CSRF-Token sent is the session's, compared in constant time. */
export function csrfMatches(sent: string | string[] | undefined, expected: string): boolean {
  if (typeof sent !== 'string' || sent === '' || expected === '') return false;
  const a = createHash('sha256').update(sent).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * The API path (with its query) an `/api/...` URL stands for, or undefined when it may not be asked for: the API's
 * /internal routes (in any case: express matches paths case-insensitively), dot segments, empty segments, encoded
 * slashes or anything that does not decode.
 */
export function apiPath(url: string): string | undefined {
  if (!url.startsWith('/api/')) return undefined;
  const q = url.indexOf('?');
  const path = (q < 0 ? url : url.slice(0, q)).slice('/api'.length);
  const query = q < 0 ? '' : url.slice(q);
  const segments = path.slice(1).split('/');
  for (const [i, seg] of segments.entries()) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(seg);
    } catch {
      return undefined;
    }
    if (decoded === '.' || decoded === '..' || decoded.includes('/') || decoded.includes('\\')) return undefined;
    if (decoded === '' && i < segments.length - 1) return undefined;
    if (i === 0 && (decoded === '' || decoded.toLowerCase() === 'internal')) return undefined;
  }
  return path + query;
}

/** Request headers the API gets from the browser's: these only (never Cookie, Authorization, Host or hop-by-hop ones). */
const REQUEST_HEADERS = [
  'accept',
  'accept-language',
  'content-type',
  'content-length',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
  'range',
  'user-agent',
  'x-request-id',
];

/** The headers of the request to the API: the browser's allowed ones, the session's token, the forwarding chain. */
export function upstreamRequestHeaders(
  incoming: IncomingHttpHeaders,
  token: string,
  remoteAddress: string | undefined,
): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const name of REQUEST_HEADERS) {
    const v = incoming[name];
    if (v !== undefined) out[name] = v;
  }
  // a body of unknown length is sent on chunked, as it came
  if (incoming['transfer-encoding'] !== undefined && out['content-length'] === undefined)
    out['transfer-encoding'] = 'chunked';
  out.authorization = `Bearer ${token}`;
  const prior = incoming['x-forwarded-for'];
  const chain = [Array.isArray(prior) ? prior.join(', ') : prior, remoteAddress].filter(Boolean).join(', ');
  if (chain) out['x-forwarded-for'] = chain;
  return out;
}

/** Answer headers passed on from the API: these and the platform's own (Paas-*); never Set-Cookie or hop-by-hop ones. */
const ANSWER_HEADERS = [
  'content-type',
  'content-length',
  'content-encoding',
  'content-range',
  'retry-after',
  'allow',
  'x-request-id',
  'etag',
  'last-modified',
];

/** The headers of the browser's answer from the API's: those allowed, no caching, no buffering on the way (logs). */
export function answerHeaders(upstream: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, v] of Object.entries(upstream)) {
    if (v === undefined) continue;
    if (ANSWER_HEADERS.includes(name) || name.startsWith('paas-')) out[name] = v;
  }
  out['cache-control'] = 'no-store';
  // the router's nginx passes each chunk on at once: a log stream's lines arrive as they are written
  out['x-accel-buffering'] = 'no';
  return out;
}
