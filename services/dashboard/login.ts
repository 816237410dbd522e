import { apiFetch } from '../core/apiurls.js';
import { newCsrf, type Session } from './session.js';
import { SESSION_TTL_S } from './policy.js';

// Logging in and out, through the public API only. A login mints a token of
// its own for the session (POST /account/tokens, expires_in 12 h,
// "dashboard session"), so that logging out revokes that one and never the
// token the user typed in (their CLI's, say):
//   {token}:           GET /account with it (401: refused), then the mint with it;
//   {email, password}: the mint with Basic auth, then GET /account with the new token.
// The API's refusals (401, 422, 429 with Retry-After) are passed on as they
// are; an API that does not answer is a 502.

export const SESSION_DESCRIPTION = 'dashboard session';

/** An answer of the API, or of the dashboard in its stead: status, JSON body, Retry-After. */
export interface Answer {
  status: number;
  body: unknown;
  retryAfter?: string;
}

/** The few API calls a login and a logout make. */
export interface LoginApi {
  account(token: string): Promise<Answer>;
  mint(authorization: string, body: Record<string, unknown>): Promise<Answer>;
  revoke(token: string, id: string): Promise<Answer>;
}

export type Credentials = { kind: 'token'; token: string } | { kind: 'password'; email: string; password: string };

const MAX_FIELD = 1024;

/** The credentials of POST /session's body, or the 422 message saying what is wrong; pure. */
export function parseCredentials(body: unknown): Credentials | string {
  const usage = 'Send {"token": "<API token>"} or {"email": "...", "password": "..."}.';
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return usage;
  const b = body as Record<string, unknown>;
  const field = (v: unknown) => typeof v === 'string' && v.length > 0 && v.length <= MAX_FIELD;
  if (b.token !== undefined) {
    if (!field(b.token) || b.email !== undefined || b.password !== undefined) return usage;
    return { kind: 'token', token: (b.token as string).trim() };
  }
  if (!field(b.email) || !field(b.password)) return usage;
  if ((b.email as string).includes(':')) return 'An email address has no ":".';
  return { kind: 'password', email: (b.email as string).trim(), password: b.password as string };
}

/** A login's outcome: the session, or the answer to pass on. */
export type LoginResult = { ok: true; session: Session } | { ok: false; answer: Answer };

const unavailable = (): Answer => ({
  status: 502,
  body: { id: 'unavailable', message: 'The platform API does not answer as expected; try again shortly.' },
});

/** The API's answer passed on when it refuses (4xx); anything else unexpected is a 502. */
function refusal(a: Answer): Answer {
  return a.status >= 400 && a.status < 500 ? a : unavailable();
}

interface Account {
  email: string;
  admin: boolean;
}

function accountOf(body: unknown): Account | undefined {
  const b = body as Record<string, unknown> | null;
  return typeof b?.email === 'string' && typeof b.admin === 'boolean' ? { email: b.email, admin: b.admin } : undefined;
}

function mintedOf(body: unknown): { id: string; token: string; expiresAt?: number } | undefined {
  const b = body as Record<string, unknown> | null;
  if (typeof b?.id !== 'string' || typeof b.token !== 'string') return undefined;
  const end = typeof b.expires_at === 'string' ? Date.parse(b.expires_at) : NaN;
  return { id: b.id, token: b.token, ...(Number.isFinite(end) && { expiresAt: end }) };
}

/** Logs in with these credentials: a session whose token was minted for it, or the answer to give. */
export async function login(api: LoginApi, creds: Credentials, now: number): Promise<LoginResult> {
  const mintBody = { description: SESSION_DESCRIPTION, expires_in: SESSION_TTL_S };
  let account: Account | undefined;
  let minted: ReturnType<typeof mintedOf>;
  if (creds.kind === 'token') {
    const me = await api.account(creds.token);
    if (me.status !== 200) return { ok: false, answer: refusal(me) };
    account = accountOf(me.body);
    const m = await api.mint(`Bearer ${creds.token}`, mintBody);
    if (m.status !== 201) return { ok: false, answer: refusal(m) };
    minted = mintedOf(m.body);
  } else {
    const basic = Buffer.from(`${creds.email}:${creds.password}`, 'utf8').toString('base64');
    const m = await api.mint(`Basic ${basic}`, mintBody);
    if (m.status !== 201) return { ok: false, answer: refusal(m) };
    minted = mintedOf(m.body);
    if (minted) {
      const me = await api.account(minted.token);
      if (me.status !== 200) return { ok: false, answer: refusal(me) };
      account = accountOf(me.body);
    }
  }
  if (!account || !minted) return { ok: false, answer: unavailable() };
  const end = Math.min(now + SESSION_TTL_S * 1000, minted.expiresAt ?? Infinity);
  return {
    ok: true,
    session: {
      token: minted.token,
      tokenId: minted.id,
      email: account.email,
      admin: account.admin,
      csrf: newCsrf(),
      expiresAt: end,
    },
  };
}

/** What the page learns of its session (GET and POST /session): never the token. */
export function sessionView(s: Session): { email: string; admin: boolean; csrf: string; expires_at: string } {
  return { email: s.email, admin: s.admin, csrf: s.csrf, expires_at: new Date(s.expiresAt).toISOString() };
}

/** The login calls of one browser request: its forwarding chain (X-Forwarded-For) goes with each. */
export type LoginApiFor = (forwardedFor: string | undefined) => LoginApi;

/** The public API over fetch; a call that fails or takes longer than `timeoutMs` is a 502. */
export function fetchLoginApi(apiUrl: string, timeoutMs = 10_000): LoginApiFor {
  const call = async (method: string, path: string, headers: Record<string, string>, body?: unknown) => {
    try {
      const res = await apiFetch(apiUrl, path, {
        method,
        headers: {
          accept: 'application/json',
          ...headers,
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await res.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      const retryAfter = res.headers.get('retry-after');
      return { status: res.status, body: parsed, ...(retryAfter !== null && { retryAfter }) };
    } catch {
      return unavailable();
    }
  };
  return (forwardedFor) => {
    const extra: Record<string, string> = forwardedFor ? { 'x-forwarded-for': forwardedFor } : {};
    return {
      account: (token) => call('GET', '/account', { ...extra, authorization: `Bearer ${token}` }),
      mint: (authorization, body) => call('POST', '/account/tokens', { ...extra, authorization }, body),
      revoke: (token, id) =>
        call('DELETE', `/account/tokens/${encodeURIComponent(id)}`, { ...extra, authorization: `Bearer ${token}` }),
    };
  };
}
