import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { ConfigError, commonConfig, httpsPortSetting, int, str, type CommonConfig, type Env } from '../core/config.js';
import { DEFAULT_KEEP_RELEASE_IMAGES } from '../core/images.js';
import { logsConfig, type LogsConfig } from './logs/config.js';
import { metricsListen, type MetricsListen } from '../core/metrics.js';

// The controller's settings. loadConfig is the only reader of the environment.

export interface ControllerConfig extends CommonConfig {
  /** Where GET /metrics is served (core/metrics.ts: PAAS_METRICS_LISTEN, PAAS_CONTROLLER_METRICS_PORT; 0: none). */
  metrics: MetricsListen | undefined;
  apiHost: string;
  apiPort: number;
  /** Bearer token the builder and scheduler use on /internal/*. */
  internalToken: string;
  /** Apps answer at http://<app>.<domain>[:httpPort]/. */
  domain: string;
  httpPort: number;
  /** And at https://<app>.<domain>[:httpsPort]/ (PAAS_HTTPS_PORT, 443); undefined: `0` or `off`, no HTTPS. */
  httpsPort: number | undefined;
  /** Where users push: ssh://git@<sshHost>:<sshPort>/<app>.git */
  sshHost: string;
  sshPort: number;
  /** Largest JSON body accepted, in bytes. */
  bodyLimitBytes: number;
  /** The builder keeps the images of this many newest distinct release images; older ones cannot be rolled back to. */
  keepReleaseImages: number;
  /** Where scripts/up supervises the Docker engine when it started it (PAAS_ENGINE_DIR; GET /status). */
  engineDir: string;
  /** App logs: store, limits, drain CAs (logs/config.ts). */
  logs: LogsConfig;
  /**
   * PAAS_METRICS_STORE_DIR ($PAAS_STATE_DIR/metrics): where the apps' 7-day series are saved (series.json); each
   * controller on a machine its own.
   */
  metricsStoreDir: string;
  /** Automatic certificates (certs/auto.ts); absent: no ACME server is set (PAAS_ACME_DIRECTORY_URL). */
  acme?: AcmeSettings;
  /** Where the other controllers reach this one (PAAS_CONTROLLER_PEER_URL, http://127.0.0.1:$PAAS_API_PORT): peers/. */
  peerUrl: string;
  /** This controller among its peers (PAAS_CONTROLLER_ID, <hostname>:<PAAS_API_PORT>). */
  controllerId: string;
}

export interface AcmeSettings {
  /** The ACME server's directory URL (PAAS_ACME_DIRECTORY_URL). */
  directoryUrl: string;
  /** PEM of CAs trusted for the ACME server's HTTPS beside the system's (PAAS_ACME_CA_FILE's contents). */
  extraCa?: string;
  /** The account's contact (PAAS_ACME_EMAIL). */
  email?: string;
  /** How often the controller looks for orders due (PAAS_ACME_CHECK_MS, 10 s). */
  checkMs: number;
  /** How long after a failed order it tries again (PAAS_ACME_RETRY_MS, 5 min). */
  retryMs: number;
  /**
   * A router's HTTP address the controller asks for each challenge before the ACME server is told to validate it
   * (PAAS_ACME_SELF_CHECK_URL: http://127.0.0.1:<PAAS_HTTP_PORT>; `off`: none): certs/selfcheck.ts.
   */
  selfCheckUrl?: string;
}

function port(env: Env, name: string, fallback: number): number {
  const p = int(env, name, fallback);
  if (p < 0 || p > 65535) throw new ConfigError(`${name} must be a port number (0-65535), got ${p}`);
  return p;
}

export function loadConfig(env: Env): Readonly<ControllerConfig> {
  const acme = acmeSettings(env);
  const internalToken = str(env, 'PAAS_INTERNAL_TOKEN');
  if (internalToken.length < 16) throw new ConfigError('PAAS_INTERNAL_TOKEN must be at least 16 characters');
  const common = commonConfig(env);
  const apiPort = port(env, 'PAAS_API_PORT', 8700);
  const peerUrl = str(env, 'PAAS_CONTROLLER_PEER_URL', `http://127.0.0.1:${apiPort}`).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/?#]+$/.test(peerUrl))
    throw new ConfigError(`PAAS_CONTROLLER_PEER_URL must be http(s)://host[:port], got ${JSON.stringify(peerUrl)}`);
  const controllerId = str(env, 'PAAS_CONTROLLER_ID', `${hostname()}:${apiPort}`);
  if (!/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/.test(controllerId))
    throw new ConfigError(`PAAS_CONTROLLER_ID must match [A-Za-z0-9][A-Za-z0-9._:-]{0,127}`);
  return Object.freeze({
    ...common,
    metrics: metricsListen(env, 'controller'),
    logs: logsConfig(env, common.stateDir),
    metricsStoreDir: str(env, 'PAAS_METRICS_STORE_DIR', join(common.stateDir, 'metrics')),
    apiHost: str(env, 'PAAS_API_HOST', '127.0.0.1'),
    apiPort,
    peerUrl,
    controllerId,
    internalToken,
    domain: str(env, 'PAAS_DOMAIN', 'localhost'),
    httpPort: port(env, 'PAAS_HTTP_PORT', 80),
    httpsPort: httpsPortSetting(env),
    sshHost: str(env, 'PAAS_SSH_HOST', '127.0.0.1'),
    sshPort: port(env, 'PAAS_SSH_PORT', 2222),
    bodyLimitBytes: 100 * 1024,
    engineDir: str(env, 'PAAS_ENGINE_DIR', '/var/lib/paas-engine'),
    keepReleaseImages: int(env, 'PAAS_KEEP_RELEASE_IMAGES', DEFAULT_KEEP_RELEASE_IMAGES),
    ...(acme && { acme }),
  });
}

/** The ACME settings, when PAAS_ACME_DIRECTORY_URL is set. */
function acmeSettings(env: Env): AcmeSettings | undefined {
  const directoryUrl = str(env, 'PAAS_ACME_DIRECTORY_URL', '');
  if (directoryUrl === '') return undefined;
  let url: URL;
  try {
    url = new URL(directoryUrl);
  } catch {
    throw new ConfigError(`PAAS_ACME_DIRECTORY_URL must be an http(s) URL, got ${JSON.stringify(directoryUrl)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new ConfigError(`PAAS_ACME_DIRECTORY_URL must be an http(s) URL, got ${JSON.stringify(directoryUrl)}`);
  const caFile = str(env, 'PAAS_ACME_CA_FILE', '');
  let extraCa: string | undefined;
  if (caFile !== '') {
    try {
      extraCa = readFileSync(caFile, 'utf8');
    } catch (err) {
      throw new ConfigError(`PAAS_ACME_CA_FILE ${caFile} cannot be read: ${(err as Error).message}`);
    }
  }
  const checkMs = int(env, 'PAAS_ACME_CHECK_MS', 10_000);
  const retryMs = int(env, 'PAAS_ACME_RETRY_MS', 300_000);
  if (checkMs < 100) throw new ConfigError('PAAS_ACME_CHECK_MS must be at least 100');
  if (retryMs < 1000) throw new ConfigError('PAAS_ACME_RETRY_MS must be at least 1000');
  const email = str(env, 'PAAS_ACME_EMAIL', '');
  const selfCheck = str(env, 'PAAS_ACME_SELF_CHECK_URL', `http://127.0.0.1:${port(env, 'PAAS_HTTP_PORT', 80)}`);
  if (selfCheck !== 'off' && !/^http:\/\/[^/?#]+\/?$/.test(selfCheck))
    throw new ConfigError(
      `PAAS_ACME_SELF_CHECK_URL must be http://host[:port] or off, got ${JSON.stringify(selfCheck)}`,
    );
  return {
    directoryUrl,
    checkMs,
    retryMs,
    ...(extraCa && { extraCa }),
    ...(email && { email }),
    ...(selfCheck !== 'off' && { selfCheckUrl: selfCheck }),
  };
}
