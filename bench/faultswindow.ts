import { performance } from 'node:perf_hooks';
import { routeUpstreams, type StoredRoute } from '../services/core/routes.js';
import type { Store } from '../services/core/store.js';
import { percentile, round } from './common.js';
import { checkRecords, recordText, type FaultResult } from './faultslib.js';
import { run, sleep, type Api, type Platform } from './faultsops.js';
import { startLoad, type Load, type LoadResult, type Target } from './load.js';

// One fault's window for bench/faults.ts: kept-alive load through the router
// (and any other router's port), the app's records read, the fault done, then
// the control plane probed through the CLI (a read until it answers, then one
// config:set), that release until it serves, the lost dynos until they run
// elsewhere; the load stops at the window's end, the records are read again
// and compared. Every loop is bounded by the window's limit.

export interface Bench {
  app: string;
  /** The load's targets: the router first, then any other router's port. */
  targets: Target[];
  concurrency: number;
  /** Seconds the load runs after the fault at least; every wait ends at limitS. */
  windowS: number;
  limitS: number;
  web: number;
  api: Api;
  store: Store;
  platform: Platform;
  cli: string;
  /** The CLI's environment: PAAS_API_URL with every controller, PAAS_TOKEN, PAAS_CONFIG_DIR. */
  cliEnv: NodeJS.ProcessEnv;
}

/** What a fault did, for its window to measure. */
export interface Done {
  /** Resolves with ms after the fault when the part is back (or its successor leads). */
  back?: Promise<number | undefined>;
  /** The host whose dynos were lost: the window waits for them up elsewhere. */
  lostHost?: string;
  /** The moment of the fault (performance.now()) when the fault prepared first (a push under way): else its call's. */
  at?: number;
  /** The window's own write was done by the fault (a push): its ms, and when its release served. */
  wrote?: Promise<{ writeMs?: number; servedMs?: number; releases: number; builds: number }>;
  /** What the fault's own writes should add to the records (a push: a release, a build per try). */
  expects?: { releases: number; builds: number };
  /** Resolves when the fault is over (a partition healed), before the window may end. */
  over?: Promise<unknown>;
  notes?: () => string;
}

export type Fault = (b: Bench, t0: number) => Promise<Done>;

/** The CLI's read until it answers: ms after t0 (undefined: not before the deadline), and the failed tries. */
async function probeRead(b: Bench, t0: number, deadline: number): Promise<{ ms?: number; failed: string[] }> {
  const failed: string[] = [];
  while (performance.now() < deadline) {
    const r = await run('node', [b.cli, 'config:get', 'FAULTS_PROBE', '-a', b.app], {
      env: b.cliEnv,
      timeoutMs: 10_000,
    });
    if (r.code === 0) return { ms: performance.now() - t0, failed };
    failed.push(`${Math.round(r.ms)} ms: ${r.output.trim().split('\n').at(-1) ?? `exit ${r.code}`}`);
    await sleep(100);
  }
  return { failed };
}

/** One config:set, tried again until accepted: ms after t0 and the release it made. */
async function probeWrite(
  b: Bench,
  t0: number,
  deadline: number,
  key: string,
  value: string,
): Promise<{ ms?: number; version?: number; attempts: number; errors: string[] }> {
  const errors: string[] = [];
  let attempts = 0;
  while (performance.now() < deadline) {
    attempts++;
    const r = await run('node', [b.cli, 'config:set', `${key}=${value}`, '-a', b.app], {
      env: b.cliEnv,
      timeoutMs: 20_000,
    });
    if (r.code === 0) {
      const v = /done, v(\d+)/.exec(r.output);
      return { ms: performance.now() - t0, ...(v && { version: Number(v[1]) }), attempts, errors };
    }
    errors.push(r.output.trim().split('\n').at(-1) ?? `exit ${r.code}`);
    await sleep(200);
  }
  return { attempts, errors };
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)));
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}

/** ms after t0 when the app's route names `version` (any newer one too) with `web` upstreams. */
export async function routed(b: Bench, t0: number, deadline: number, version: number): Promise<number | undefined> {
  while (performance.now() < deadline) {
    const r = await withTimeout(
      b.store.get<StoredRoute>(b.store.keys.route(b.app)).catch(() => undefined),
      2000,
    );
    if (r && (r.release ?? 0) >= version && routeUpstreams(r).length === b.web && !r.maintenance)
      return performance.now() - t0;
    await sleep(50);
  }
  return undefined;
}

/** ms after t0 when the app's web dynos are all up, `web` of them, none on `lost`. */
export async function moved(b: Bench, t0: number, deadline: number, lost: string): Promise<number | undefined> {
  while (performance.now() < deadline) {
    const d = await b.api.dynos(b.app).catch(() => undefined);
    const web = d?.filter((x) => x.type === 'web');
    if (web && web.length === b.web && web.every((x) => x.state === 'up' && x.host !== lost))
      return performance.now() - t0;
    await sleep(250);
  }
  return undefined;
}

function failures(r: LoadResult): string {
  return JSON.stringify({ ...r.statuses, ...r.errors });
}

/** Runs one fault's window; its figures. */
export async function window(
  b: Bench,
  key: string,
  what: string,
  fault: Fault,
  opts: { write: boolean },
): Promise<FaultResult> {
  process.stderr.write(`--- ${key}: ${what}\n`);
  const loads: Load[] = b.targets.map((t) =>
    startLoad(t, { keepAlive: true, concurrency: b.concurrency, timeoutMs: 10_000, recordLatency: true }),
  );
  const started = performance.now();
  await sleep(2000); // the load on a steady platform first
  const before = await b.api.snapshot(b.app);
  const called = performance.now();
  const done = await fault(b, called);
  const t0 = done.at ?? called;
  const limit = t0 + b.limitS * 1000;
  const read = await probeRead(b, t0, limit);
  const readMs = read.ms;
  const varKey = `FAULT_${key.toUpperCase().replace(/\W/g, '_')}`;
  const value = `${Date.now()}`;
  const wrote = done.wrote ? await withTimeout(done.wrote, Math.max(0, limit - performance.now())) : undefined;
  let writeMs = wrote?.writeMs;
  let servedMs = wrote?.servedMs;
  let writeNote = '';
  if (opts.write) {
    const w = await probeWrite(b, t0, limit, varKey, value);
    writeMs = w.ms;
    if (w.attempts > 1)
      writeNote = `config:set tried ${w.attempts} times (${[...new Set(w.errors)].join(' / ').slice(0, 200)})`;
    if (w.version !== undefined) servedMs = await routed(b, t0, limit, w.version);
  }
  const movedMs = done.lostHost ? await moved(b, t0, limit, done.lostHost) : undefined;
  const backMs = done.back ? await withTimeout(done.back, Math.max(0, limit - performance.now())) : undefined;
  if (done.over) await withTimeout(done.over, Math.max(0, limit - performance.now()));
  const rest = t0 + b.windowS * 1000 - performance.now();
  if (rest > 0) await sleep(rest);
  const results = await Promise.all(loads.map((l) => l.stop()));
  const windowS = round((performance.now() - started) / 1000, 0);
  const after = await b.api.snapshot(b.app);
  const check = checkRecords(before, after, {
    set: opts.write && writeMs !== undefined ? { [varKey]: value } : {},
    releases: opts.write ? (writeMs !== undefined ? 1 : 0) : (done.expects?.releases ?? 0),
    builds: done.expects?.builds ?? 0,
  });
  const main = results[0] as LoadResult;
  const others = results
    .slice(1)
    .map((r, i) => `router ${i + 2}: ${r.requests} requests, ${r.failed} failed ${failures(r)}`);
  const readNote = read.failed.length
    ? `the read failed ${read.failed.length} time(s) first (${read.failed.slice(0, 3).join(' / ').slice(0, 300)})`
    : '';
  const notes = [done.notes?.() ?? '', readNote, writeNote, ...others].filter(Boolean).join('; ');
  const out: FaultResult = {
    key,
    what,
    requests: main.requests,
    failed: main.failed,
    failures: failures(main),
    windowS,
    latency: `${round(percentile(main.latenciesMs, 50), 1)} / ${round(percentile(main.latenciesMs, 99), 1)} / ${round(
      main.latenciesMs.reduce((m, x) => Math.max(m, x), 0),
      0,
    )} ms (${main.latenciesMs.filter((x) => x > 1000).length} over 1 s)`,
    ...(readMs !== undefined && { readMs: Math.round(readMs) }),
    ...(writeMs !== undefined && { writeMs: Math.round(writeMs) }),
    ...(servedMs !== undefined && { servedMs: Math.round(servedMs) }),
    ...(movedMs !== undefined && { movedMs: Math.round(movedMs) }),
    ...(backMs !== undefined && { backMs: Math.round(backMs) }),
    records: recordText(check),
    notes,
  };
  if (done.lostHost && movedMs === undefined)
    out.notes = `${out.notes ? `${out.notes}; ` : ''}lost dynos NOT up elsewhere within ${b.limitS} s`;
  process.stderr.write(`${JSON.stringify(out)}\n`);
  return out;
}
