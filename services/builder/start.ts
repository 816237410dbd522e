import { sharedDocker } from '../core/dockerclient.js';
import type { Running, ServiceContext } from '../core/service.js';
import { loadConfig } from './config.js';
import { startBuilder } from './service.js';
import { ServiceMetrics } from '../core/metrics.js';

// The builder's composition root, in its own process (main.ts) or the
// platform's (services/platform): config, logger, Docker; the controller
// client is made from the config inside startBuilder. Its stop waits for
// pushes in progress.

export async function start(ctx: ServiceContext): Promise<Running> {
  const config = loadConfig(ctx.env);
  const logger = ctx.logger(config.logLevel);
  const metrics = new ServiceMetrics('builder');
  await metrics.serve(config.metrics, logger.child({ module: 'metrics' }));
  const builder = await startBuilder(config, { logger, docker: sharedDocker(ctx, config.dockerSocket), metrics });
  return {
    log: logger,
    stop: async () => {
      await builder.close();
      await metrics.close();
    },
  };
}
