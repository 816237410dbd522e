import express, { type Express } from 'express';
import type { Logger } from '../core/logger.js';
import type { ServiceMetrics } from '../core/metrics.js';
import type { Store } from '../core/store.js';
import type { ControllerConfig } from './config.js';
import type { Deps } from './deps.js';
import { errorHandler, notFoundRoute, requestLogger } from './http.js';
import { Repo } from './repo.js';
import { internalRoutes, userRoutes } from './routes.js';
import { logEarlyRoutes } from './logs/routes.js';
import { LogService } from './logs/service.js';
import { Rendezvous, withRendezvous } from './runs/rendezvous.js';
import { AccessGuard } from './access/guard.js';
import { MetricsStore } from './metrics/store.js';
import { ControllerMetrics } from './metrics/counters.js';
import { LoginLimiter } from './users/ratelimit.js';
import type { PeerRegistry } from './peers/registry.js';
import { Replicator } from './peers/replicate.js';

// The controller's express app, built from its clients; start.ts listens,
// tests run it in-process.

export interface AppOptions {
  store: Store;
  logger: Logger;
  /** The app log pipeline (start.ts builds and starts one); absent: one in memory only, with config.logs's limits. */
  logs?: LogService;
  /** The apps' metrics (start.ts: kept in a file); absent: in memory only. */
  series?: MetricsStore;
  /** The controller's registry: requests and releases are counted there (metrics.ts). */
  metrics?: ServiceMetrics;
  /**
   * The other controllers (peers/registry.ts, started by the caller): logs and metrics are copied to them and
   * `paas run` sides relayed; absent: this controller works alone.
   */
  peers?: PeerRegistry;
  config: Pick<
    ControllerConfig,
    | 'internalToken'
    | 'domain'
    | 'httpPort'
    | 'httpsPort'
    | 'sshHost'
    | 'sshPort'
    | 'bodyLimitBytes'
    | 'keepReleaseImages'
    | 'stateDir'
    | 'engineDir'
    | 'acme'
    | 'logs'
  >;
}

export function createApp({ store, logger, config, logs, metrics, series, peers }: AppOptions): Express {
  const { dir: _onDisk, ...inMemory } = config.logs;
  const logService = logs ?? new LogService(inMemory, logger);
  logService.sessions.useSecret(config.internalToken); // any controller opens a session another made
  const replicator =
    peers &&
    new Replicator({
      registry: peers,
      internalToken: config.internalToken,
      log: logger.child({ module: 'peers' }),
      lost: (n) => logService.counts?.dropped('peer_overflow', n),
    });
  if (peers && replicator) logService.joinPeers(peers, replicator);
  const repo = new Repo(store);
  const access = new AccessGuard({ store, repo, logger });
  const counted = metrics && new ControllerMetrics(metrics);
  const deps: Deps = {
    store,
    repo,
    logger,
    urls: {
      domain: config.domain,
      httpPort: config.httpPort,
      httpsPort: config.httpsPort,
      sshHost: config.sshHost,
      sshPort: config.sshPort,
    },
    keepReleaseImages: config.keepReleaseImages,
    dirs: { state: config.stateDir, engine: config.engineDir },
    logs: logService,
    ...(peers && replicator && { peers: { registry: peers, replicator } }),
    series: series ?? new MetricsStore(),
    access,
    logins: new LoginLimiter(),
    ...(config.acme && { acme: config.acme }),
    ...(counted && { metrics: counted }),
  };
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  if (counted) app.use(counted.middleware());
  app.use(requestLogger(logger));
  app.use(logEarlyRoutes(deps, config.internalToken)); // before the JSON parser and user auth: bigger ingest bodies, session URLs
  app.use(express.json({ limit: config.bodyLimitBytes }));
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  app.use('/internal', internalRoutes(deps, config.internalToken), notFoundRoute);
  app.use(userRoutes(deps));
  app.use(notFoundRoute);
  app.use(errorHandler());
  // `paas run`'s websockets (runs/rendezvous.ts), on the server app.listen makes
  return withRendezvous(
    app,
    new Rendezvous({
      store,
      internalToken: config.internalToken,
      log: logger.child({ module: 'rendezvous' }),
      access,
      ...(peers && { peers }),
    }),
  );
}
