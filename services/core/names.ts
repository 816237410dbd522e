import { invalid } from './errors.js';

// Validation of every name that reaches etcd keys, git paths, Docker or nginx.

export const APP_NAME = /^[a-z][a-z0-9-]{1,29}$/;
export const CONFIG_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const PROCESS_TYPE = /^[a-zA-Z0-9_-]{1,30}$/;

export function isAppName(name: string): boolean {
  return APP_NAME.test(name) && !name.endsWith('-') && !name.includes('--');
}

export function assertAppName(name: unknown): string {
  if (typeof name !== 'string' || !isAppName(name)) {
    throw invalid(
      `Name must start with a letter, end with a letter or digit, and use only lowercase letters, digits and single dashes (2 to 30 characters): ${JSON.stringify(name)}`,
    );
  }
  return name;
}

/** Names no app may take: the platform serves them itself (dashboard.<PAAS_DOMAIN>). */
export const RESERVED_APP_NAMES: ReadonlySet<string> = new Set(['dashboard']);

/** A name a new (or renamed) app may take: a valid app name that is not reserved; 422 otherwise. */
export function assertNewAppName(name: unknown): string {
  const n = assertAppName(name);
  if (RESERVED_APP_NAMES.has(n)) throw invalid(`${n} is reserved for the platform's dashboard`);
  return n;
}

const ADJECTIVES = [
  'calm',
  'brave',
  'quiet',
  'rapid',
  'sunny',
  'misty',
  'bold',
  'lucky',
  'gentle',
  'polar',
  'amber',
  'cosmic',
];
const NOUNS = [
  'river',
  'falcon',
  'meadow',
  'harbor',
  'summit',
  'forest',
  'comet',
  'canyon',
  'island',
  'glacier',
  'ember',
  'delta',
];

/** A Heroku-style name, e.g. "sunny-falcon-4821". `random` returns values in [0, 1). */
export function generateAppName(random: () => number = Math.random): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const n = String(Math.floor(random() * 10000)).padStart(4, '0');
  return `${pick(ADJECTIVES)}-${pick(NOUNS)}-${n}`;
}
