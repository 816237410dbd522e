import Docker from 'dockerode';
import { createLogger } from '../core/logger.js';
import { Store } from '../core/store.js';
import { startAgent } from './agent.js';
import { loadConfig } from './config.js';
import { DockerRuntime } from './docker.js';

// Composition root of the agent: config, logger, etcd and Docker; then the
// reconcile loop. On SIGTERM the agent stops but leaves its containers
// running: the next agent on this host adopts them.

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const log = createLogger('agent', config.logLevel);
  const store = Store.connect(config.etcdEndpoints, config.etcdPrefix);
  const runtime = new DockerRuntime(new Docker({ socketPath: config.dockerSocket }));
  const agent = startAgent({ store, runtime, log, config });
  log.info({ host: config.hostId, address: config.hostAddress, tags: config.tags, memoryMb: config.memoryMb, cpus: config.cpus }, 'agent started');

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'agent stopping; containers keep running');
    agent
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
  createLogger('agent').fatal({ err }, 'agent failed to start');
  process.exit(1);
});
