import { sharedDocker } from '../core/dockerclient.js';
import type { Running, ServiceContext } from '../core/service.js';
import { loadConfig } from './config.js';
import { startBuilder } from './service.js';
import { ServiceMetrics } from '../core/metrics.js';
import { Store } from '../core/store.js';
import { startImageServer } from './imageserver.js';
import { EtcdAppLocks } from './build/applock.js';

// The builder's composition root, in its own process (main.ts) or the
// platform's (services/platform): config, logger, Docker; the controller
// client is made from the config inside startBuilder; the image server for
// agents of other engines (imageserver.ts). Its stop waits for pushes in progress.

export async function start(ctx: ServiceContext): Promise<Running> {
  const config = loadConfig(ctx.env);
  const logger = ctx.logger(config.logLevel);
  const metrics = new ServiceMetrics('builder');
  await metrics.serve(config.metrics, logger.child({ module: 'metrics' }));
  const docker = sharedDocker(ctx, config.dockerSocket);
  const store = Store.shared(ctx, config.etcdEndpoints, config.etcdPrefix);
  // builds of one app never overlap across builders (HA: several behind the git remote's proxy)
  const locks = new EtcdAppLocks(store, config.builderId, logger.child({ module: 'locks' }));
  const builder = await startBuilder(config, { logger, docker, metrics, locks });
  // its images to agents of other engines (several hosts), registered in etcd
  const images =
    config.images &&
    (await startImageServer({
      docker,
      store,
      log: logger,
      internalToken: config.internalToken,
      listen: config.images,
      ...(config.images.url && { url: config.images.url }),
      metrics,
    }));
  return {
    log: logger,
    stop: async () => {
      await images?.close();
      await builder.close();
      await locks.close();
      await metrics.close();
    },
  };
}
