import { performance } from 'node:perf_hooks';
import { Api, env, flags, median, percentile, round, runMain, sh } from './common.js';
import { startLoad } from './load.js';

// Lifetime replacement under load (issue 16 item 3): kept-alive load runs
// against an app through the router while its dynos reach their lifetime and
// are replaced blue-green (`<id>.c<N>`, one per process type at a time). The
// benchmark waits for --dynos web dynos up and notes them (GET /apps/:app/dynos), starts the load,
// runs --lifetime-cmd (e.g. `paas ps:lifetime 1m -a APP`), then polls the
// dynos until every one of them shows a new id that is up, waits --settle
// seconds (the old container's drain happens under load) and stops the load.
// Failed = any non-2xx, reset or timeout.
//
//   PAAS_API_URL=http://127.0.0.1:8700 PAAS_TOKEN=... \
//   node dist/bench/lifetime.js --url http://127.0.0.1:80/ --host APP.localhost --app APP --dynos 2 \
//     --lifetime-cmd 'paas ps:lifetime 1m -a APP' [--concurrency 4] [--settle 10] [--timeout 600]
//
// Prints one JSON object with flat keys on stdout, progress on stderr.

const USAGE =
  'usage: node dist/bench/lifetime.js --url URL [--host HOST] --app APP [--lifetime-cmd CMD] [--concurrency C] [--dynos N] [--settle S] [--timeout S] [--type web]';

function parseArgs(argv: readonly string[]) {
  const f = flags(argv, USAGE, [
    'url',
    'host',
    'app',
    'lifetime-cmd',
    'concurrency',
    'settle',
    'timeout',
    'type',
    'dynos',
  ]);
  const host = f.one('host');
  return {
    target: { url: new URL(f.required('url')), ...(host ? { host } : {}) },
    app: f.required('app'),
    lifetimeCmd: f.one('lifetime-cmd'),
    concurrency: Math.max(1, f.int('concurrency', 4)),
    settleS: f.int('settle', 10),
    timeoutS: f.int('timeout', 600, 1),
    type: f.one('type') ?? 'web',
    dynos: f.int('dynos', 1, 1),
  };
}

interface Dyno {
  id: string;
  name: string;
  type: string;
  state: string;
}

const sleepMs = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One dyno's replacement as seen from the API. */
interface Cycle {
  name: string;
  oldId: string;
  newId?: string;
  /** ms after the lifetime was set when the successor first showed. */
  seenAtMs?: number;
  /** ms after the lifetime was set when the successor was up. */
  upAtMs?: number;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const api = new Api(env('PAAS_API_URL'), env('PAAS_TOKEN'));
  const dynos = async () =>
    (await api.json<Dyno[]>('GET', `/apps/${o.app}/dynos`)).filter((d) => d.type === o.type && d.state !== 'crashed');
  // --dynos N: until N of them are all up (a scale just made), at most 3 minutes
  const upBy = performance.now() + 180_000;
  let first = await dynos();
  while ((first.length < o.dynos || first.some((d) => d.state !== 'up')) && performance.now() < upBy) {
    await sleepMs(500);
    first = await dynos();
  }
  if (first.length === 0 || first.length < o.dynos || first.some((d) => d.state !== 'up'))
    throw new Error(`${o.app}'s ${o.type} dynos are not all up: ${JSON.stringify(first.map((d) => [d.id, d.state]))}`);
  const cycles = new Map<string, Cycle>(first.map((d) => [d.name, { name: d.name, oldId: d.id }]));

  const load = startLoad(o.target, { keepAlive: true, concurrency: o.concurrency, recordLatency: true });
  const t0 = performance.now();
  await sleepMs(1000); // load on the old dynos first
  if (o.lifetimeCmd) {
    const r = await sh(o.lifetimeCmd);
    if (r.code !== 0) {
      await load.stop();
      throw new Error(`--lifetime-cmd failed (${r.code}): ${r.output.trim().slice(-500)}`);
    }
  }
  const set = performance.now();
  const deadline = set + o.timeoutS * 1000;
  let timedOut = false;
  let pollErrors = 0;
  for (;;) {
    const now = await dynos().catch(() => {
      pollErrors++;
      return undefined;
    });
    const at = performance.now() - set;
    for (const d of now ?? []) {
      const c = cycles.get(d.name);
      if (!c || d.id === c.oldId) continue;
      // the first successor only: a later cycle (the new one reaching its lifetime too) keeps the first one's times
      if (c.newId === undefined) {
        Object.assign(c, { newId: d.id, seenAtMs: at });
        process.stderr.write(`${d.name}: ${c.oldId} -> ${d.id} at ${round(at / 1000, 1)} s\n`);
      }
      if (c.newId === d.id && d.state === 'up' && c.upAtMs === undefined) {
        c.upAtMs = at;
        process.stderr.write(`${d.name}: ${d.id} up at ${round(at / 1000, 1)} s\n`);
      }
    }
    if ([...cycles.values()].every((c) => c.upAtMs !== undefined)) break;
    if (performance.now() > deadline) {
      timedOut = true;
      break;
    }
    await sleepMs(250);
  }
  await sleepMs(o.settleS * 1000);
  const r = await load.stop();
  const loadS = (performance.now() - t0) / 1000;

  const out: Record<string, number | string | boolean> = {
    app: o.app,
    dynos: cycles.size,
    cycled: [...cycles.values()].filter((c) => c.upAtMs !== undefined).length,
    timed_out: timedOut,
    requests: r.requests,
    failed: r.failed,
    failures: JSON.stringify({ ...r.statuses, ...r.errors }),
    concurrency: o.concurrency,
    load_s: round(loadS, 1),
    requests_per_s: round(r.requests / loadS, 0),
    latency_p50_ms: round(median(r.latenciesMs), 1),
    latency_p99_ms: round(percentile(r.latenciesMs, 99), 1),
    latency_max_ms: round(
      r.latenciesMs.reduce((m, x) => Math.max(m, x), 0),
      1,
    ),
    poll_errors: pollErrors,
  };
  const ups = [...cycles.values()].map((c) => c.upAtMs).filter((x): x is number => x !== undefined);
  if (ups.length === cycles.size) out.all_cycled_s = round(Math.max(...ups) / 1000, 1);
  for (const c of cycles.values()) {
    const k = c.name.replace(/\W/g, '_');
    out[`${k}_old`] = c.oldId;
    out[`${k}_new`] = c.newId ?? 'n/a';
    if (c.seenAtMs !== undefined) out[`${k}_successor_at_s`] = round(c.seenAtMs / 1000, 1);
    if (c.upAtMs !== undefined) out[`${k}_up_at_s`] = round(c.upAtMs / 1000, 1);
    if (c.seenAtMs !== undefined && c.upAtMs !== undefined)
      out[`${k}_successor_up_ms`] = round(c.upAtMs - c.seenAtMs, 0);
  }
  process.stderr.write(`${JSON.stringify(out, null, 1)}\n`);
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

runMain(main);
