import { createLogger } from '../core/logger.js';
import { runService } from '../core/service.js';
import { Store } from '../core/store.js';
import { loadConfig } from './config.js';
import { startScheduler } from './scheduler.js';

// Composition root of the scheduler: config, logger, etcd; then campaign for
// leadership and plan while leading.

runService('scheduler', async () => {
  const config = loadConfig(process.env);
  const log = createLogger('scheduler', config.logLevel);
  const store = Store.connect(config.etcdEndpoints, config.etcdPrefix);
  const scheduler = startScheduler({ store, log, config });
  log.info({ candidate: config.name, prefix: config.etcdPrefix }, 'scheduler started');
  return {
    log,
    stop: async () => {
      await scheduler.stop();
      store.close();
    },
  };
});
