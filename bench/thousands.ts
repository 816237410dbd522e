import { execFile } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { Api, env, flags, median, percentile, round, runMain } from './common.js';
import { get, log, platformRssMb, promoteAsleep, sleepMs, sourceSlug } from './fleet.js';

// The 10,000-app run against a live platform (issue 16): one build (--source,
// deployed already) promoted to N new apps through the API, each asked to
// sleep before its release so it is born asleep (no container is ever
// started for it); the platform's memory at 0, 1,000 and N apps; `paas apps`
// and a config:set among N; then --wake apps chosen at random woken by one
// request each (one after the other), their first answer timed, and a
// config:set on one of them until it serves the new value.
//
//   PAAS_API_URL=... PAAS_TOKEN=... PAAS_STATE_DIR=/var/lib/paas-bench \
//   node dist/bench/thousands.js --source APP --router http://127.0.0.1:80 [--apps 10000] [--wake 200] [--parallel 8]
//
// Prints one JSON object with flat keys on stdout, progress on stderr.

const USAGE =
  'usage: node dist/bench/thousands.js --source APP --router URL [--domain D] [--apps N] [--wake N] [--parallel N] [--cli PATH]';
const run = promisify(execFile);

function parseArgs(argv: readonly string[]) {
  const f = flags(argv, USAGE, ['source', 'router', 'domain', 'apps', 'wake', 'parallel', 'cli']);
  return {
    source: f.required('source'),
    router: new URL(f.required('router')),
    domain: f.one('domain') ?? 'localhost',
    apps: f.int('apps', 10_000, 1),
    wake: f.int('wake', 200, 0),
    parallel: f.int('parallel', 8, 1),
    cli: f.one('cli') ?? 'dist/cli/main.js',
  };
}

interface AppRow {
  name: string;
  dyno_state: string | null;
}

runMain(async () => {
  const a = parseArgs(process.argv.slice(2));
  const api = new Api(env('PAAS_API_URL'), env('PAAS_TOKEN'));
  const stateDir = env('PAAS_STATE_DIR');
  const out: Record<string, number> = {};
  const slug = await sourceSlug(api, a.source);
  const prefix = `k${process.pid % 1000}`;
  const name = (i: number) => `${prefix}-${i + 1}`;
  out.memory_before_mb = platformRssMb(stateDir);
  log(`platform memory before: ${out.memory_before_mb} MiB; promoting ${slug} to ${a.apps} apps`);

  const t0 = performance.now();
  let done = 0;
  const checkpoints = [1000, a.apps].filter((c, i, all) => c <= a.apps && all.indexOf(c) === i);
  for (const upTo of checkpoints) {
    const from = done;
    await promoteAsleep(
      api,
      slug,
      Array.from({ length: upTo - from }, (_, i) => name(from + i)),
      a.parallel,
    );
    done = upTo;
    out[`setup_${upTo}_s`] = round((performance.now() - t0) / 1000, 1);
    await sleepMs(10_000); // the scheduler and router settle
    out[`memory_${upTo}_apps_mb`] = platformRssMb(stateDir);
    log(`${upTo} apps in ${out[`setup_${upTo}_s`]} s; platform memory ${out[`memory_${upTo}_apps_mb`]} MiB`);
  }

  // Every app's route says sleeping (the API's list reads every route in one range read).
  const tList = performance.now();
  const list = await api.json<AppRow[]>('GET', '/apps');
  out.api_apps_list_ms = round(performance.now() - tList, 0);
  out.apps_sleeping = list.filter((x) => x.name.startsWith(`${prefix}-`) && x.dyno_state === 'sleeping').length;
  const cli = async (args: string[]) => {
    const t = performance.now();
    await run('node', [a.cli, ...args], { maxBuffer: 64 * 1024 * 1024 });
    return round(performance.now() - t, 0);
  };
  out.paas_apps_ms = await cli(['apps']);
  out.paas_apps_info_ms = await cli(['apps:info', '-a', name(Math.floor(a.apps / 2))]);
  log(
    `at ${a.apps} apps: GET /apps ${out.api_apps_list_ms} ms, paas apps ${out.paas_apps_ms} ms, ` +
      `paas apps:info ${out.paas_apps_info_ms} ms; ${out.apps_sleeping} sleeping`,
  );

  // Wakes at N apps, one after the other, each a new request to an app chosen at random, each sent back to sleep.
  const woken: number[] = [];
  let failed = 0;
  const statuses: Record<string, number> = {};
  const chosen = new Set<number>();
  while (chosen.size < Math.min(a.wake, a.apps)) chosen.add(Math.floor(Math.random() * a.apps));
  const [first] = chosen;
  for (const i of chosen) {
    const r = await get(a.router, `${name(i)}.${a.domain}`);
    statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    if (r.status !== 200) {
      failed++;
      if (failed <= 3) log(`${name(i)}: ${r.status} in ${round(r.ms, 0)} ms: ${r.body.slice(0, 200).trim()}`);
    }
    woken.push(r.ms);
    // Back to sleep, as its idle time would (compressed): the host holds the apps in use, not all 200 at once. The
    // first stays awake for the config:set below.
    if (i !== first) await api.json('POST', `/apps/${name(i)}/sleep`);
  }
  for (const [status, n] of Object.entries(statuses)) out[`wake_status_${status}`] = n;
  if (woken.length > 0) {
    out.wake_p50_ms = round(median(woken), 0);
    out.wake_p95_ms = round(percentile(woken, 95), 0);
    out.wake_p99_ms = round(percentile(woken, 99), 0);
    out.wake_failed = failed;
  }
  log(
    `${woken.length} wakes at ${a.apps} apps: p50 ${out.wake_p50_ms} ms, p99 ${out.wake_p99_ms} ms, ${failed} failed ` +
      `(answers by status: ${JSON.stringify(statuses)})`,
  );

  // A config:set among N (the source must answer its GREETING, as test/fixtures/apps/env-echo does): from the PATCH
  // to the app answering with the new value (it is awake, from its wake above).
  if (first !== undefined) {
    const app = name(first);
    const greeting = `set-${Date.now()}`;
    const t = performance.now();
    await api.json('PATCH', `/apps/${app}/config-vars`, { GREETING: greeting });
    let last = await get(a.router, `${app}.${a.domain}`);
    while (last.body.trim() !== greeting && performance.now() - t <= 60_000) {
      await sleepMs(20);
      last = await get(a.router, `${app}.${a.domain}`);
    }
    if (last.body.trim() === greeting) out.config_set_serving_ms = round(performance.now() - t, 0);
    else log(`${app} never answered its new GREETING within 60 s (last: ${last.status} ${last.body.slice(0, 200)})`);
  }
  out.memory_end_mb = platformRssMb(stateDir);
  out.total_s = round((performance.now() - t0) / 1000, 0);
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
});
