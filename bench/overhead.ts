import { setTimeout as sleep } from 'node:timers/promises';
import { parseFlags, percentile, round, startLoad, type LoadResult, type Target } from './load.js';

// Router overhead: requests per second and p50/p99 latency through the
// router against the same container directly, same load (C kept-alive
// connections for D seconds each, after a short warm-up), in one run.
//
//   node dist/bench/overhead.js --router http://127.0.0.1:80/ --host app.localhost \
//     --direct http://172.17.0.5:5000/ [--concurrency 16] [--duration 10] [--warmup 2] [--rounds 2]
//
// The two targets are measured alternately (`--rounds` times each) so drift
// on a shared machine hits both. Prints one JSON object with flat keys on
// stdout, a summary on stderr.

const USAGE = 'usage: node dist/bench/overhead.js --router URL [--host HOST] --direct URL [--concurrency C] [--duration S] [--warmup S] [--rounds N]';

interface Options {
  router: Target;
  direct: Target;
  concurrency: number;
  durationS: number;
  warmupS: number;
  rounds: number;
}

function positive(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number\n${USAGE}`);
  return n;
}

function parseOverheadArgs(argv: readonly string[]): Options {
  const f = parseFlags(argv, ['router', 'host', 'direct', 'concurrency', 'duration', 'warmup', 'rounds']);
  const one = (k: string) => f.get(k)?.at(-1);
  const router = one('router');
  const direct = one('direct');
  if (!router || !direct) throw new Error(USAGE);
  const host = one('host');
  return {
    router: { url: new URL(router), ...(host ? { host } : {}) },
    direct: { url: new URL(direct) },
    concurrency: Math.round(positive(one('concurrency'), 'concurrency', 16)),
    durationS: positive(one('duration'), 'duration', 10),
    warmupS: positive(one('warmup'), 'warmup', 2),
    rounds: Math.round(positive(one('rounds'), 'rounds', 2)),
  };
}

async function measure(target: Target, o: Options): Promise<{ result: LoadResult; seconds: number }> {
  const warm = startLoad(target, { keepAlive: true, concurrency: o.concurrency });
  await sleep(o.warmupS * 1000);
  await warm.stop();
  const t0 = Date.now();
  const load = startLoad(target, { keepAlive: true, concurrency: o.concurrency, recordLatency: true });
  await sleep(o.durationS * 1000);
  const result = await load.stop();
  return { result, seconds: (Date.now() - t0) / 1000 };
}

function merge(a: LoadResult | undefined, b: LoadResult): LoadResult {
  if (!a) return b;
  return { requests: a.requests + b.requests, ok: a.ok + b.ok, failed: a.failed + b.failed, statuses: {}, errors: {}, latenciesMs: a.latenciesMs.concat(b.latenciesMs) };
}

async function main(): Promise<void> {
  const o = parseOverheadArgs(process.argv.slice(2));
  const total: Record<'direct' | 'router', { result?: LoadResult; seconds: number }> = { direct: { seconds: 0 }, router: { seconds: 0 } };
  for (let i = 0; i < o.rounds; i++) {
    for (const name of ['direct', 'router'] as const) {
      const m = await measure(o[name], o);
      total[name] = { result: merge(total[name].result, m.result), seconds: total[name].seconds + m.seconds };
      process.stderr.write(`round ${i + 1} ${name}: ${round(m.result.requests / m.seconds, 0)} req/s, ${m.result.failed} failed\n`);
    }
  }
  const stats = (name: 'direct' | 'router') => {
    const { result, seconds } = total[name];
    const r = result as LoadResult;
    return { rps: r.requests / seconds, p50: percentile(r.latenciesMs, 50), p99: percentile(r.latenciesMs, 99), failed: r.failed, requests: r.requests };
  };
  const d = stats('direct');
  const r = stats('router');
  const out = {
    concurrency: o.concurrency,
    duration_s: o.durationS,
    rounds: o.rounds,
    direct_rps: round(d.rps, 0),
    direct_p50_ms: round(d.p50),
    direct_p99_ms: round(d.p99),
    direct_requests: d.requests,
    direct_failed: d.failed,
    router_rps: round(r.rps, 0),
    router_p50_ms: round(r.p50),
    router_p99_ms: round(r.p99),
    router_requests: r.requests,
    router_failed: r.failed,
    throughput_ratio: round(r.rps / d.rps, 3),
  };
  process.stderr.write(`router ${out.router_rps} req/s (p50 ${out.router_p50_ms} ms, p99 ${out.router_p99_ms} ms) vs direct ${out.direct_rps} req/s (p50 ${out.direct_p50_ms} ms, p99 ${out.direct_p99_ms} ms): ratio ${out.throughput_ratio}\n`);
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
