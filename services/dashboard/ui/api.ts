// The dashboard's one way to the server: its /session endpoints and the API
// behind /api/. A change (any method but GET/HEAD) carries the session's CSRF
// token; a 401 anywhere means the session is gone, and the app goes back to
// its login page; an error answer's JSON message becomes the Error's message,
// shown to the user as it is.

import type { Session } from './types.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly id?: string,
  ) {
    super(message);
  }
}

let csrf = '';
let onUnauthorized: () => void = () => {};

/** Called with the session when there is one (its CSRF token goes with every change), and what a 401 does. */
export function setSession(session: Session | null, unauthorized?: () => void): void {
  csrf = session?.csrf ?? '';
  if (unauthorized) onUnauthorized = unauthorized;
}

async function errorOf(res: Response): Promise<ApiError> {
  let message = `${res.status} ${res.statusText}`.trim();
  let id: string | undefined;
  try {
    const body = (await res.json()) as { message?: unknown; id?: unknown };
    if (typeof body.message === 'string' && body.message) message = body.message;
    if (typeof body.id === 'string') id = body.id;
  } catch {
    // not JSON: the status says it
  }
  if (res.status === 429) {
    const after = res.headers.get('Retry-After');
    if (after) message = `${message} (try again in ${after} s)`;
  }
  return new ApiError(res.status, message, id);
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  signal?: AbortSignal;
  /** A 401 is the caller's answer (the login form), not a lost session. */
  own401?: boolean;
}

/** The raw answer of a dashboard URL, thrown as an ApiError unless 2xx. */
export async function send(path: string, opts: RequestOptions = {}): Promise<Response> {
  const method = opts.method ?? 'GET';
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = csrf;
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    signal: opts.signal,
  });
  if (res.ok) return res;
  if (res.status === 401 && !opts.own401) onUnauthorized();
  throw await errorOf(res);
}

/** A dashboard URL's JSON answer (undefined for 204). */
export async function json<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await send(path, opts);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** The public API's answer to METHOD /api<path>. */
export function api<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  return json<T>(`/api${path}`, opts);
}

/** `/apps/<name>` with the name encoded. */
export function appPath(app: string, rest = ''): string {
  return `/apps/${encodeURIComponent(app)}${rest}`;
}

export type Credentials = { token: string } | { email: string; password: string };

/** The session there is, or null. */
export async function currentSession(): Promise<Session | null> {
  try {
    return await json<Session>('/session', { own401: true });
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return null;
    throw err;
  }
}

export function login(credentials: Credentials): Promise<Session> {
  return json<Session>('/session', { method: 'POST', body: credentials, own401: true });
}

export async function logout(): Promise<void> {
  await send('/session', { method: 'DELETE', own401: true });
}

/** A message for any thrown value. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
