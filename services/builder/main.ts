import Docker from 'dockerode';
import { createLogger } from '../core/logger.js';
import { runService } from '../core/service.js';
import { loadConfig } from './config.js';
import { startBuilder } from './service.js';

// Composition root of the builder: config, logger, Docker (default socket);
// the controller client is made from the config inside startBuilder. On
// SIGTERM it waits for pushes in progress; a second signal exits at once.

runService('builder', async () => {
  const config = loadConfig(process.env);
  const logger = createLogger('builder', config.logLevel);
  const builder = await startBuilder(config, { logger, docker: new Docker() });
  return { log: logger, stop: () => builder.close() };
});
