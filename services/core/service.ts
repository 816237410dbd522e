import { createLogger, type Logger } from './logger.js';

// The lifecycle every service shares, whether it has a process of its own
// (its main.ts: runService) or shares one with the others (services/platform:
// runServices): start, then stop once on SIGTERM/SIGINT (a second signal
// exits at once), and a start-up failure reported as one JSON line on stderr
// (the logger may not exist yet when the config is bad).
//
// A service's start(ctx) (services/<svc>/start.ts) is its composition root:
// it reads its config from ctx.env, makes its logger with ctx.logger and asks
// ctx.shared for the clients the process may share (one etcd Store, one
// Docker client: core/store.ts' sharedStore, core/dockerclient.ts). What is
// shared is closed by the process after every service has stopped; a
// service's stop() releases only what it made itself.

export interface Running {
  log: Logger;
  /** Releases what the service holds; the process exits after it settles. */
  stop(): Promise<void>;
}

export interface ServiceContext {
  /** The service's name (controller, builder, ...): what its metrics are named by (its Store's: Store.shared). */
  readonly service: string;
  /** The process's environment: read only by the service's loadConfig. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The service's logger at its level; every line names the service. */
  logger(level: string): Logger;
  /** One value per key in the process: made on the first ask, closed after every service has stopped. */
  shared<T>(key: string, make: () => T, close?: (value: T) => void): T;
}

export type StartService = (ctx: ServiceContext) => Promise<Running>;

/** The shared values of one process, closed in the reverse order of their making. */
class Shares {
  private readonly values = new Map<string, { value: unknown; close?: (value: never) => void }>();

  get<T>(key: string, make: () => T, close?: (value: T) => void): T {
    const had = this.values.get(key);
    if (had) return had.value as T;
    const value = make();
    this.values.set(key, { value, ...(close && { close: close as (value: never) => void }) });
    return value;
  }

  close(log: Logger): void {
    for (const [key, { value, close }] of [...this.values].reverse()) {
      try {
        close?.(value as never);
      } catch (err) {
        log.warn({ err, key }, 'cannot close a shared client');
      }
    }
    this.values.clear();
  }
}

/** A service alone in its process (its main.ts): its logger is the process's. */
export function runService(name: string, start: StartService): void {
  runServices(name, [[name, start]]);
}

export interface RunOptions {
  /**
   * Services stopped, and waited for, before the others: the builder, whose pushes in progress need the controller,
   * the scheduler, the agent and the router to finish.
   */
  stopFirst?: readonly string[];
}

/**
 * Services in one process (`name` in the start-up failure line): each with its
 * own config and logger (a child of the process's one, named for the service),
 * sharing the process's clients; started together, stopped together (those of
 * `stopFirst` before the others).
 */
export function runServices(
  name: string,
  services: readonly (readonly [string, StartService])[],
  options: RunOptions = {},
): void {
  const shares = new Shares();
  const alone = services.length === 1;
  let root: Logger | undefined;
  const loggerOf = (service: string) => (level: string) => {
    if (alone) return createLogger(service, level);
    root ??= createLogger(undefined, level);
    return root.child({ name: service }, { level });
  };
  const started = services.map(([service, start]) =>
    start({
      service,
      env: process.env,
      logger: loggerOf(service),
      shared: (k, make, close) => shares.get(k, make, close),
    }).catch((err: unknown) => Promise.reject(new StartError(service, err))),
  );
  Promise.all(started).then(
    (running) =>
      onSignals(
        running.map((r, i) => ({ name: services[i]?.[0] ?? name, running: r })),
        shares,
        options.stopFirst ?? [],
      ),
    (err: unknown) => {
      const failed = err instanceof StartError ? err : new StartError(name, err);
      failedToStart(failed.service, failed.cause);
    },
  );
}

/** The start-up failure line on stderr (the logger may not exist yet), then exit 1. */
export function failedToStart(name: string, err: unknown): never {
  // A bad setting says only what is wrong; anything else keeps its stack.
  const msg =
    err instanceof Error ? (err.name === 'ConfigError' ? err.message : (err.stack ?? err.message)) : String(err);
  process.stderr.write(
    `${JSON.stringify({ level: 60, time: Date.now(), name, msg: `${name} failed to start`, err: msg })}\n`,
  );
  process.exit(1);
}

class StartError extends Error {
  constructor(
    readonly service: string,
    override readonly cause: unknown,
  ) {
    super(`${service} failed to start`);
  }
}

type Started = { name: string; running: Running };

/** Stops the services together; true when every stop succeeded. */
async function stopAll(services: readonly Started[]): Promise<boolean> {
  const results = await Promise.allSettled(services.map((s) => s.running.stop()));
  let ok = true;
  results.forEach((res, i) => {
    if (res.status === 'rejected') {
      ok = false;
      services[i]?.running.log.error({ err: res.reason }, 'stop failed');
    }
  });
  return ok;
}

function onSignals(services: readonly Started[], shares: Shares, stopFirst: readonly string[]): void {
  const log = services[0]?.running.log;
  let stopping = false;
  const onSignal = (signal: string) => {
    if (stopping) {
      log?.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    for (const s of services) s.running.log.info({ signal }, `${s.name} stopping`);
    // Together, as scripts/down stops separate processes (stopFirst first); what they share is closed after.
    void (async () => {
      const first = await stopAll(services.filter((s) => stopFirst.includes(s.name)));
      const rest = await stopAll(services.filter((s) => !stopFirst.includes(s.name)));
      if (log) shares.close(log);
      process.exit(first && rest ? 0 : 1);
    })();
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
}
