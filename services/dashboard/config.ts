import { existsSync } from 'node:fs';
import { hkdfSync } from 'node:crypto';
import { isIP } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, int, str, type Env } from '../core/config.js';
import { apiUrlSetting } from '../core/apiurls.js';
import { metricsListen, type MetricsListen } from '../core/metrics.js';

// The dashboard's settings (issue 18): where it listens, the public API it
// is a client of, the UI's built files, and the key its session cookies are
// sealed with. The key is kept, never the secret it comes from.

export interface DashboardConfig {
  logLevel: string;
  /** Where GET /metrics is served (core/metrics.ts: PAAS_METRICS_LISTEN, PAAS_DASHBOARD_METRICS_PORT; 0: none). */
  metrics: MetricsListen | undefined;
  /** PAAS_DASHBOARD_LISTEN (127.0.0.1: the router reaches it there) and PAAS_DASHBOARD_PORT (8702). */
  listenHost: string;
  port: number;
  /** The public API (PAAS_API_URL; by default http://127.0.0.1:$PAAS_API_PORT), no trailing slash. */
  apiUrl: string;
  /** The UI's files (PAAS_DASHBOARD_ASSETS, <repo>/dist/dashboard): index.html and assets/. */
  assetsDir: string;
  /** AES-256 key of the session cookie: HKDF of PAAS_DASHBOARD_SECRET, else of PAAS_INTERNAL_TOKEN. */
  sessionKey: Buffer;
}

export const DEFAULT_DASHBOARD_PORT = 8702;
/** The shortest PAAS_DASHBOARD_SECRET taken. */
export const MIN_SECRET_LENGTH = 32;

const here = dirname(fileURLToPath(import.meta.url));

/** The checkout this file is part of (services/dashboard or dist/services/dashboard): the first folder up with package.json. */
export function findRepoDir(from = here): string {
  let dir = from;
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  return resolve(from, '../..');
}

/** The 32-byte session key from a secret (HKDF-SHA256; the secret's source names the derivation); pure. */
export function sessionKeyOf(secret: string, source: 'secret' | 'internal-token'): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'paas-dashboard', `session cookie v1 (${source})`, 32));
}

export function loadConfig(env: Env): Readonly<DashboardConfig> {
  const port = int(env, 'PAAS_DASHBOARD_PORT', DEFAULT_DASHBOARD_PORT);
  if (port < 0 || port > 65535) throw new ConfigError(`PAAS_DASHBOARD_PORT must be 0..65535, got ${port}`);
  const listenHost = str(env, 'PAAS_DASHBOARD_LISTEN', '127.0.0.1');
  if (isIP(listenHost) === 0)
    throw new ConfigError(`PAAS_DASHBOARD_LISTEN must be an IP address, got ${JSON.stringify(listenHost)}`);
  const apiUrl = apiUrlSetting(env); // one URL or several (core/apiurls.ts)
  const secret = env.PAAS_DASHBOARD_SECRET ?? '';
  const internal = env.PAAS_INTERNAL_TOKEN ?? '';
  if (secret !== '' && secret.length < MIN_SECRET_LENGTH)
    throw new ConfigError(`PAAS_DASHBOARD_SECRET must be at least ${MIN_SECRET_LENGTH} characters`);
  if (secret === '' && internal === '')
    throw new ConfigError('PAAS_DASHBOARD_SECRET or PAAS_INTERNAL_TOKEN must be set (the session key is made from it)');
  const config: DashboardConfig = {
    logLevel: str(env, 'PAAS_LOG_LEVEL', 'info'),
    metrics: metricsListen(env, 'dashboard'),
    listenHost,
    port,
    apiUrl,
    assetsDir: resolve(str(env, 'PAAS_DASHBOARD_ASSETS', join(findRepoDir(), 'dist', 'dashboard'))),
    sessionKey: secret !== '' ? sessionKeyOf(secret, 'secret') : sessionKeyOf(internal, 'internal-token'),
  };
  return Object.freeze(config);
}
