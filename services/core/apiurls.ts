import type { ClientOptions } from 'ws';
import { WebSocket } from 'ws';
import { ConfigError, int, str, type Env } from './config.js';

// Several API URLs (issue 19): PAAS_API_URL may be a comma-separated list of
// controllers ("http://127.0.0.1:8700,http://127.0.0.1:8720"), any of which
// answers any request (controller/peers/). Clients try them in order,
// starting from the last one that worked, and move on to the next when a
// controller cannot be reached (connection refused, reset, unreachable, a
// connect timeout) or answers 502/503 (a proxy in front of a dead one, or a
// controller without etcd). Any other answer, good or bad, is the answer.
//
// The list is kept as its normalised text in each service's config (apiUrl:
// string, as before), and apiUrls(text) gives the one ApiUrls of that text
// in the process, so every call site shares which URL last worked.
//
// A request body is sent again to the next URL: only replayable bodies
// (strings, buffers) fail over; a streamed body (the dashboard's proxy) is
// the caller's business (pick(), failed()).

/** Errors (their code, or their cause's) after which the request did not reach a controller, or it went away. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

/** Answers after which the next controller is tried. */
export const FAILOVER_STATUSES: readonly number[] = [502, 503];

/**
 * The URLs of a PAAS_API_URL text: split at commas, trimmed, each an http(s) URL without a trailing slash, duplicates
 * dropped, in order. Throws an Error naming the bad one (none: an Error too). Pure.
 */
export function parseApiUrls(text: string): string[] {
  const out: string[] = [];
  for (const part of text.split(',')) {
    const t = part.trim();
    if (t === '') continue;
    let u: URL;
    try {
      u = new URL(t);
    } catch {
      throw new Error(`Not a URL: ${t}`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`The API URL must be http(s): ${t}`);
    if (u.search || u.hash) throw new Error(`The API URL must have no query or fragment: ${t}`);
    const norm = u.toString().replace(/\/+$/, '');
    if (!out.includes(norm)) out.push(norm);
  }
  if (out.length === 0) throw new Error('No API URL given');
  return out;
}

/**
 * PAAS_API_URL as a service's config keeps it: the normalised list joined by commas (default
 * http://127.0.0.1:$PAAS_API_PORT). A ConfigError for a bad list.
 */
export function apiUrlSetting(env: Env): string {
  const text = str(env, 'PAAS_API_URL', `http://127.0.0.1:${int(env, 'PAAS_API_PORT', 8700)}`);
  try {
    return parseApiUrls(text).join(',');
  } catch (err) {
    throw new ConfigError(`PAAS_API_URL: ${(err as Error).message}`);
  }
}

/** The list in the order to try: the last one that worked first, then the others in their order. Pure. */
export function tryOrder(urls: readonly string[], lastGood: number): string[] {
  const i = lastGood >= 0 && lastGood < urls.length ? lastGood : 0;
  return [...urls.slice(i), ...urls.slice(0, i)];
}

/** Whether a fetch or socket error means the controller was not reached (or went away): try the next one. Pure. */
export function isUnreachable(err: unknown): boolean {
  for (
    let e = err as { code?: unknown; cause?: unknown; message?: unknown } | undefined, depth = 0;
    e && depth < 4;
    depth++
  ) {
    if (typeof e.code === 'string' && UNREACHABLE.has(e.code)) return true;
    // undici's connect timeout and closed sockets, by their message where there is no code
    if (typeof e.message === 'string' && /connect timeout|socket hang up|other side closed/i.test(e.message))
      return true;
    if (e.cause === e) break;
    e = e.cause as typeof e;
  }
  return false;
}

export interface FailoverInit extends RequestInit {
  /** The fetch to use (tests, the CLI's context); global fetch else. */
  fetchFn?: typeof fetch;
}

export class ApiUrls {
  readonly all: readonly string[];
  private lastGood = 0;

  constructor(urls: string | readonly string[]) {
    this.all = typeof urls === 'string' ? parseApiUrls(urls) : parseApiUrls(urls.join(','));
  }

  /** The URLs, the one to try first first. */
  order(): string[] {
    return tryOrder(this.all, this.lastGood);
  }

  /** The URL to use now (the last that worked). */
  pick(): string {
    return this.order()[0] as string;
  }

  /** `url` answered: it goes first from now on. */
  worked(url: string): void {
    const i = this.all.indexOf(url);
    if (i >= 0) this.lastGood = i;
  }

  /** `url` could not be reached: the next one goes first from now on (unless another has worked since). */
  failed(url: string): void {
    const i = this.all.indexOf(url);
    if (i >= 0 && i === this.lastGood) this.lastGood = (i + 1) % this.all.length;
  }

  /**
   * fetch(`<url><path>`) on each URL in turn until one answers with something other than 502/503; the last answer
   * (502/503) when all did so, else the last error. The caller's signal, once aborted, stops it (its error thrown).
   */
  async fetch(path: string, init: FailoverInit = {}): Promise<Response> {
    const { fetchFn = fetch, ...rest } = init;
    let lastErr: unknown;
    let lastRes: Response | undefined;
    const order = this.order();
    for (const [i, base] of order.entries()) {
      const last = i === order.length - 1;
      try {
        const res = await fetchFn(base + path, rest);
        if (!last && FAILOVER_STATUSES.includes(res.status)) {
          await res.body?.cancel().catch(() => undefined);
          lastRes = res;
          this.failed(base);
          continue;
        }
        if (!FAILOVER_STATUSES.includes(res.status)) this.worked(base);
        return res;
      } catch (err) {
        if (rest.signal?.aborted || !isUnreachable(err)) throw err;
        lastErr = err;
        this.failed(base);
      }
    }
    if (lastRes) return lastRes;
    throw lastErr;
  }

  /**
   * A websocket to `<url><path>` (http -> ws) on each URL in turn, resolved once open and paused: set the handlers,
   * then ws.resume() (nothing is lost in between). Moves on when a controller cannot be reached or answers the upgrade
   * with 502/503; rejects with an UpgradeRefused for another answer, else with the last error.
   */
  async openWebSocket(path: string, opts: ClientOptions = {}): Promise<WebSocket> {
    const order = this.order();
    const { ws, index } = await openFirst(
      order.map((b) => b.replace(/^http/, 'ws') + path),
      opts,
      (i) => this.failed(order[i] as string),
    );
    this.worked(order[index] as string);
    return ws;
  }
}

/**
 * The first of `urls` (whole ws(s):// URLs) whose websocket opens (paused, as openPaused), moving on as
 * ApiUrls.openWebSocket does; `failed(i)` is told of each passed over.
 */
export async function openFirst(
  urls: readonly string[],
  opts: ClientOptions = {},
  failed?: (index: number) => void,
): Promise<{ ws: WebSocket; index: number }> {
  let lastErr: unknown = new Error('No URL to open');
  for (const [index, url] of urls.entries()) {
    try {
      return { ws: await openPaused(url, opts), index };
    } catch (err) {
      lastErr = err;
      if (err instanceof UpgradeRefused && !FAILOVER_STATUSES.includes(err.status)) throw err;
      if (!(err instanceof UpgradeRefused) && !isUnreachable(err)) throw err;
      failed?.(index);
    }
  }
  throw lastErr;
}

/**
 * fetch on the first of `urls` (whole URLs: sameOnEach) that answers other than 502/503, moving on as ApiUrls.fetch
 * does (the last answer or error when none does).
 */
export async function fetchFirst(urls: readonly string[], init: FailoverInit = {}): Promise<Response> {
  const { fetchFn = fetch, ...rest } = init;
  let lastErr: unknown = new Error('No URL to fetch');
  for (const [i, url] of urls.entries()) {
    try {
      const res = await fetchFn(url, rest);
      if (i < urls.length - 1 && FAILOVER_STATUSES.includes(res.status)) {
        await res.body?.cancel().catch(() => undefined);
        continue;
      }
      return res;
    } catch (err) {
      if (rest.signal?.aborted || !isUnreachable(err)) throw err;
      lastErr = err;
    }
  }
  throw lastErr;
}

/** An upgrade answered with an HTTP status instead of 101, with its body's text. */
export class UpgradeRefused extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`the API answered ${status}`);
    this.name = 'UpgradeRefused';
  }
}

/** One websocket, resolved when open (then paused: the caller resumes it once its handlers are set). */
export function openPaused(url: string, opts: ClientOptions = {}): Promise<WebSocket> {
  return new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(url, { handshakeTimeout: 10_000, ...opts });
    const fail = (err: unknown) => {
      ws.removeAllListeners();
      ws.on('error', () => undefined);
      ws.terminate();
      reject(err);
    };
    ws.once('open', () => {
      ws.pause(); // synchronously, before the socket's first data is read
      ws.removeAllListeners();
      resolve(ws);
    });
    ws.once('error', fail);
    ws.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => fail(new UpgradeRefused(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'))));
      res.on('error', () => fail(new UpgradeRefused(res.statusCode ?? 0, '')));
    });
  });
}

const shared = new Map<string, ApiUrls>();

/** The process's ApiUrls for this PAAS_API_URL text (one per text: they share which URL last worked). */
export function apiUrls(text: string): ApiUrls {
  let u = shared.get(text);
  if (!u) {
    u = new ApiUrls(text);
    shared.set(text, u);
  }
  return u;
}

/** fetch with failover over the URLs of `apiUrl` (a PAAS_API_URL text): ApiUrls.fetch. */
export function apiFetch(apiUrl: string, path: string, init?: FailoverInit): Promise<Response> {
  return apiUrls(apiUrl).fetch(path, init);
}

/**
 * `url` (an answer's logplex_url or attach_url: a controller's address) and, after it, the same path and query on
 * each other URL of the list (any controller serves it), without repeats. Pure.
 */
export function sameOnEach(url: string, bases: readonly string[]): string[] {
  const u = new URL(url);
  const ws = u.protocol === 'ws:' || u.protocol === 'wss:';
  const form = (b: string) => (ws ? b.replace(/^http/, 'ws') : b);
  // the part after the base it was made from (an API behind a path keeps its path once), else path and query
  const from = bases.map(form).find((b) => url.startsWith(b + '/'));
  const tail = from ? url.slice(from.length) : u.pathname + u.search;
  const out = [url];
  for (const b of bases) {
    const alt = form(b) + tail;
    if (!out.includes(alt)) out.push(alt);
  }
  return out;
}
