import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Api, env, flags, median, percentile, round, runMain } from './common.js';
import { get, log, platformRssMb, promoteAsleep, sleepMs, sourceSlug } from './fleet.js';

// The wake storm against a live platform (issue 16): one build (--source,
// deployed and awake) promoted to N apps born asleep, then one request to
// each of them at the same moment. The host takes the wakes it has room for;
// the others are held (within PAAS_ROUTER_WAKE_TIMEOUT) and answered 503 with
// Retry-After, never reset nor 502; meanwhile the awake source app (through
// the router) and the API (GET /apps/<source>) are asked every 100 ms and must
// keep answering, and the platform's memory and the host's available memory
// are sampled every second.
//
//   PAAS_API_URL=... PAAS_TOKEN=... PAAS_STATE_DIR=/var/lib/paas-bench \
//   node dist/bench/storm.js --source APP --router http://127.0.0.1:80 [--apps 1000] [--parallel 8]
//
// Prints one JSON object with flat keys on stdout, progress on stderr.

const USAGE = 'usage: node dist/bench/storm.js --source APP --router URL [--domain D] [--apps N] [--parallel N]';

function parseArgs(argv: readonly string[]) {
  const f = flags(argv, USAGE, ['source', 'router', 'domain', 'apps', 'parallel']);
  return {
    source: f.required('source'),
    router: new URL(f.required('router')),
    domain: f.one('domain') ?? 'localhost',
    apps: f.int('apps', 1000, 1),
    parallel: f.int('parallel', 8, 1),
  };
}

/** The host's available memory (MiB, /proc/meminfo MemAvailable). */
function availableMb(): number {
  const kb = Number(/MemAvailable:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0);
  return Math.round(kb / 1024);
}

interface Probe {
  ms: number[];
  failed: number;
  statuses: Record<string, number>;
}

/** Calls `once` every `everyMs` until `stop()` says so; each call's time and whether it failed. */
function probe(everyMs: number, once: () => Promise<boolean>): { result: Probe; stop: () => Promise<void> } {
  const result: Probe = { ms: [], failed: 0, statuses: {} };
  let running = true;
  const loop = (async () => {
    while (running) {
      const t = performance.now();
      const ok = await once().catch(() => false);
      result.ms.push(performance.now() - t);
      if (!ok) result.failed++;
      await sleepMs(Math.max(0, everyMs - (performance.now() - t)));
    }
  })();
  return {
    result,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

const summary = (name: string, p: Probe, out: Record<string, number>) => {
  out[`${name}_requests`] = p.ms.length;
  out[`${name}_failed`] = p.failed;
  out[`${name}_p50_ms`] = round(median(p.ms), 0);
  out[`${name}_p99_ms`] = round(percentile(p.ms, 99), 0);
  out[`${name}_max_ms`] = round(
    p.ms.reduce((m, x) => Math.max(m, x), 0),
    0,
  );
};

runMain(async () => {
  const a = parseArgs(process.argv.slice(2));
  const api = new Api(env('PAAS_API_URL'), env('PAAS_TOKEN'));
  const stateDir = env('PAAS_STATE_DIR');
  const out: Record<string, number> = {};
  const slug = await sourceSlug(api, a.source);
  const prefix = `s${process.pid % 1000}`;
  const names = Array.from({ length: a.apps }, (_, i) => `${prefix}-${i + 1}`);
  const t0 = performance.now();
  await promoteAsleep(api, slug, names, a.parallel);
  out.setup_s = round((performance.now() - t0) / 1000, 1);
  await sleepMs(10_000); // the scheduler and router settle
  out.memory_before_mb = platformRssMb(stateDir);
  out.host_available_before_mb = availableMb();
  log(`${a.apps} apps asleep in ${out.setup_s} s; platform memory ${out.memory_before_mb} MiB`);

  // What else the platform serves, asked all along.
  const source = get(a.router, `${a.source}.${a.domain}`);
  if ((await source).status !== 200) throw new Error(`${a.source} does not answer 200 through the router`);
  const app = probe(100, async () => (await get(a.router, `${a.source}.${a.domain}`)).status === 200);
  const apiProbe = probe(100, async () => {
    await api.json('GET', `/apps/${a.source}`);
    return true;
  });
  let peakMb = out.memory_before_mb;
  let minAvailable = out.host_available_before_mb;
  const sampler = setInterval(() => {
    peakMb = Math.max(peakMb, platformRssMb(stateDir));
    minAvailable = Math.min(minAvailable, availableMb());
  }, 1000);

  // The storm: one request to each sleeping app, all at once.
  const tStorm = performance.now();
  const answers = await Promise.all(names.map((n) => get(a.router, `${n}.${a.domain}`)));
  out.storm_s = round((performance.now() - tStorm) / 1000, 1);
  await sleepMs(2000);
  clearInterval(sampler);
  await app.stop();
  await apiProbe.stop();

  const statuses: Record<string, number> = {};
  for (const r of answers) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  for (const [status, n] of Object.entries(statuses)) out[`storm_status_${status}`] = n;
  const served = answers.filter((r) => r.status === 200).map((r) => r.ms);
  const refused = answers.filter((r) => r.status === 503);
  out.storm_served = served.length;
  out.storm_503 = refused.length;
  out.storm_503_with_retry_after = refused.filter((r) => r.retryAfter !== undefined).length;
  out.storm_other = answers.length - served.length - refused.length;
  if (served.length > 0) {
    out.storm_served_p50_ms = round(median(served), 0);
    out.storm_served_p99_ms = round(percentile(served, 99), 0);
    out.storm_served_max_ms = round(Math.max(...served), 0);
  }
  if (refused.length > 0) out.storm_503_p50_ms = round(median(refused.map((r) => r.ms)), 0);
  summary('probe_app', app.result, out);
  summary('probe_api', apiProbe.result, out);
  out.memory_peak_mb = peakMb;
  out.host_available_min_mb = minAvailable;
  const hosts = await api.json<{ allocated?: { containers?: number; memory_mb?: number } }[]>('GET', '/hosts');
  out.containers_after = hosts.reduce((n, h) => n + (h.allocated?.containers ?? 0), 0);
  out.allocated_memory_after_mb = hosts.reduce((n, h) => n + (h.allocated?.memory_mb ?? 0), 0);
  log(
    `storm of ${a.apps} in ${out.storm_s} s: ${JSON.stringify(statuses)}; served p50 ${out.storm_served_p50_ms} ms; ` +
      `app probe ${out.probe_app_failed} failed (max ${out.probe_app_max_ms} ms), API probe ${out.probe_api_failed} ` +
      `failed (max ${out.probe_api_max_ms} ms); platform memory peak ${peakMb} MiB; host available min ${minAvailable} MiB`,
  );
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
});
