import { spawn } from 'node:child_process';
import { createServer as createNetServer, type AddressInfo as NetAddressInfo } from 'node:net';
// Helpers shared by the benchmarks: command-line flags, the environment, a
// main that fails with a message and exit 1, and statistics.

/**
 * --flag value pairs (and bare --flag for booleans in `booleans`) into a map; repeated flags collect. Throws on an
 * unknown flag or a missing value.
 */
export function parseFlags(
  argv: readonly string[],
  known: readonly string[],
  booleans: readonly string[] = [],
): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    const name = flag.replace(/^--/, '');
    if (!flag.startsWith('--') || (!known.includes(name) && !booleans.includes(name)))
      throw new Error(`unknown option ${JSON.stringify(flag)}`);
    if (booleans.includes(name)) {
      out.set(name, ['true']);
      continue;
    }
    const value = argv[++i];
    if (value === undefined || value.startsWith('--')) throw new Error(`${flag} needs a value`);
    out.set(name, [...(out.get(name) ?? []), value]);
  }
  return out;
}

/** A bench's flags (see parseFlags) read against its usage line, which ends every error thrown. */
export function flags(
  argv: readonly string[],
  usage: string,
  known: readonly string[],
  booleans: readonly string[] = [],
) {
  const error = (why: string) => new Error(`${why}\n${usage}`);
  let map: Map<string, string[]>;
  try {
    map = parseFlags(argv, known, booleans);
  } catch (err) {
    throw error((err as Error).message);
  }
  const one = (name: string) => map.get(name)?.at(-1);
  /** The flag as a number, `fallback` when absent; refused unless `ok`. */
  const number = (name: string, fallback: number, ok: (v: string) => boolean, must: string) => {
    const v = one(name);
    if (v !== undefined && !ok(v)) throw error(`--${name} must be ${must}`);
    return v === undefined ? fallback : Number(v);
  };
  return {
    /** The flag's last value. */
    one,
    all: (name: string) => map.get(name) ?? [],
    required: (name: string): string => {
      const v = one(name);
      if (!v) throw error(`--${name} is required`);
      return v;
    },
    /** A whole number of at least `min`. */
    int: (name: string, fallback: number, min = 0) =>
      number(
        name,
        fallback,
        (v) => /^\d+$/.test(v) && Number(v) >= min,
        `a whole number${min > 0 ? ` of at least ${min}` : ''}`,
      ),
    positive: (name: string, fallback: number) =>
      number(name, fallback, (v) => Number(v) > 0 && Number.isFinite(Number(v)), 'a positive number'),
  };
}

/** The environment variable's value; throws when it is unset or empty. */
export function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} must be set`);
  return v;
}

/** Runs a bench's main; on an error, its message (a usage line for bad flags) on stderr and exit 1. */
export function runMain(main: () => unknown): void {
  Promise.resolve()
    .then(main)
    .catch((err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    });
}

/** The middle value (the mean of the middle two for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** The p-th percentile (0..100) of the values, by nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

/** mulberry32: a small seeded generator, uniform in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** The platform's HTTP API with a token, for the benches that drive a live platform. */
export class Api {
  constructor(
    private readonly base: string,
    private readonly token: string,
  ) {}

  /** The response of a call; throws on a status of 400 or more, with the answer's text. */
  async call(method: string, path: string, body?: unknown): Promise<Response> {
    const res = await fetch(`${this.base.replace(/\/$/, '')}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        accept: 'application/json',
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res;
  }

  /** The parsed JSON answer of a call (undefined for an empty one). */
  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const text = await (await this.call(method, path, body)).text();
    return (text ? JSON.parse(text) : undefined) as T;
  }
}

/** The slug of the app's latest release. */
export async function latestSlug(api: Api, app: string): Promise<{ slug: { id: string } | null }> {
  const list = await api.json<{ version: number }[]>('GET', `/apps/${app}/releases`);
  const latest = Math.max(...list.map((r) => r.version));
  return api.json<{ slug: { id: string } | null }>('GET', `/apps/${app}/releases/${latest}`);
}

/** Runs a shell command; its exit code (-1: it could not run) and its stdout and stderr together. */
export function sh(cmd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', cmd], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    child.on('close', (code) => resolve({ code, output }));
    child.on('error', (err) => resolve({ code: -1, output: err.message }));
  });
}

/** A port of 127.0.0.1 free a moment ago. */
export async function freePort(): Promise<number> {
  const srv = createNetServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as NetAddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}
