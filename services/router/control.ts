import { request } from 'node:http';
import type { RouteState } from '../core/types.js';
import { BATCH_BYTES, BATCH_MAX } from './luacontrol.js';
import { parseRequestMetrics, type RequestMetrics, type RequestMetricsSource } from './metrics.js';
import type { CertificatePem } from './tls.js';

// Client of nginx's local-only control endpoint (see lua.ts): the router sets
// there the apps nginx serves (custom domains, maintenance), their peers, the
// state of one without, the certificate of each name and the open ACME
// challenges, so no change of apps reloads nginx, and reads what nginx saw of
// each app's traffic (its activity, its request metrics: metrics.ts).

export interface UpstreamControl {
  /** Replaces the peers ("host:port") of one app; an empty list makes the app answer 503 (or hold: its state). */
  set(app: string, upstreams: readonly string[]): Promise<void>;
  remove(app: string): Promise<void>;
  /** Every app's peers as nginx holds them. */
  list(): Promise<Map<string, string[]>>;
  /** Serves the app (at <app>.<domain> and its custom domains), or its maintenance page. */
  setSite(app: string, site: SiteEntry): Promise<void>;
  /** The app is no longer served: its names answer 404. */
  removeSite(app: string): Promise<void>;
  /** Every app nginx serves. */
  sites(): Promise<Map<string, SiteEntry>>;
  /** Sets why an app has no peers: sleeping or waking (its requests are held), crashed (503 at once). */
  setState(app: string, state: RouteState): Promise<void>;
  removeState(app: string): Promise<void>;
  /** Every app's state as nginx holds it. */
  states(): Promise<Map<string, RouteState>>;
  /** What nginx saw of each app: its last request and its open websockets. */
  activity(): Promise<Map<string, AppActivity>>;
  /** The versions of the certificates nginx holds (each once, whatever the names it serves). */
  certificates(): Promise<Set<string>>;
  /** hostname -> the version of the certificate nginx serves for it. */
  certificateNames(): Promise<Map<string, string>>;
  /** token -> keyAuthorization of the ACME challenges nginx answers. */
  challenges(): Promise<Map<string, string>>;
  /** Applies the changes in order, in parts of batchParts (a pass's, or everything again for a restarted nginx). */
  batch(changes: readonly ControlChange[]): Promise<void>;
}

/** One change of what nginx holds; without its value, a removal. */
export type ControlChange =
  | { kind: 'upstreams'; app: string; upstreams?: readonly string[] }
  | { kind: 'site'; app: string; site?: SiteEntry }
  | { kind: 'state'; app: string; state?: RouteState }
  /** A certificate stored by its version (tls.ts certificateVersion), before any name points at it. */
  | { kind: 'cert'; version: string; cert?: CertificatePem }
  /** The certificate a hostname is served; removed, the fallback. */
  | { kind: 'sni'; host: string; version?: string }
  | { kind: 'challenge'; token: string; keyAuthorization?: string };

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** The POST /batch line of a change (luacontrol.ts); names and values are validated by their producers and by Lua. */
export function batchLine(c: ControlChange): string {
  switch (c.kind) {
    case 'upstreams':
      return c.upstreams === undefined ? `-upstreams ${c.app}` : ['upstreams', c.app, ...c.upstreams].join(' ');
    case 'site':
      return c.site === undefined ? `-site ${c.app}` : ['site', c.app, siteFlag(c.site), ...c.site.domains].join(' ');
    case 'state':
      return c.state === undefined ? `-state ${c.app}` : `state ${c.app} ${c.state}`;
    case 'cert':
      // PEM has lines; a batch line has none: base64 of it, decoded by Lua
      return c.cert === undefined
        ? `-cert ${c.version}`
        : `cert ${c.version} ${base64(c.cert.chainPem)} ${base64(c.cert.keyPem)}`;
    case 'sni':
      return c.version === undefined ? `-sni ${c.host}` : `sni ${c.host} ${c.version}`;
    case 'challenge':
      return c.keyAuthorization === undefined ? `-challenge ${c.token}` : `challenge ${c.token} ${c.keyAuthorization}`;
  }
}

/** The bytes of a change's batch line with its newline, without building a certificate's base64. */
function lineBytes(c: ControlChange): number {
  if (c.kind !== 'cert' || c.cert === undefined) return Buffer.byteLength(batchLine(c)) + 1;
  const b64 = (text: string) => 4 * Math.ceil(Buffer.byteLength(text, 'utf8') / 3);
  return `cert ${c.version}  `.length + b64(c.cert.chainPem) + b64(c.cert.keyPem) + 1;
}

/** The changes in order, cut into parts of at most BATCH_MAX changes and BATCH_BYTES bytes: one POST /batch each. */
export function batchParts(changes: readonly ControlChange[]): ControlChange[][] {
  const parts: ControlChange[][] = [];
  let part: ControlChange[] = [];
  let bytes = 0;
  for (const c of changes) {
    const n = lineBytes(c);
    if (part.length > 0 && (part.length >= BATCH_MAX || bytes + n > BATCH_BYTES)) {
      parts.push(part);
      part = [];
      bytes = 0;
    }
    part.push(c);
    bytes += n;
  }
  if (part.length > 0) parts.push(part);
  return parts;
}

/** An app as nginx serves it: its custom domains (sorted), and whether it is in maintenance. */
export interface SiteEntry {
  maintenance: boolean;
  domains: string[];
  /** redirect-https: HTTP gets a 308 to HTTPS. */
  redirectHttps?: boolean;
}

/** The site's flag word in the control protocol: serve or maintenance, `-https` appended for redirect-https. */
export function siteFlag(site: SiteEntry): string {
  return `${site.maintenance ? 'maintenance' : 'serve'}${site.redirectHttps ? '-https' : ''}`;
}

const SITE_FLAGS = new Set(['serve', 'maintenance', 'serve-https', 'maintenance-https']);

/** An app's traffic as nginx saw it. */
export interface AppActivity {
  /** Epoch ms of the last request (to the second: a worker writes it at most once a second). */
  at: number;
  websockets: number;
}

const ROUTE_STATES: ReadonlySet<string> = new Set<RouteState>(['sleeping', 'waking', 'crashed']);

export function isRouteState(s: unknown): s is RouteState {
  return typeof s === 'string' && ROUTE_STATES.has(s);
}

export class ControlError extends Error {
  override name = 'ControlError';
}

interface Answer {
  status: number;
  body: string;
}

/** Parses the GET /upstreams answer: one "app host:port host:port ..." line per app. */
export function parseUpstreamList(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const [app, ...peers] = line.trim().split(/\s+/);
    if (app) out.set(app, peers);
  }
  return out;
}

/** Parses the GET /states answer: one "app state" line per app (unknown states are left out). */
export function parseStateList(text: string): Map<string, RouteState> {
  const out = new Map<string, RouteState>();
  for (const line of text.split('\n')) {
    const [app, state] = line.trim().split(/\s+/);
    if (app && isRouteState(state)) out.set(app, state);
  }
  return out;
}

/** Parses the GET /sites answer: one "app serve|maintenance domain..." line per app. */
export function parseSiteList(text: string): Map<string, SiteEntry> {
  const out = new Map<string, SiteEntry>();
  for (const line of text.split('\n')) {
    const [app, flag, ...domains] = line.trim().split(/\s+/);
    if (app && flag && SITE_FLAGS.has(flag))
      out.set(app, {
        maintenance: flag.startsWith('maintenance'),
        domains: domains.sort(),
        ...(flag.endsWith('-https') && { redirectHttps: true }),
      });
  }
  return out;
}

/** Parses the GET /activity answer: one "app <epoch s> <websockets>" line per app. */
export function parseActivityList(text: string): Map<string, AppActivity> {
  const out = new Map<string, AppActivity>();
  for (const line of text.split('\n')) {
    const [app, at, ws] = line.trim().split(/\s+/);
    const seconds = Number(at);
    const websockets = Number(ws);
    if (!app || !Number.isFinite(seconds) || !Number.isInteger(websockets)) continue;
    out.set(app, { at: Math.round(seconds * 1000), websockets: Math.max(0, websockets) });
  }
  return out;
}

/** Parses the GET /certs answer: one certificate version per line. */
export function parseCertificateList(text: string): Set<string> {
  return new Set(text.split('\n').flatMap((l) => (l.trim() ? [l.trim()] : [])));
}

/** Parses the GET /sni or /challenges answer: one "name value" line each (hostname version, token keyAuthorization). */
export function parsePairList(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const [name, value] = line.trim().split(/\s+/);
    if (name && value) out.set(name, value);
  }
  return out;
}

export class HttpUpstreamControl implements UpstreamControl, RequestMetricsSource {
  constructor(
    readonly port: number,
    private readonly host = '127.0.0.1',
    private readonly timeoutMs = 5000,
  ) {}

  private call(method: string, path: string, body?: string): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: this.host,
          port: this.port,
          method,
          path,
          agent: false,
          timeout: this.timeoutMs,
          headers:
            body === undefined ? {} : { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () =>
        req.destroy(new ControlError(`${method} ${path}: no answer from nginx's control endpoint`)),
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  private async expectOk(method: string, path: string, body?: string): Promise<string> {
    const res = await this.call(method, path, body);
    if (res.status !== 200) throw new ControlError(`${method} ${path}: ${res.status} ${res.body.trim()}`);
    return res.body;
  }

  async set(app: string, upstreams: readonly string[]): Promise<void> {
    await this.expectOk('PUT', `/upstreams/${encodeURIComponent(app)}`, upstreams.map((u) => `${u}\n`).join(''));
  }

  async remove(app: string): Promise<void> {
    await this.expectOk('DELETE', `/upstreams/${encodeURIComponent(app)}`);
  }

  async list(): Promise<Map<string, string[]>> {
    return parseUpstreamList(await this.expectOk('GET', '/upstreams'));
  }

  async setSite(app: string, site: SiteEntry): Promise<void> {
    const body = [siteFlag(site), ...site.domains].map((l) => `${l}\n`).join('');
    await this.expectOk('PUT', `/sites/${encodeURIComponent(app)}`, body);
  }

  async removeSite(app: string): Promise<void> {
    await this.expectOk('DELETE', `/sites/${encodeURIComponent(app)}`);
  }

  async sites(): Promise<Map<string, SiteEntry>> {
    return parseSiteList(await this.expectOk('GET', '/sites'));
  }

  async setState(app: string, state: RouteState): Promise<void> {
    await this.expectOk('PUT', `/states/${encodeURIComponent(app)}`, `${state}\n`);
  }

  async removeState(app: string): Promise<void> {
    await this.expectOk('DELETE', `/states/${encodeURIComponent(app)}`);
  }

  async states(): Promise<Map<string, RouteState>> {
    return parseStateList(await this.expectOk('GET', '/states'));
  }

  async activity(): Promise<Map<string, AppActivity>> {
    return parseActivityList(await this.expectOk('GET', '/activity'));
  }

  /** What nginx counted of each app's requests (GET /metrics: each worker's counts of about FLUSH_S ago). */
  async requestMetrics(): Promise<RequestMetrics> {
    return parseRequestMetrics(await this.expectOk('GET', '/metrics'));
  }

  async certificates(): Promise<Set<string>> {
    return parseCertificateList(await this.expectOk('GET', '/certs'));
  }

  async certificateNames(): Promise<Map<string, string>> {
    return parsePairList(await this.expectOk('GET', '/sni'));
  }

  async challenges(): Promise<Map<string, string>> {
    return parsePairList(await this.expectOk('GET', '/challenges'));
  }

  async batch(changes: readonly ControlChange[]): Promise<void> {
    for (const part of batchParts(changes))
      await this.expectOk('POST', '/batch', part.map((c) => `${batchLine(c)}\n`).join(''));
  }
}
