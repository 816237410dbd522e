import { invalid } from './errors.js';
import { SIZES } from './sizes.js';

// One-off dynos (`paas run`): the request the controller writes under
// /runs/<app>/<name>, and the pure checks of what a user may ask for.

/** The process type of one-off dynos: `run.1234`. */
export const RUN_TYPE = 'run';
/** The Procfile process type that runs once per release, before its rollout (Heroku's release phase). */
export const RELEASE_TYPE = 'release';
export const DEFAULT_RUN_TTL_S = 3600;
export const MAX_RUN_TTL_S = 86_400;
const MAX_COMMAND = 4096;
const MAX_ENV = 50;

/**
 * Written by the controller under /runs/<app>/<name>; the scheduler turns it into a one-off assignment and deletes it
 * when the dyno ends.
 */
export interface RunRequest {
  app: string;
  /** `run.1234` */
  name: string;
  command: string;
  size: string;
  /** Config vars over the release's, for this dyno only. */
  env: Record<string, string>;
  /** Seconds after createdAt at which the scheduler stops it. */
  ttlS: number;
  /** Output and input go through the controller's rendezvous (attach_url), else to the logs only. */
  attach: boolean;
  /** The container gets a terminal (the user's is one). */
  tty: boolean;
  /** The release it runs: the latest when it was asked for, unless that one failed (then the serving one). */
  release: number;
  createdAt: string;
  createdBy: string;
  /** sha256 (hex) of the one-time attach secret; absent when detached. */
  tokenHash?: string;
  /**
   * sha256 (hex) of the API token the run was asked for with: the attachment lasts while it may see the app
   * (controller/access/guard.ts).
   */
  apiTokenHash?: string;
}

/** What a user asks for in POST /apps/:app/dynos: the request's own fields. */
export type RunParams = Pick<RunRequest, 'command' | 'size' | 'env' | 'ttlS' | 'attach' | 'tty'>;

const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The body of POST /apps/:app/dynos (Heroku's fields), checked; `force_no_tty` as Heroku's. */
export function parseRunParams(body: Record<string, unknown>, defaultSize: string): RunParams {
  const { command, attach, size, type, time_to_live: ttl, env, force_no_tty: noTty } = body;
  if (typeof command !== 'string' || command.trim() === '')
    throw invalid('command is required: the command to run, e.g. "bash"');
  if (command.length > MAX_COMMAND || /[\0\r\n]/.test(command))
    throw invalid(`command must be one line of at most ${MAX_COMMAND} characters`);
  if (attach !== undefined && typeof attach !== 'boolean') throw invalid('attach must be true or false');
  if (noTty !== undefined && typeof noTty !== 'boolean') throw invalid('force_no_tty must be true or false');
  if (type !== undefined && type !== RUN_TYPE) throw invalid(`type must be "${RUN_TYPE}"`);
  const sizeName = size === undefined ? defaultSize : typeof size === 'string' ? size.toLowerCase() : '';
  if (!SIZES.some((s) => s.name === sizeName))
    throw invalid(`Unknown size ${JSON.stringify(size)}; sizes are ${SIZES.map((s) => s.name).join(', ')}`);
  const ttlS = ttl === undefined ? DEFAULT_RUN_TTL_S : ttl;
  if (typeof ttlS !== 'number' || !Number.isInteger(ttlS) || ttlS < 1 || ttlS > MAX_RUN_TTL_S)
    throw invalid(`time_to_live must be a whole number of seconds from 1 to ${MAX_RUN_TTL_S}`);
  return {
    command: command.trim(),
    size: sizeName,
    env: parseRunEnv(env),
    ttlS,
    attach: attach === true,
    tty: attach === true && noTty !== true,
  };
}

/** `{KEY: "value"}`: valid names, string values, not the platform's own. */
export function parseRunEnv(env: unknown): Record<string, string> {
  if (env === undefined || env === null) return {};
  if (typeof env !== 'object' || Array.isArray(env)) throw invalid('env must be an object of KEY: "value"');
  const out: Record<string, string> = {};
  const entries = Object.entries(env as Record<string, unknown>);
  if (entries.length > MAX_ENV) throw invalid(`env may set at most ${MAX_ENV} variables`);
  for (const [k, v] of entries) {
    if (!ENV_KEY.test(k))
      throw invalid(`Invalid env name ${JSON.stringify(k.slice(0, 60))}: use letters, digits and _`);
    if (k === 'PORT' || k === 'DYNO' || k.startsWith('PAAS_')) throw invalid(`${k} is set by the platform`);
    if (typeof v !== 'string' || v.length > 32_768) throw invalid(`env ${k} must be a string of at most 32 KiB`);
    out[k] = v;
  }
  return out;
}

/**
 * What a one-off runs: a single word naming a process type of the release
 * runs its Procfile command (as Heroku does: `paas run worker`); `console`
 * without one is a shell; anything else as it is.
 */
export function resolveRunCommand(command: string, processTypes: Readonly<Record<string, string>>): string {
  const word = command.trim();
  if (/^[a-zA-Z0-9_-]+$/.test(word) && Object.hasOwn(processTypes, word) && processTypes[word])
    return processTypes[word] as string;
  return word === 'console' ? 'bash' : command;
}

/** `run.1234` from a random number in [0, 1): four digits, 1000-9999. */
export function runName(random: number): string {
  return `${RUN_TYPE}.${1000 + Math.floor(random * 9000)}`;
}

/** `run.1234` -> 1234; undefined for anything else. */
export function runIndex(name: string): number | undefined {
  const m = /^run\.([1-9]\d{0,5})$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** When the run is to be stopped (ms since the epoch). */
export function runDeadline(r: Pick<RunRequest, 'createdAt' | 'ttlS'>): number {
  return Date.parse(r.createdAt) + r.ttlS * 1000;
}
