import type { Running, ServiceContext } from '../core/service.js';
import { Store } from '../core/store.js';
import { loadConfig } from './config.js';
import { startScheduler } from './scheduler.js';
import { ServiceMetrics } from '../core/metrics.js';

// The scheduler's composition root, in its own process (main.ts) or the
// platform's (services/platform): config, logger, etcd; then campaign for
// leadership and plan while leading.

export async function start(ctx: ServiceContext): Promise<Running> {
  const config = loadConfig(ctx.env);
  const log = ctx.logger(config.logLevel);
  const store = Store.shared(ctx, config.etcdEndpoints, config.etcdPrefix);
  const metrics = new ServiceMetrics('scheduler');
  await metrics.serve(config.metrics, log.child({ module: 'metrics' }));
  const scheduler = startScheduler({ store, log, config, metrics });
  log.info({ candidate: config.name, prefix: config.etcdPrefix }, 'scheduler started');
  return {
    log,
    stop: async () => {
      await scheduler.stop();
      await metrics.close();
    },
  };
}
