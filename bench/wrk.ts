import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { percentile, round } from './common.js';

// wrk's report (run with --latency) as numbers, and a run of it.

/** One wrk run's figures. */
export interface WrkResult {
  requests: number;
  seconds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Socket errors (connect, read, write, timeout) plus answers that are not 2xx/3xx. */
  failed: number;
}

/** "850.12us", "1.23ms", "2.00s" -> ms. */
function durationMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : n * 60_000;
}

/** The figures of wrk's report (run with --latency). Throws when it does not look like one. */
export function parseWrk(out: string): WrkResult {
  const total = /(\d+) requests in ([\d.]+)(us|ms|s|m),/.exec(out);
  const p50 = /^\s*50%\s+(\S+)$/m.exec(out);
  const p99 = /^\s*99%\s+(\S+)$/m.exec(out);
  if (!total || !p50 || !p99) throw new Error(`not a wrk --latency report:\n${out}`);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  const requests = Number(total[1]);
  const seconds = durationMs(`${total[2]}${total[3]}`) / 1000;
  const failed =
    (socket ? socket.slice(1, 5).reduce((s, n) => s + Number(n), 0) : 0) + (non2xx ? Number(non2xx[1]) : 0);
  return {
    requests,
    seconds,
    rps: requests / seconds,
    p50Ms: durationMs(p50[1] as string),
    p99Ms: durationMs(p99[1] as string),
    failed,
  };
}

/** One wrk run: one thread, `connections` kept-alive connections (unless a header closes them) for `seconds`. */
export interface WrkRun {
  url: string;
  connections: number;
  seconds: number;
  /** Extra request headers, "Name: value". */
  headers?: readonly string[];
  /** A Lua script for wrk (-s), e.g. wrkConnectTo's. */
  script?: string;
}

/** Runs wrk with --latency and parses its report. Throws when wrk is missing, fails or prints no report. */
export async function runWrk(r: WrkRun): Promise<WrkResult> {
  const args = [
    '-t1',
    `-c${r.connections}`,
    `-d${r.seconds}s`,
    '--latency',
    ...(r.headers ?? []).flatMap((h) => ['-H', h]),
    ...(r.script ? ['-s', r.script] : []),
    r.url,
  ];
  try {
    const { stdout } = await promisify(execFile)('wrk', args, { timeout: (r.seconds + 30) * 1000 });
    return parseWrk(stdout);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new Error('wrk is not installed (Debian: apt-get install wrk; scripts/bench installs it)', { cause: err });
    throw err;
  }
}

/**
 * A Lua script (written into `dir`) that makes wrk connect to `address` whatever host its URL names, which stays
 * the Host header and the name wrk sends by SNI (ssl_connect in wrk's src/ssl.c sends the URL's host). So a name
 * that no resolver knows (www.app.test) can be asked of 127.0.0.1 over HTTPS with its own SNI, as curl --resolve
 * does; wrk's own -H Host changes the header only, never the SNI.
 */
export function wrkConnectTo(dir: string, address: string): string {
  const file = join(dir, `connect-${address.replace(/[^0-9a-z.]/gi, '_')}.lua`);
  writeFileSync(
    file,
    `-- wrk: connect to ${address}, whatever host the URL names (it stays the Host header and the SNI).\n` +
      `wrk.resolve = function(host, service)\n  wrk.addrs = wrk.lookup(${JSON.stringify(address)}, service)\nend\n`,
  );
  return file;
}

/**
 * A target's rounds taken together, as `<name>_*` fields: its requests/s over all rounds (requests over seconds), the
 * rounds' median p50 and p99, its requests and failures; `rps` unrounded, for ratios, and `requests`.
 */
export function roundsFields(
  name: string,
  list: readonly WrkResult[],
): { rps: number; requests: number; fields: Record<string, number> } {
  const requests = list.reduce((s, r) => s + r.requests, 0);
  const rps = requests / list.reduce((s, r) => s + r.seconds, 0);
  return {
    rps,
    requests,
    fields: {
      [`${name}_rps`]: round(rps, 0),
      [`${name}_p50_ms`]: round(
        percentile(
          list.map((r) => r.p50Ms),
          50,
        ),
      ),
      [`${name}_p99_ms`]: round(
        percentile(
          list.map((r) => r.p99Ms),
          50,
        ),
      ),
      [`${name}_requests`]: requests,
      [`${name}_failed`]: list.reduce((s, r) => s + r.failed, 0),
    },
  };
}
