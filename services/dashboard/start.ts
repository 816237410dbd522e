import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { ServiceMetrics } from '../core/metrics.js';
import type { Running, ServiceContext } from '../core/service.js';
import { loadConfig } from './config.js';
import { fetchLoginApi } from './login.js';
import { DashboardMetrics } from './metrics.js';
import { ApiProxy } from './proxy.js';
import { createDashboard } from './server.js';

// The dashboard's composition root, in its own process (main.ts) or the
// platform's (services/platform): config, logger, metrics, the API client
// and proxy, the HTTP server. It holds no state of its own (no etcd): a
// session lives in its cookie, so any dashboard process answers any browser
// that the same key is shared with.

export async function start(ctx: ServiceContext): Promise<Running> {
  const config = loadConfig(ctx.env);
  const log = ctx.logger(config.logLevel);
  const registry = new ServiceMetrics('dashboard');
  await registry.serve(config.metrics, log.child({ module: 'metrics' }));
  const metrics = new DashboardMetrics(registry, () => proxy.inFlight);
  const proxy = new ApiProxy({
    apiUrl: config.apiUrl,
    log: log.child({ module: 'proxy' }),
    onAnswer: (status) => status === 'failed' && metrics.apiFailed(),
  });
  const app = createDashboard({
    assetsDir: config.assetsDir,
    sessionKey: config.sessionKey,
    loginApi: fetchLoginApi(config.apiUrl),
    proxy,
    log,
    metrics,
  });
  const server = app.listen(config.port, config.listenHost);
  await Promise.race([once(server, 'listening'), once(server, 'error').then(([err]) => Promise.reject(err))]);
  server.on('error', (err) => log.error({ err }, 'dashboard listener failed'));
  const { port } = server.address() as AddressInfo;
  log.info(
    { url: `http://${config.listenHost}:${port}/`, api: config.apiUrl, assets: config.assetsDir },
    'dashboard started',
  );
  return {
    log,
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // log streams never end on their own: they are cut, and idle kept-alive sockets closed
      proxy.close();
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), 2000);
      await closed;
      clearTimeout(timer);
      await registry.close();
    },
  };
}
