import type { Logger } from '../core/logger.js';
import type { AccessGuard } from './access/guard.js';
import type { Store } from '../core/store.js';
import type { LogService } from './logs/service.js';
import type { UrlSettings } from './apps/apps.js';
import type { Repo } from './repo.js';
import type { PeerRegistry } from './peers/registry.js';
import type { Replicator } from './peers/replicate.js';
import type { LoginLimiter } from './users/ratelimit.js';
import type { AcmeSettings } from './config.js';
import type { MetricsStore } from './metrics/store.js';
import type { ControllerMetrics } from './metrics/counters.js';

/** What the domain functions of the controller work with; built once in createApp. */
export interface Deps {
  store: Store;
  repo: Repo;
  urls: UrlSettings;
  logger: Logger;
  /** How many distinct release images the builder keeps per app (core/images.ts). */
  keepReleaseImages: number;
  /** App logs (logs/): the store, log sessions, drains. */
  logs: LogService;
  /** The state directory and the Docker engine's supervision dir, read by GET /status (status/status.ts). */
  dirs: { state: string; engine: string };
  /** Ends log streams and `paas run` attachments of users who lost access (access/guard.ts). */
  access: AccessGuard;
  /** The apps' metrics over 7 days (metrics/store.ts). */
  series: MetricsStore;
  /** Automatic certificates: absent when no ACME server is set (PAAS_ACME_DIRECTORY_URL). */
  acme?: AcmeSettings;
  /** Failed password checks, per email and remote address (users/ratelimit.ts), in memory. */
  logins: LoginLimiter;
  /** The other controllers (peers/): absent when this one works alone. */
  peers?: { registry: PeerRegistry; replicator: Replicator };
  /** Where requests and releases are counted (metrics.ts); absent: not counted. */
  metrics?: ControllerMetrics;
}
