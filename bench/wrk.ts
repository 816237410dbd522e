// wrk's report (run with --latency) as numbers.

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
