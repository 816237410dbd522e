import Docker from 'dockerode';
import { createLogger } from '../core/logger.js';
import { runService } from '../core/service.js';
import { Store } from '../core/store.js';
import { startAgent } from './agent.js';
import { loadConfig } from './config.js';
import { DockerRuntime } from './docker.js';

// Composition root of the agent: config, logger, etcd and Docker; then the
// reconcile loop. On SIGTERM the agent stops but leaves its containers
// running: the next agent on this host adopts them.

runService('agent', async () => {
  const config = loadConfig(process.env);
  const log = createLogger('agent', config.logLevel);
  const store = Store.connect(config.etcdEndpoints, config.etcdPrefix);
  const runtime = new DockerRuntime(new Docker({ socketPath: config.dockerSocket }));
  const agent = startAgent({ store, runtime, log, config });
  log.info({ host: config.hostId, address: config.hostAddress, tags: config.tags, memoryMb: config.memoryMb, cpus: config.cpus }, 'agent started');
  return {
    log,
    stop: async () => {
      await agent.stop();
      store.close();
    },
  };
});
