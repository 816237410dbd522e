import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { SAMPLES_PER_POST, type AppSample } from '../services/core/metricpost.js';
import { isMinuteSample, LATENCY_BUCKETS_S, RANGES } from '../services/core/metricseries.js';
import { isAppName } from '../services/core/names.js';
import { MetricsStore } from '../services/controller/metrics/store.js';
import { flags, percentile, rng, round, runMain } from './common.js';

// The controller's metrics store (services/controller/metrics/store.ts, the
// rings of core/metricseries.ts) holding N apps over D days: what it costs in
// memory, on disk and in time. Each simulated minute the one router sends a
// sample of each app it served (ok, failed, the latency histogram; apps with
// no request are left out, as services/router/minutes.ts does) and the one
// agent one of each app's dynos' memory (services/agent/metrics/minutes.ts),
// as JSON bodies of SAMPLES_PER_POST; the controller's side is what POST
// /internal/metrics does with one (parse, check every sample, add them). Then:
// the heap (after global.gc) against an empty store's (the floor), the file
// the store saves ($STATE/metrics/series.json), reading it back as at a
// restart, and GET /apps/<app>/metrics for 1h, 24h and 7d (the view and its
// JSON) for every app, its sums checked against what was sent.
//
//   node --expose-gc dist/bench/metricsstore.js [--apps 100] [--days 7] [--dynos 2] [--idle 0.25] [--seed 42]
//
// --idle: the share of apps with no traffic (memory only). Prints one JSON
// object with flat keys on stdout, a summary on stderr.

const USAGE =
  'usage: node --expose-gc dist/bench/metricsstore.js [--apps N] [--days D] [--dynos N] [--idle FRACTION] [--seed N]';
const BUCKETS = LATENCY_BUCKETS_S.length + 1;
const MB = 1024 * 1024;

/** An app's traffic: requests per minute at the day's peak, its latency profile, its dynos' memory. */
interface Profile {
  name: string;
  peakPerMin: number;
  /** Share of requests per latency bucket (sums to 1). */
  latency: number[];
  failRate: number;
  dynoBytes: number[];
}

function profiles(apps: number, dynos: number, idle: number, rand: () => number): Profile[] {
  return Array.from({ length: apps }, (_, i) => {
    // a busy app answers mostly within 10-250 ms, the bucket it centres on
    const centre = 1 + Math.floor(rand() * 5);
    const weights = Array.from({ length: BUCKETS }, (_, b) => Math.exp(-1.3 * Math.abs(b - centre)));
    const sum = weights.reduce((a, w) => a + w, 0);
    return {
      name: `app-${String(i).padStart(5, '0')}`,
      // log-uniform between 2 and 5,000 requests a minute at peak
      peakPerMin: rand() < idle ? 0 : Math.round(2 * 2500 ** rand()),
      latency: weights.map((w) => w / sum),
      failRate: rand() * 0.01,
      dynoBytes: Array.from({ length: dynos }, () => Math.round((60 + rand() * 400) * MB)),
    };
  });
}

/** What the router and the agent send for the minute starting at `t` (epoch s). */
function minute(ps: readonly Profile[], t: number, rand: () => number): { router: AppSample[]; agent: AppSample[] } {
  const day = 0.2 + 0.8 * (0.5 - 0.5 * Math.cos((2 * Math.PI * ((t % 86_400) - 4 * 3600)) / 86_400));
  const router: AppSample[] = [];
  const agent: AppSample[] = [];
  for (const p of ps) {
    const requests = Math.round(p.peakPerMin * day * (0.7 + 0.6 * rand()));
    if (requests > 0) {
      const latency = p.latency.map((w) => Math.floor(requests * w));
      const rest = requests - latency.reduce((a, n) => a + n, 0);
      const top = latency.indexOf(Math.max(...latency));
      latency[top] = (latency[top] as number) + rest;
      const failed = Math.min(requests, Math.round(requests * p.failRate * 2 * rand()));
      router.push({ app: p.name, t, ok: requests - failed, failed, latency });
    }
    const memory: Record<string, number> = {};
    p.dynoBytes.forEach((b, i) => (memory[`web.${i + 1}`] = Math.round(b * (0.9 + 0.2 * rand()))));
    agent.push({ app: p.name, t, memory });
  }
  return { router, agent };
}

/** What POST /internal/metrics does with a body (controller/metrics/routes.ts): parse, check all, add all. */
function take(store: MetricsStore, body: string): number {
  const samples = (JSON.parse(body) as { samples: unknown[] }).samples;
  for (const s of samples) {
    const app = (s as { app?: unknown }).app;
    if (typeof app !== 'string' || !isAppName(app) || !isMinuteSample(s)) throw new Error(`refused: ${body}`);
  }
  for (const { app, ...sample } of samples as AppSample[]) store.add(app, sample);
  return samples.length;
}

function heapMb(): number {
  const gc = (globalThis as { gc?: () => void }).gc as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed / MB;
}

type Expected = Map<string, { h1: number; h24: number; all: number }>;

/**
 * Sends the minutes from t0 to end (epoch s), as the router and the agent would, through `take`; the controller's
 * side timed apart. With what each app's views must sum to: requests ok in the last 1h, 24h and in all (7d).
 */
function ingest(store: MetricsStore, ps: readonly Profile[], t0: number, end: number, rand: () => number) {
  const expected: Expected = new Map(ps.map((p) => [p.name, { h1: 0, h24: 0, all: 0 }]));
  let [samples, posts, bytes, takeMs] = [0, 0, 0, 0];
  const wall0 = performance.now();
  for (let t = t0; t < end; t += 60) {
    const { router, agent } = minute(ps, t, rand);
    for (const s of router) {
      const e = expected.get(s.app) as { h1: number; h24: number; all: number };
      e.all += s.ok as number;
      if (t >= end - 86_400) e.h24 += s.ok as number;
      if (t >= end - 3600) e.h1 += s.ok as number;
    }
    for (const list of [router, agent])
      for (let i = 0; i < list.length; i += SAMPLES_PER_POST) {
        const body = JSON.stringify({ samples: list.slice(i, i + SAMPLES_PER_POST) });
        const a = performance.now();
        samples += take(store, body);
        takeMs += performance.now() - a;
        posts++;
        bytes += body.length;
      }
  }
  return { expected, samples, posts, bytes, takeMs, wallS: (performance.now() - wall0) / 1000 };
}

/** GET /apps/<app>/metrics?range=: the view and its JSON (res.json) for every app, timed; whether each sums right. */
function query(s: MetricsStore, ps: readonly Profile[], expected: Expected, range: string, now: number) {
  const ms: number[] = [];
  let size = 0;
  let sumsMatch = true;
  for (const p of ps) {
    const a = performance.now();
    const view = s.view(p.name, range, RANGES[range] as number, now);
    size += JSON.stringify(view).length;
    ms.push(performance.now() - a);
    const ok = view.points.reduce((n, pt) => n + pt.requests_ok, 0);
    const e = expected.get(p.name) as { h1: number; h24: number; all: number };
    if (ok !== (range === '1h' ? e.h1 : range === '24h' ? e.h24 : e.all)) sumsMatch = false;
  }
  return { ms, kib: size / ps.length / 1024, sumsMatch };
}

/** How long `f` took, and the longest the event loop was held meanwhile (ms). */
async function timed(f: () => Promise<void>): Promise<{ ms: number; stallMs: number }> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const a = performance.now();
  await f();
  const ms = performance.now() - a;
  await sleep(5); // a tick after the end, for a stall at its very end
  h.disable();
  return { ms, stallMs: h.max / 1e6 };
}

const RANGE_NAMES = ['1h', '24h', '7d'];

/** A store filled with the days of `ps`, measured and saved to `file`; dropped once this returns. */
async function full(ps: readonly Profile[], days: number, file: string, rand: () => number) {
  const store = new MetricsStore(file);
  const floorMb = heapMb();
  const minutes = days * 1440;
  const end = Math.floor(Date.now() / 3_600_000) * 3600; // on an hour, so each range's steps are whole
  const r = ingest(store, ps, end - minutes * 60, end, rand);
  const heapAfterMb = heapMb();
  const out: Record<string, number | string | boolean> = {
    samples: r.samples,
    posts: r.posts,
    posted_mb: round(r.bytes / MB, 1),
    ingest_s: round(r.takeMs / 1000, 2),
    ingest_us_per_sample: round((r.takeMs * 1000) / r.samples, 2),
    ingest_ms_per_minute: round(r.takeMs / minutes, 2),
    simulation_s: round(r.wallS, 1),
    heap_floor_mb: round(floorMb, 1),
    heap_mb: round(heapAfterMb, 1),
    store_mb: round(heapAfterMb - floorMb, 1),
    store_kib_per_app: round(((heapAfterMb - floorMb) * 1024) / ps.length, 1),
  };
  const now = end * 1000 - 1000; // the last second of the last minute sent
  let exact = true;
  for (const range of RANGE_NAMES) {
    query(store, ps, r.expected, range, now); // warm
    const q = query(store, ps, r.expected, range, now);
    exact &&= q.sumsMatch;
    out[`query_${range}_p50_ms`] = round(percentile(q.ms, 50), 3);
    out[`query_${range}_p99_ms`] = round(percentile(q.ms, 99), 3);
    out[`query_${range}_kib`] = round(q.kib, 1);
  }
  // the file, as the store's timer (every SAVE_EVERY_MS while samples come) and stop() write it
  const save = await timed(() => store.save());
  const size = (await stat(file)).size;
  Object.assign(out, {
    save_ms: round(save.ms, 0),
    save_stall_ms: round(save.stallMs, 0),
    file_mb: round(size / MB, 2),
    file_kib_per_app: round(size / 1024 / ps.length, 1),
  });
  return { out, floorMb, exact, expected: r.expected, now };
}

async function main(): Promise<void> {
  const f = flags(process.argv.slice(2), USAGE, ['apps', 'days', 'dynos', 'idle', 'seed']);
  const [apps, days, dynos, seed] = [
    f.int('apps', 100, 1),
    f.int('days', 7, 1),
    f.int('dynos', 2, 1),
    f.int('seed', 42),
  ];
  const idle = Number(f.one('idle') ?? 0.25);
  if (!(idle >= 0 && idle <= 1)) throw new Error(`--idle must be between 0 and 1\n${USAGE}`);
  if (typeof (globalThis as { gc?: unknown }).gc !== 'function') throw new Error(`run node with --expose-gc\n${USAGE}`);
  const rand = rng(seed);
  const ps = profiles(apps, dynos, idle, rand);
  const stateDir = await mkdtemp(join(tmpdir(), 'paas-bench-metricsstore-'));
  const file = join(stateDir, 'metrics', 'series.json');
  try {
    const idleApps = ps.filter((p) => p.peakPerMin === 0).length;
    const { out: measured, floorMb, expected, now, ...rest } = await full(ps, days, file, rand);
    let exact = rest.exact;
    const out: Record<string, number | string | boolean> = { apps, days, dynos, idle_apps: idleApps, ...measured };
    out.heap_dropped_mb = round(heapMb(), 1); // back to the floor: nothing else held it
    // a restart: the file read back
    const back = new MetricsStore(file);
    const read = await timed(() => back.start());
    out.read_back_ms = round(read.ms, 0);
    out.read_back_stall_ms = round(read.stallMs, 0);
    out.read_back_store_mb = round(heapMb() - floorMb, 1);
    for (const range of RANGE_NAMES) exact &&= query(back, ps, expected, range, now).sumsMatch;
    await back.stop();
    out.sums_match = exact;
    out.max_rss_mb = round(process.resourceUsage().maxRSS / 1024, 0);
    process.stderr.write(
      `${apps} apps × ${days} days (${idleApps} idle, ${dynos} dynos each): ${out.samples} samples in ${out.posts} ` +
        `posts (${out.posted_mb} MiB of JSON), the controller's side ${out.ingest_s} s (${out.ingest_us_per_sample} µs ` +
        `a sample, ${out.ingest_ms_per_minute} ms a minute); heap ${out.heap_floor_mb} MiB empty, ${out.heap_mb} MiB ` +
        `full: the store ${out.store_mb} MiB (${out.store_kib_per_app} KiB an app), ${out.read_back_store_mb} MiB ` +
        `read back; file ${out.file_mb} MiB (saved in ${out.save_ms} ms, the event loop held ${out.save_stall_ms} ms; ` +
        `read back in ${out.read_back_ms} ms); query p50 1h ${out.query_1h_p50_ms} / 24h ${out.query_24h_p50_ms} / ` +
        `7d ${out.query_7d_p50_ms} ms; sums ${exact ? 'match' : 'DO NOT match'}\n`,
    );
    process.stdout.write(`${JSON.stringify(out)}\n`);
    if (!exact) throw new Error('a view did not sum to what was sent');
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
}

runMain(main);
