// Small readers used by each service's loadConfig(env). A service's
// loadConfig is the only place that reads the environment.

export type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function str(env: Env, name: string, fallback?: string): string {
  const v = env[name];
  if (v !== undefined && v !== '') return v;
  if (fallback !== undefined) return fallback;
  throw new ConfigError(`${name} must be set`);
}

export function int(env: Env, name: string, fallback?: number): number {
  const v = env[name];
  if (v === undefined || v === '') {
    if (fallback !== undefined) return fallback;
    throw new ConfigError(`${name} must be set`);
  }
  const n = Number(v);
  if (!Number.isInteger(n)) throw new ConfigError(`${name} must be an integer, got ${JSON.stringify(v)}`);
  return n;
}

/** `true` or `false` (the fallback when unset); anything else is refused. */
export function bool(env: Env, name: string, fallback: boolean): boolean {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  if (v === 'true' || v === 'false') return v === 'true';
  throw new ConfigError(`${name} must be true or false, got ${JSON.stringify(v)}`);
}

export function list(env: Env, name: string, fallback: string[] = []): string[] {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  return v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** "pool=shared,ssd=true" -> { pool: 'shared', ssd: 'true' } */
export function tags(env: Env, name: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list(env, name)) {
    const i = item.indexOf('=');
    if (i <= 0) throw new ConfigError(`${name}: tag ${JSON.stringify(item)} is not key=value`);
    out[item.slice(0, i)] = item.slice(i + 1);
  }
  return out;
}

/** Settings every service shares. */
export interface CommonConfig {
  etcdEndpoints: string[];
  etcdPrefix: string;
  cluster: string;
  stateDir: string;
  logLevel: string;
}

export function commonConfig(env: Env): CommonConfig {
  const cluster = str(env, 'PAAS_CLUSTER', 'paas');
  if (!/^[a-z][a-z0-9-]{0,20}$/.test(cluster)) throw new ConfigError(`PAAS_CLUSTER must match ^[a-z][a-z0-9-]{0,20}$`);
  return {
    etcdEndpoints: list(env, 'PAAS_ETCD_ENDPOINTS', ['http://127.0.0.1:2379']),
    etcdPrefix: str(env, 'PAAS_ETCD_PREFIX', '/paas'),
    cluster,
    stateDir: str(env, 'PAAS_STATE_DIR', '/var/lib/paas'),
    logLevel: str(env, 'PAAS_LOG_LEVEL', 'info'),
  };
}

/** Seconds as an operator writes them: `30`, `2.5` or `30s`, within `range`; a ConfigError naming the setting else. */
export function seconds(env: Env, name: string, fallback: number, range: { min: number; max: number }): number {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  const m = /^\s*(\d{1,6}(?:\.\d{1,3})?)\s*s?\s*$/.exec(v);
  const n = m ? Number(m[1]) : NaN;
  if (!(n >= range.min && n <= range.max))
    throw new ConfigError(
      `${name} must be a number of seconds from ${range.min} to ${range.max}, got ${JSON.stringify(v)}`,
    );
  return n;
}

/** The router's HTTPS port unless told (PAAS_HTTPS_PORT). */
export const DEFAULT_HTTPS_PORT = 443;

/** PAAS_HTTPS_PORT (router, agent): a port, or undefined for `0` / `off` (HTTP only). */
export function httpsPortSetting(env: Env): number | undefined {
  const v = env.PAAS_HTTPS_PORT?.trim().toLowerCase();
  if (v === '0' || v === 'off') return undefined;
  if (v === undefined || v === '') return DEFAULT_HTTPS_PORT;
  const n = /^\d+$/.test(v) ? Number(v) : NaN;
  if (!(n >= 1 && n <= 65535))
    throw new ConfigError(
      `PAAS_HTTPS_PORT must be a port (1..65535), 0 or off, got ${JSON.stringify(env.PAAS_HTTPS_PORT)}`,
    );
  return n;
}
