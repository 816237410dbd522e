import { createLogger } from '../core/logger.js';
import { Store } from '../core/store.js';
import { loadConfig } from './config.js';
import { startScheduler } from './scheduler.js';

// Composition root of the scheduler: config, logger, etcd; then campaign for
// leadership and plan while leading.

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const log = createLogger('scheduler', config.logLevel);
  const store = Store.connect(config.etcdEndpoints, config.etcdPrefix);
  const scheduler = startScheduler({
    store,
    log,
    name: config.name,
    electionTtlSeconds: config.electionTtlSeconds,
    drainMs: config.drainMs,
    resyncMs: config.resyncMs,
  });
  log.info({ candidate: config.name, prefix: config.etcdPrefix }, 'scheduler started');

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'scheduler stopping');
    scheduler
      .stop()
      .catch((err: unknown) => log.error({ err }, 'stop failed'))
      .finally(() => {
        store.close();
        process.exit(0);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  createLogger('scheduler').fatal({ err }, 'scheduler failed to start');
  process.exit(1);
});
