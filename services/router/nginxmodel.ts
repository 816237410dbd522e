import { isIP } from 'node:net';
import { DEFAULT_WAKE_MAX_HELD, DEFAULT_WAKE_TIMEOUT_S, WAKE_MAX_HELD_LIMIT, WAKE_TIMEOUT_RANGE_S } from './luahold.js';
import { METRICS_DICT_MB_LIMIT } from './luametrics.js';
import { isDomain, type Site } from './sites.js';
import type { SshProxy } from './stream.js';

// What renderNginx (render.ts) is given, the operator's settings, and their
// checks: a setting nginx's syntax could misread never reaches the config.

export interface NginxModel {
  /** Apps that have a route (a name, or a Site): not in the config; validated into `sites`, the others reported. */
  apps: readonly (string | Site)[];
  /** Apps answer at <app>.<domain>. */
  domain: string;
  /** Public listen address and port. */
  listen: string;
  httpPort: number;
  /** Local-only control endpoint (always bound to 127.0.0.1). */
  controlPort: number;
  /** Absolute directory holding the pid file, logs and temp paths. */
  dir: string;
  /** Loads ndk + lua (the distribution's module snippets: config.ts). */
  modulesInclude: string;
  /** client_max_body_size in MiB. */
  maxBodyMb: number;
  /** Requests for a sleeping or waking app: held this long at most, this many at most (luahold.ts' defaults). */
  wake?: WakeSettings;
  /** worker_processes: a count, or `auto` (one per CPU, the default). */
  workers?: number | 'auto';
  /** HTTPS beside HTTP, on the same server; absent: HTTP only. */
  https?: HttpsSettings;
  /** The certificates' shared dict, in MiB (DEFAULT_CERT_DICT_MB). */
  certDictMb?: number;
  /** Request metrics counted (luametrics.ts); off: none (PAAS_ROUTER_REQUEST_METRICS). Default on. */
  requestMetrics?: boolean;
  /** The request metrics' shared dict, in MiB (DEFAULT_METRICS_DICT_MB). */
  metricsDictMb?: number;
  /** The git remote's TCP proxy to the builders (stream.ts, HA); absent: none. */
  ssh?: SshProxy;
}

export interface HttpsSettings {
  port: number;
  /** The fallback certificate (PEM, with its chain) and key, served to a name with no certificate of its own. */
  certificate: string;
  key: string;
  /**
   * The fallback's SHA-256, written into the config: nginx reads the files only when it loads its config, so a new
   * fallback (same paths) changes the config and reloads nginx.
   */
  fingerprint?: string;
  /**
   * The router issues the platform's leaf of `<app>.<domain>` (leaves.ts), from the CA of this SHA-256 fingerprint:
   * Lua asks for it on the router's socket, and drops the leaves it holds of another CA.
   */
  leaves?: string;
}

export interface WakeSettings {
  /** Seconds a held request waits before a 503 "Application is starting". */
  timeoutS: number;
  /** Requests held at once by this nginx; past it, that 503 at once. */
  maxHeld: number;
}

/** The unix socket under nginx's dir where the router takes wakes (POST /wakes/<app>, wake.ts). */
export function wakeSocketPath(dir: string): string {
  return `${dir.replace(/\/+$/, '')}/router.sock`;
}

/** A unix socket's path fits in sun_path (108 bytes with its NUL). */
export const MAX_SOCKET_PATH = 107;

/**
 * The certificates' shared dict, MiB: a certificate (DER chain and key, 3-6 KB) takes one or two 4 KiB pages of it,
 * so about 10,000 certificates.
 */
export const DEFAULT_CERT_DICT_MB = 64;
export const CERT_DICT_MB_LIMIT = 4096;

const SAFE_PATH = /^\/[A-Za-z0-9._/+@-]*$/;
const SAFE_GLOB = /^\/[A-Za-z0-9._/+@*-]*$/;

/** An absolute path with no `..` and nothing the config's syntax would read (spaces, quotes, `;`, `$`). */
export function isPlainPath(path: string): boolean {
  return SAFE_PATH.test(path) && !path.split('/').includes('..');
}

function isPort(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= 65535;
}

/** "0.0.0.0", "127.0.0.1", "::" or "*": an address for `listen`, bracketed when IPv6. */
export function listenAddress(listen: string): string {
  if (listen === '*') return '*';
  const kind = isIP(listen);
  if (kind === 4) return listen;
  if (kind === 6) return `[${listen}]`;
  throw new Error(`listen address must be an IP address or "*": ${JSON.stringify(listen)}`);
}

export function checkModel(m: NginxModel): void {
  if (!isDomain(m.domain)) throw new Error(`domain is not a valid lowercase host name: ${JSON.stringify(m.domain)}`);
  if (!isPort(m.httpPort)) throw new Error(`httpPort must be 1..65535: ${m.httpPort}`);
  if (!isPort(m.controlPort)) throw new Error(`controlPort must be 1..65535: ${m.controlPort}`);
  if (!isPlainPath(m.dir)) throw new Error(`dir must be a plain absolute path: ${JSON.stringify(m.dir)}`);
  if (!SAFE_GLOB.test(m.modulesInclude))
    throw new Error(`modulesInclude must be a plain absolute path: ${JSON.stringify(m.modulesInclude)}`);
  if (!(Number.isInteger(m.maxBodyMb) && m.maxBodyMb >= 1 && m.maxBodyMb <= 102_400))
    throw new Error(`maxBodyMb must be 1..102400: ${m.maxBodyMb}`);
  if (
    m.workers !== undefined &&
    m.workers !== 'auto' &&
    !(Number.isInteger(m.workers) && m.workers >= 1 && m.workers <= 64)
  )
    throw new Error(`workers must be 1..64 or auto: ${m.workers}`);
  if (m.https !== undefined) {
    const { port, certificate, key, fingerprint, leaves } = m.https;
    if (!isPort(port)) throw new Error(`https.port must be 1..65535: ${port}`);
    if (port === m.httpPort || port === m.controlPort)
      throw new Error(`https.port must differ from httpPort and controlPort: ${port}`);
    for (const [name, path] of [
      ['certificate', certificate],
      ['key', key],
    ] as const)
      if (!isPlainPath(path)) throw new Error(`https.${name} must be a plain absolute path: ${JSON.stringify(path)}`);
    if (fingerprint !== undefined && !/^[0-9A-F:]{1,200}$/.test(fingerprint))
      throw new Error(`https.fingerprint must be colon hex: ${JSON.stringify(fingerprint)}`);
    if (leaves !== undefined && !/^[0-9A-F:]{1,200}$/.test(leaves))
      throw new Error(`https.leaves must be colon hex: ${JSON.stringify(leaves)}`);
  }
  if (
    m.certDictMb !== undefined &&
    !(Number.isInteger(m.certDictMb) && m.certDictMb >= 1 && m.certDictMb <= CERT_DICT_MB_LIMIT)
  )
    throw new Error(`certDictMb must be 1..${CERT_DICT_MB_LIMIT}: ${m.certDictMb}`);
  if (
    m.metricsDictMb !== undefined &&
    !(Number.isInteger(m.metricsDictMb) && m.metricsDictMb >= 1 && m.metricsDictMb <= METRICS_DICT_MB_LIMIT)
  )
    throw new Error(`metricsDictMb must be 1..${METRICS_DICT_MB_LIMIT}: ${m.metricsDictMb}`);
  if (Buffer.byteLength(wakeSocketPath(m.dir)) > MAX_SOCKET_PATH)
    throw new Error(`dir is too long for a unix socket in it (${MAX_SOCKET_PATH} bytes): ${JSON.stringify(m.dir)}`);
  const { timeoutS, maxHeld } = wakeOf(m);
  const t = WAKE_TIMEOUT_RANGE_S;
  if (!(Number.isFinite(timeoutS) && timeoutS >= t.min && timeoutS <= t.max))
    throw new Error(`wake.timeoutS must be ${t.min}..${t.max}: ${timeoutS}`);
  if (!(Number.isInteger(maxHeld) && maxHeld >= 1 && maxHeld <= WAKE_MAX_HELD_LIMIT))
    throw new Error(`wake.maxHeld must be 1..${WAKE_MAX_HELD_LIMIT}: ${maxHeld}`);
}

export function wakeOf(m: NginxModel): WakeSettings {
  return m.wake ?? { timeoutS: DEFAULT_WAKE_TIMEOUT_S, maxHeld: DEFAULT_WAKE_MAX_HELD };
}
