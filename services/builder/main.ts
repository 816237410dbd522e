import Docker from 'dockerode';
import { createLogger } from '../core/logger.js';
import { loadConfig } from './config.js';
import { startBuilder } from './service.js';

// Composition root of the builder: config, logger, Docker (default socket);
// the controller client is made from the config inside startBuilder.

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger('builder', config.logLevel);
  const builder = await startBuilder(config, { logger, docker: new Docker() });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down: waiting for pushes in progress');
    builder.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`builder: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
