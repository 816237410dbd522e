import { once } from 'node:events';
import { createLogger } from '../core/logger.js';
import { Store } from '../core/store.js';
import { createApp } from './app.js';
import { loadConfig } from './config.js';

// Composition root: config from the environment, the logger, the etcd store,
// the express app; then listen until SIGTERM/SIGINT.

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger('controller', config.logLevel);
  const store = Store.connect(config.etcdEndpoints, config.etcdPrefix);
  const server = createApp({ store, logger, config }).listen(config.apiPort, config.apiHost);
  await once(server, 'listening');
  logger.info({ host: config.apiHost, port: config.apiPort, etcdPrefix: config.etcdPrefix }, 'controller listening');

  const stop = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    server.close(() => {
      store.close();
      process.exit(0);
    });
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`controller: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
