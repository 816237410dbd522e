import { apiUrlSetting } from '../core/apiurls.js';
import { availableParallelism, hostname } from 'node:os';
import { resolve } from 'node:path';
import {
  commonConfig,
  ConfigError,
  DEFAULT_HTTPS_PORT,
  httpsPortSetting,
  int,
  str,
  type CommonConfig,
  type Env,
} from '../core/config.js';
import { wakeTimeoutSetting } from '../core/dynopolicy.js';
import { DEFAULT_WAKE_MAX_HELD, DEFAULT_WAKE_TIMEOUT_S, WAKE_MAX_HELD_LIMIT } from './luahold.js';
import {
  CERT_DICT_MB_LIMIT,
  DEFAULT_CERT_DICT_MB,
  isPlainPath,
  listenAddress,
  MAX_SOCKET_PATH,
  wakeSocketPath,
} from './render.js';
import { isDomain } from './sites.js';
import { DEFAULT_METRICS_DICT_MB, METRICS_DICT_MB_LIMIT } from './luametrics.js';
import { metricsListen, type MetricsListen } from '../core/metrics.js';
import { dashboardUpstreamSetting } from './platformsites.js';
import { sshProxySetting, type SshProxy } from './stream.js';

// The router's settings, read from the environment once and frozen; the
// defaults live here only.

/** The distribution's snippets that load ndk + lua. */
export const DEFAULT_MODULES_INCLUDE = '/etc/nginx/modules-enabled/*.conf';
/** The largest request body nginx accepts unless told, in MiB. */
export const DEFAULT_MAX_BODY_MB = 100;
/** How long nginx holds a request for a sleeping app, at most (PAAS_ROUTER_WAKE_TIMEOUT, seconds). */
export { DEFAULT_WAKE_TIMEOUT_S, DEFAULT_WAKE_MAX_HELD };
/** How often the router reads nginx's activity and writes what is due (PAAS_ROUTER_ACTIVITY_MS). */
export const DEFAULT_ACTIVITY_MS = 5000;
/** nginx's HTTPS port unless told (PAAS_HTTPS_PORT; `0` or `off`: HTTP only). */
export { DEFAULT_HTTPS_PORT };
/** The fallback certificate and key, under $PAAS_STATE_DIR, unless told (PAAS_ROUTER_DEFAULT_CERT, _KEY). */
export const DEFAULT_CERT_FILE = 'tls/default.crt';
export const DEFAULT_KEY_FILE = 'tls/default.key';
/** The platform CA (scripts/lib/tls.sh), under $PAAS_STATE_DIR, unless told (PAAS_ROUTER_CA_CERT, _KEY). */
export const DEFAULT_CA_CERT_FILE = 'tls/ca.crt';
export const DEFAULT_CA_KEY_FILE = 'tls/ca.key';
export { DEFAULT_CERT_DICT_MB };
/** The request metrics' shared dict unless told (PAAS_ROUTER_METRICS_DICT_MB). */
export { DEFAULT_METRICS_DICT_MB };

export interface RouterConfig extends CommonConfig {
  /** Where GET /metrics is served (core/metrics.ts: PAAS_METRICS_LISTEN, PAAS_ROUTER_METRICS_PORT; 0: none). */
  metrics: MetricsListen | undefined;
  /** The dashboard's host:port, served at dashboard.<domain> (platformsites.ts: PAAS_ROUTER_DASHBOARD_UPSTREAM); off: none. */
  dashboardUpstream: string | undefined;
  /**
   * nginx counts each app's requests for GET /metrics (metrics.ts; PAAS_ROUTER_REQUEST_METRICS, `on` or `off`: on),
   * so their cost can be measured against none.
   */
  requestMetrics: boolean;
  /** The request metrics' shared dict, MiB (PAAS_ROUTER_METRICS_DICT_MB, 64: 500,000 counters, 10,000 busy apps). */
  metricsDictMb: number;
  /** Public port nginx listens on. */
  httpPort: number;
  /** Address nginx listens on for apps: all addresses by default (the router is the public entry). */
  httpListen: string;
  /**
   * nginx's HTTPS port, beside HTTP on the same address (PAAS_HTTPS_PORT, 443); undefined when `0` or `off`. Served
   * only while the fallback certificate and key can be read (the router says once why not).
   */
  httpsPort: number | undefined;
  /**
   * The fallback certificate (PEM, leaf then chain) and its unencrypted key (PAAS_ROUTER_DEFAULT_CERT,
   * PAAS_ROUTER_DEFAULT_KEY; $PAAS_STATE_DIR/tls/default.crt and default.key): served for a name with no certificate
   * of its own, and to a client that sends no name.
   */
  defaultCert: string;
  defaultKey: string;
  /**
   * The CA the router issues each app's own `<app>.<domain>` certificate from (leaves.ts; PAAS_ROUTER_CA_CERT,
   * PAAS_ROUTER_CA_KEY): by default the platform CA, while the fallback is the platform's own (an operator's fallback,
   * a public wildcard say, is served as it is); undefined when `off`, and then a name under the domain gets the
   * fallback.
   */
  ca: { certificate: string; key: string } | undefined;
  /** The shared dict of the apps' certificates, MiB (PAAS_ROUTER_CERT_DICT_MB, 64: about 10,000 certificates). */
  certDictMb: number;
  /** nginx's local-only control endpoint (127.0.0.1). */
  controlPort: number;
  domain: string;
  nginxBin: string;
  /** $PAAS_STATE_DIR/nginx (PAAS_ROUTER_NGINX_DIR): nginx.conf, nginx.pid, logs/, tmp/. */
  nginxDir: string;
  /** The git remote's TCP proxy to the builders (stream.ts: PAAS_ROUTER_SSH_UPSTREAMS ...); undefined: none. */
  sshProxy: SshProxy | undefined;
  /** The distribution's snippets that load ndk + lua. */
  nginxModulesInclude: string;
  /** How often the router checks that nginx still runs (and restarts it). */
  resyncMs: number;
  /**
   * How often the router looks whether nginx's master still runs (PAAS_ROUTER_NGINX_CHECK_MS, 500): a dead one is
   * started again at once.
   */
  nginxCheckMs: number;
  /** The largest request body nginx accepts, in MiB (413 above). */
  maxBodyMb: number;
  /** Seconds nginx holds a request for a sleeping or waking app before a 503 "Application is starting". */
  wakeTimeoutS: number;
  /** Requests nginx holds at once; past it, that 503 at once. */
  wakeMaxHeld: number;
  /** The unix socket (under nginxDir) where nginx's Lua asks for wakes. */
  wakeSocket: string;
  /** How often nginx's activity is read (and ActivityRecords written when due). */
  activityMs: number;
  /**
   * nginx's worker processes (PAAS_NGINX_WORKERS): 2 by default (1 on a machine of one CPU), about 10 MiB each, so the
   * platform's memory does not grow with the machine's CPUs; `auto`: one per CPU.
   */
  nginxWorkers: number | 'auto';
  /**
   * The host it runs on, named as its agent names it (PAAS_HOST_ID, the machine's host name by default): containers
   * there are reached at their bridge addresses.
   */
  hostId: string;
  /**
   * Where router lines go (POST /internal/logs): PAAS_API_URL and PAAS_INTERNAL_TOKEN; no token, no router lines in
   * `paas logs`.
   */
  apiUrl: string;
  internalToken?: string;
}

function port(env: Env, name: string, fallback: number): number {
  const n = int(env, name, fallback);
  if (n < 1 || n > 65535) throw new ConfigError(`${name} must be 1..65535, got ${n}`);
  return n;
}

function intIn(env: Env, name: string, fallback: number, min: number, max: number): number {
  const n = int(env, name, fallback);
  if (n < min || n > max) throw new ConfigError(`${name} must be ${min}..${max}, got ${n}`);
  return n;
}

/** An absolute path nginx's config can name as it is (render.ts isPlainPath). */
function filePath(env: Env, name: string, fallback: string): string {
  const p = str(env, name, fallback);
  if (!isPlainPath(p))
    throw new ConfigError(
      `${name} must be an absolute path of letters, digits and ._/+@- (no spaces, quotes, ..): ${JSON.stringify(p)}`,
    );
  return p;
}

/** PAAS_ROUTER_CA_CERT and _KEY (RouterConfig.ca). */
function caSetting(env: Env, stateDir: string, defaultCert: string): RouterConfig['ca'] {
  const platformFallback = defaultCert === resolve(stateDir, DEFAULT_CERT_FILE);
  const given = env.PAAS_ROUTER_CA_CERT;
  if (given === 'off' || (given === undefined && !platformFallback)) return undefined;
  return {
    certificate: filePath(env, 'PAAS_ROUTER_CA_CERT', resolve(stateDir, DEFAULT_CA_CERT_FILE)),
    key: filePath(env, 'PAAS_ROUTER_CA_KEY', resolve(stateDir, DEFAULT_CA_KEY_FILE)),
  };
}

/** PAAS_ROUTER_REQUEST_METRICS: on (the default) or off; true and false too. */
function onOff(env: Env, name: string, fallback: boolean): boolean {
  const v = (env[name] ?? '').toLowerCase();
  if (v === '') return fallback;
  if (v === 'on' || v === 'true') return true;
  if (v === 'off' || v === 'false') return false;
  throw new ConfigError(`${name} must be on or off, got ${JSON.stringify(env[name])}`);
}

export function loadConfig(env: Env): Readonly<RouterConfig> {
  const common = commonConfig(env);
  const domain = str(env, 'PAAS_DOMAIN', 'localhost').toLowerCase();
  if (!isDomain(domain)) throw new ConfigError(`PAAS_DOMAIN must be a host name, got ${JSON.stringify(domain)}`);
  const httpListen = str(env, 'PAAS_HTTP_LISTEN', '0.0.0.0');
  try {
    listenAddress(httpListen);
  } catch (err) {
    throw new ConfigError(`PAAS_HTTP_LISTEN: ${(err as Error).message}`);
  }
  const httpPort = port(env, 'PAAS_HTTP_PORT', 80);
  const controlPort = port(env, 'PAAS_ROUTER_CONTROL_PORT', 8701);
  if (controlPort === httpPort) throw new ConfigError('PAAS_ROUTER_CONTROL_PORT must differ from PAAS_HTTP_PORT');
  const httpsPort = httpsPortSetting(env);
  if (httpsPort !== undefined && (httpsPort === httpPort || httpsPort === controlPort))
    throw new ConfigError('PAAS_HTTPS_PORT must differ from PAAS_HTTP_PORT and PAAS_ROUTER_CONTROL_PORT (or be off)');
  const defaultCert = filePath(env, 'PAAS_ROUTER_DEFAULT_CERT', resolve(common.stateDir, DEFAULT_CERT_FILE));
  const defaultKey = filePath(env, 'PAAS_ROUTER_DEFAULT_KEY', resolve(common.stateDir, DEFAULT_KEY_FILE));
  const ca = caSetting(env, common.stateDir, defaultCert);
  const maxBodyMb = int(env, 'PAAS_ROUTER_MAX_BODY_MB', DEFAULT_MAX_BODY_MB);
  if (maxBodyMb < 1 || maxBodyMb > 102_400)
    throw new ConfigError(`PAAS_ROUTER_MAX_BODY_MB must be 1..102400, got ${maxBodyMb}`);
  // A second router on the machine (HA: scripts/lib/ha.sh) has an nginx of its own: PAAS_ROUTER_NGINX_DIR.
  const nginxDir = resolve(str(env, 'PAAS_ROUTER_NGINX_DIR', resolve(common.stateDir, 'nginx')));
  const wakeSocket = wakeSocketPath(nginxDir);
  if (Buffer.byteLength(wakeSocket) > MAX_SOCKET_PATH)
    throw new ConfigError(
      `PAAS_STATE_DIR is too long for the wake socket ${wakeSocket} (${MAX_SOCKET_PATH} bytes at most)`,
    );
  const workers = str(env, 'PAAS_NGINX_WORKERS', String(Math.min(2, availableParallelism())));
  const nginxWorkers = workers === 'auto' ? 'auto' : Number(workers);
  if (nginxWorkers !== 'auto' && !(Number.isInteger(nginxWorkers) && nginxWorkers >= 1 && nginxWorkers <= 64))
    throw new ConfigError(`PAAS_NGINX_WORKERS must be 1..64 or auto, got ${JSON.stringify(workers)}`);
  return Object.freeze({
    ...common,
    metrics: metricsListen(env, 'router'),
    dashboardUpstream: dashboardUpstreamSetting(env),
    requestMetrics: onOff(env, 'PAAS_ROUTER_REQUEST_METRICS', true),
    metricsDictMb: intIn(env, 'PAAS_ROUTER_METRICS_DICT_MB', DEFAULT_METRICS_DICT_MB, 1, METRICS_DICT_MB_LIMIT),
    httpPort,
    httpListen,
    httpsPort,
    defaultCert,
    defaultKey,
    ca,
    certDictMb: intIn(env, 'PAAS_ROUTER_CERT_DICT_MB', DEFAULT_CERT_DICT_MB, 1, CERT_DICT_MB_LIMIT),
    controlPort,
    domain,
    nginxBin: str(env, 'PAAS_NGINX_BIN', 'nginx'),
    nginxDir,
    sshProxy: sshProxySetting(env),
    nginxModulesInclude: str(env, 'PAAS_NGINX_MODULES_INCLUDE', DEFAULT_MODULES_INCLUDE),
    resyncMs: int(env, 'PAAS_ROUTER_RESYNC_MS', 10_000),
    nginxCheckMs: int(env, 'PAAS_ROUTER_NGINX_CHECK_MS', 500),
    maxBodyMb,
    wakeTimeoutS: wakeTimeoutSetting(env),
    wakeMaxHeld: intIn(env, 'PAAS_ROUTER_WAKE_MAX_HELD', DEFAULT_WAKE_MAX_HELD, 1, WAKE_MAX_HELD_LIMIT),
    wakeSocket,
    activityMs: intIn(env, 'PAAS_ROUTER_ACTIVITY_MS', DEFAULT_ACTIVITY_MS, 100, 10_000),
    nginxWorkers,
    hostId: str(env, 'PAAS_HOST_ID', hostname()),
    apiUrl: apiUrlSetting(env),
    ...(env.PAAS_INTERNAL_TOKEN && { internalToken: env.PAAS_INTERNAL_TOKEN }),
  });
}
