import { performance } from 'node:perf_hooks';
import { Store } from '../services/core/store.js';
import { routeUpstreams, type StoredRoute } from '../services/core/routes.js';
import { Api, env, flags, median, runMain } from './common.js';

// Rollout benchmark against a live platform: the time from a release being
// created (the answer to a config-only release, PATCH config-vars) until the
// app's route in etcd names that release, lists the expected number of web
// upstreams, and each of them answers HTTP. For web=1 and web=3, N runs each.
// The app must be deployed already (it is scaled through the API, and put
// back to its formation and config at the end). Between runs it waits,
// untimed, until the previous release's containers are gone.
//
//   PAAS_API_URL=http://127.0.0.1:8700 PAAS_TOKEN=... \
//   PAAS_ETCD_ENDPOINTS=http://127.0.0.1:2379 PAAS_ETCD_PREFIX=/paas \
//   node dist/bench/rollout.js --app NAME [--runs 3] [--timeout 120]
//
// Prints one JSON object with flat keys on stdout, a summary on stderr.

const VAR = 'BENCH_ROLLOUT';
const QUANTITIES = [1, 3] as const;

function parseArgs(argv: readonly string[]) {
  const usage = 'usage: node dist/bench/rollout.js --app NAME [--runs N] [--timeout SECONDS]';
  const f = flags(
    argv.map((a, i) => (a === '-a' && i % 2 === 0 ? '--app' : a)),
    usage,
    ['app', 'runs', 'timeout'],
  );
  return { app: f.required('app'), runs: f.int('runs', 3, 1), timeoutMs: f.int('timeout', 120, 1) * 1000 };
}

/** Whether the upstream answers HTTP at all (any status below 500) within 2 s. */
async function answers(upstream: string): Promise<boolean> {
  try {
    const res = await fetch(`http://${upstream}/`, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.status < 500;
  } catch {
    return false;
  }
}

/**
 * Polls the route until it names `release` (or any, when 0) with `n` answering upstreams; resolves at that moment
 * (performance.now()).
 */
async function routed(store: Store, app: string, release: number, n: number, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const r = await store.get<StoredRoute>(store.keys.route(app));
    if (r && (release === 0 || r.release === release) && routeUpstreams(r).length === n && !r.maintenance) {
      if ((await Promise.all(routeUpstreams(r).map(answers))).every(Boolean)) return performance.now();
    }
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${app}'s route to name v${release || 'any'} with ${n} answering upstreams`,
  );
}

/**
 * Waits (untimed) until the app runs only `n` containers, the drained ones of
 * the previous release removed, so each run starts from a steady state: a
 * release made while the last one drains keeps that one's containers too.
 */
async function settled(store: Store, app: string, n: number, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if ((await store.list(store.keys.instances(app))).length === n) return;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${app} to run only ${n} containers`);
}

async function setVar(api: Api, app: string, value: string | null): Promise<number> {
  const res = await api.call('PATCH', `/apps/${encodeURIComponent(app)}/config-vars`, { [VAR]: value });
  const version = Number(res.headers.get('paas-release-version'));
  if (!Number.isInteger(version) || version < 1)
    throw new Error('PATCH config-vars answered without a Paas-Release-Version header');
  return version;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const api = new Api(env('PAAS_API_URL'), env('PAAS_TOKEN'));
  const store = Store.connect(env('PAAS_ETCD_ENDPOINTS').split(','), process.env.PAAS_ETCD_PREFIX || '/paas');
  const app = encodeURIComponent(opts.app);
  const web = (await (await api.call('GET', `/apps/${app}/formation/web`)).json()) as { quantity: number };
  const hadVar = VAR in ((await (await api.call('GET', `/apps/${app}/config-vars`)).json()) as Record<string, string>);
  const out: Record<string, number> = {};
  try {
    for (const q of QUANTITIES) {
      await api.call('PATCH', `/apps/${app}/formation/web`, { quantity: q });
      await routed(store, opts.app, 0, q, opts.timeoutMs);
      await settled(store, opts.app, q, opts.timeoutMs);
      const times: number[] = [];
      for (let run = 1; run <= opts.runs; run++) {
        const version = await setVar(api, opts.app, `${Date.now()}-${q}-${run}`);
        const created = performance.now();
        const ms = Math.round((await routed(store, opts.app, version, q, opts.timeoutMs)) - created);
        times.push(ms);
        await settled(store, opts.app, q, opts.timeoutMs);
        process.stderr.write(`web=${q} run ${run}: v${version} routed and answering after ${ms} ms\n`);
      }
      out[`rollout_web${q}_ms_median`] = median(times);
      out[`rollout_web${q}_ms_min`] = Math.min(...times);
      out[`rollout_web${q}_ms_max`] = Math.max(...times);
      out[`rollout_web${q}_runs`] = times.length;
    }
  } finally {
    // Put the app back as it was: its web quantity, and no benchmark variable.
    await api.call('PATCH', `/apps/${app}/formation/web`, { quantity: web.quantity }).catch(() => undefined);
    if (!hadVar) await setVar(api, opts.app, null).catch(() => undefined);
    store.close();
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
  for (const q of QUANTITIES) {
    process.stderr.write(
      `rollout web=${q}: median ${out[`rollout_web${q}_ms_median`]} ms (min ${out[`rollout_web${q}_ms_min`]}, max ${out[`rollout_web${q}_ms_max`]}, ${opts.runs} runs)\n`,
    );
  }
}

runMain(main);
