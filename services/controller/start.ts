import { once } from 'node:events';
import { join } from 'node:path';
import type { Running, ServiceContext } from '../core/service.js';
import { Store } from '../core/store.js';
import { createApp } from './app.js';
import { AcmeWorker } from './certs/auto.js';
import { loadConfig } from './config.js';
import { LogService } from './logs/service.js';
import { MetricsStore } from './metrics/store.js';
import { ServiceMetrics } from '../core/metrics.js';
import { PeerRegistry } from './peers/registry.js';

// The controller's composition root, in its own process (main.ts) or the
// platform's (services/platform): config from the environment, the logger,
// the etcd store, the express app; listening until stopped.

export async function start(ctx: ServiceContext): Promise<Running> {
  const config = loadConfig(ctx.env);
  const logger = ctx.logger(config.logLevel);
  const store = Store.shared(ctx, config.etcdEndpoints, config.etcdPrefix);
  const metrics = new ServiceMetrics('controller');
  await metrics.serve(config.metrics, logger.child({ module: 'metrics' }));
  const logs = new LogService(config.logs, logger.child({ module: 'logs' }), metrics);
  await logs.start(store);
  const series = new MetricsStore(join(config.metricsStoreDir, 'series.json'), logger.child({ module: 'metrics' }));
  await series.start();
  // its peers (peers/registry.ts): registered once listening, so they reach it when they see it
  const peers = new PeerRegistry({
    store,
    id: config.controllerId,
    url: config.peerUrl,
    log: logger.child({ module: 'peers' }),
  });
  const server = createApp({ store, logger, config, logs, metrics, series, peers }).listen(
    config.apiPort,
    config.apiHost,
  );
  await once(server, 'listening');
  await peers.start();
  logger.info(
    { host: config.apiHost, port: config.apiPort, etcdPrefix: config.etcdPrefix, id: config.controllerId },
    'controller listening',
  );
  const acme = config.acme && new AcmeWorker(store, config.acme, logger.child({ module: 'acme' }));
  acme?.start();
  return {
    log: logger,
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Requests still open after 5 s (e.g. a stuck client) do not hold the exit.
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
      await acme?.stop();
      await peers.stop();
      await logs.stop();
      await series.stop();
      await metrics.close();
    },
  };
}
