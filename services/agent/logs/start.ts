import { join } from 'node:path';
import type Docker from 'dockerode';
import type { Logger } from '../../core/logger.js';
import type { AgentConfig } from '../config.js';
import { ownerLabels } from '../spec.js';
import { QUEUE_BOUNDS } from './flood.js';
import { LogShipper } from './shipper.js';

/** Starts shipping this host's container logs, when the agent has the internal token; undefined otherwise. */
export async function startLogShipping(
  docker: Docker,
  config: Readonly<AgentConfig>,
  log: Logger,
): Promise<LogShipper | undefined> {
  if (!config.internalToken) {
    log.warn('PAAS_INTERNAL_TOKEN not set: app logs are not shipped');
    return undefined;
  }
  const shipper = new LogShipper({
    docker,
    labels: ownerLabels({ cluster: config.cluster, hostId: config.hostId }),
    apiUrl: config.apiUrl,
    internalToken: config.internalToken,
    cursorFile: join(config.stateDir, 'agent', `${config.hostId}-log-cursors.json`),
    log: log.child({ module: 'logs' }),
    flood: { ...QUEUE_BOUNDS, rate: config.logRate, burst: config.logBurst },
  });
  await shipper.start();
  return shipper;
}
