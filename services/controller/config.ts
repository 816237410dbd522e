import { ConfigError, commonConfig, int, str, type CommonConfig, type Env } from '../core/config.js';
import { DEFAULT_KEEP_RELEASE_IMAGES } from '../core/images.js';
import { logsConfig, type LogsConfig } from './logs/config.js';

// The controller's settings. loadConfig is the only reader of the environment.

export interface ControllerConfig extends CommonConfig {
  apiHost: string;
  apiPort: number;
  /** Bearer token the builder and scheduler use on /internal/*. */
  internalToken: string;
  /** Apps answer at http://<app>.<domain>[:httpPort]/. */
  domain: string;
  httpPort: number;
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
}

function port(env: Env, name: string, fallback: number): number {
  const p = int(env, name, fallback);
  if (p < 0 || p > 65535) throw new ConfigError(`${name} must be a port number (0-65535), got ${p}`);
  return p;
}

export function loadConfig(env: Env): Readonly<ControllerConfig> {
  const internalToken = str(env, 'PAAS_INTERNAL_TOKEN');
  if (internalToken.length < 16) throw new ConfigError('PAAS_INTERNAL_TOKEN must be at least 16 characters');
  const common = commonConfig(env);
  return Object.freeze({
    ...common,
    logs: logsConfig(env, common.stateDir),
    apiHost: str(env, 'PAAS_API_HOST', '127.0.0.1'),
    apiPort: port(env, 'PAAS_API_PORT', 8700),
    internalToken,
    domain: str(env, 'PAAS_DOMAIN', 'localhost'),
    httpPort: port(env, 'PAAS_HTTP_PORT', 80),
    sshHost: str(env, 'PAAS_SSH_HOST', '127.0.0.1'),
    sshPort: port(env, 'PAAS_SSH_PORT', 2222),
    bodyLimitBytes: 100 * 1024,
    engineDir: str(env, 'PAAS_ENGINE_DIR', '/var/lib/paas-engine'),
    keepReleaseImages: int(env, 'PAAS_KEEP_RELEASE_IMAGES', DEFAULT_KEEP_RELEASE_IMAGES),
  });
}
