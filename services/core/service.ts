import type { Logger } from './logger.js';

// The lifecycle every service's main.ts shares: start, then stop once on
// SIGTERM/SIGINT (a second signal exits at once), and a start-up failure
// reported as one JSON line on stderr (the logger may not exist yet when the
// config is bad).

export interface Running {
  log: Logger;
  /** Releases what the service holds; the process exits after it settles. */
  stop(): Promise<void>;
}

export function runService(name: string, start: () => Promise<Running>): void {
  start().then(
    ({ log, stop }) => {
      let stopping = false;
      const onSignal = (signal: string) => {
        if (stopping) {
          log.warn({ signal }, 'second signal: exiting now');
          process.exit(1);
        }
        stopping = true;
        log.info({ signal }, `${name} stopping`);
        stop().then(
          () => process.exit(0),
          (err: unknown) => {
            log.error({ err }, 'stop failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', () => onSignal('SIGTERM'));
      process.on('SIGINT', () => onSignal('SIGINT'));
    },
    (err: unknown) => {
      // A bad setting says only what is wrong; anything else keeps its stack.
      const msg =
        err instanceof Error ? (err.name === 'ConfigError' ? err.message : (err.stack ?? err.message)) : String(err);
      process.stderr.write(
        `${JSON.stringify({ level: 60, time: Date.now(), name, msg: `${name} failed to start`, err: msg })}\n`,
      );
      process.exit(1);
    },
  );
}
