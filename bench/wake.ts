import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import Docker from 'dockerode';
import { Api, env, flags, latestSlug, median, percentile, round, runMain } from './common.js';

// Wake benchmark against a live platform (issue 16): for each app, N times:
// put it to sleep (POST /apps/:app/sleep), wait until its web dynos are
// parked, then time one request through the router (a new connection) from
// its start to the end of the answer (a frozen wake when the host's frozen
// tier has room: an unpause); then up to 20 cold wakes, each after a config
// change while asleep (its container made again, never started: the wake is a
// start and the app's boot). Beside it, in the same run: the same
// app's answer while awake (a new connection each), and the floor, a bare
// `docker start` of a created copy of the app's web container (same image,
// command, user, network; no port published) until it answers on its own
// address. With --concurrent N, N apps are made from --source's release (a
// slug promotion: no build), put to sleep together and woken by one request
// each at the same moment.
//
//   PAAS_API_URL=http://127.0.0.1:8700 PAAS_TOKEN=... \
//   node dist/bench/wake.js --router http://127.0.0.1:80 [--domain localhost] \
//     [--app NAME ...] [--wakes 50] [--concurrent 50 --source NAME] [--cluster paas]
//
// Prints one JSON object with flat keys on stdout, a summary on stderr.

const USAGE =
  'usage: node dist/bench/wake.js --router URL [--domain D] [--app NAME ...] [--wakes N] [--concurrent N --source APP] [--cluster C]';

function parseArgs(argv: readonly string[]) {
  const f = flags(argv, USAGE, ['router', 'domain', 'app', 'wakes', 'concurrent', 'source', 'cluster']);
  const concurrent = f.int('concurrent', 0, 0);
  const source = f.one('source');
  if (concurrent > 0 && !source) throw new Error(`--concurrent needs --source\n${USAGE}`);
  return {
    router: new URL(f.required('router')),
    domain: f.one('domain') ?? 'localhost',
    apps: f.all('app'),
    wakes: f.int('wakes', 50, 1),
    concurrent,
    source,
    cluster: f.one('cluster') ?? 'paas',
  };
}

type Args = ReturnType<typeof parseArgs>;

const sleepMs = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One GET on a new connection: the status and the milliseconds until the answer's end. */
function get(url: URL, host: string, timeoutMs = 60_000): Promise<{ status: number; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = request(
      { host: url.hostname, port: url.port || 80, path: '/', headers: { host }, agent: false, timeout: timeoutMs },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0 }));
        res.on('error', () => resolve({ status: 0, ms: performance.now() - t0 }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, ms: performance.now() - t0 }));
    req.end();
  });
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleepMs(50);
  }
}

interface Dyno {
  name: string;
  type: string;
  state: string;
  release?: { version: number };
}

/** Until every web dyno of the app has the state. */
const webDynos = (api: Api, app: string, state: string) =>
  until(`${app}'s web dynos ${state}`, 120_000, async () => {
    const web = (await api.json<Dyno[]>('GET', `/apps/${app}/dynos`)).filter((d) => d.type === 'web');
    return web.length > 0 && web.every((d) => d.state === state) ? true : undefined;
  });

/** Asks the app to sleep and waits until its web dynos are parked. */
async function putToSleep(api: Api, app: string): Promise<void> {
  await api.json('POST', `/apps/${app}/sleep`);
  await webDynos(api, app, 'sleeping');
}

const stats = (xs: readonly number[]) => ({
  p50: round(median(xs), 1),
  p95: round(percentile(xs, 95), 1),
  p99: round(percentile(xs, 99), 1),
  max: round(Math.max(...xs), 1),
});

/** The floor: a created copy of the app's web container, started and asked until it answers on its own address. */
async function floor(docker: Docker, cluster: string, app: string, runs: number) {
  const [c] = await docker.listContainers({
    filters: { label: [`paas.cluster=${cluster}`, `paas.app=${app}`, 'paas.type=web'] },
  });
  if (!c) throw new Error(`no running web container of ${app} to copy`);
  const info = await docker.getContainer(c.Id).inspect();
  const network = info.HostConfig.NetworkMode ?? 'bridge';
  const copy = await docker.createContainer({
    name: `bench-floor-${app}-${process.pid}`,
    Image: info.Config.Image,
    Cmd: info.Config.Cmd,
    Env: info.Config.Env,
    User: info.Config.User,
    WorkingDir: info.Config.WorkingDir,
    HostConfig: { NetworkMode: network, Init: true, Memory: info.HostConfig.Memory ?? 0 },
  });
  const start: number[] = [];
  const answer: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      await copy.start();
      start.push(performance.now() - t0);
      const ip = Object.values((await copy.inspect()).NetworkSettings.Networks)[0]?.IPAddress;
      if (!ip) throw new Error('the floor container has no address');
      const url = new URL(`http://${ip}:5000/`);
      for (;;) {
        if ((await get(url, `${app}.floor`, 1000)).status > 0) break;
        if (performance.now() - t0 > 60_000) throw new Error('the floor container never answered');
        await sleepMs(5);
      }
      answer.push(performance.now() - t0);
      await copy.stop({ t: 2 });
    }
  } finally {
    await copy.remove({ force: true }).catch(() => undefined);
  }
  return { start: stats(start), answer: stats(answer) };
}

async function wakes(api: Api, a: Args, app: string) {
  const host = `${app}.${a.domain}`;
  const awake: number[] = [];
  await until(`${app} to answer`, 120_000, async () => ((await get(a.router, host)).status === 200 ? true : undefined));
  for (let i = 0; i < 20; i++) awake.push((await get(a.router, host)).ms);
  const woken: number[] = [];
  let failed = 0;
  for (let i = 0; i < a.wakes; i++) {
    await putToSleep(api, app);
    const r = await get(a.router, host);
    if (r.status !== 200) failed++;
    woken.push(r.ms);
    await webDynos(api, app, 'up');
  }
  // Cold: a config change while it sleeps makes its container again (created, never started), so the wake is a
  // start and the app's boot, as for an app that fell asleep before its host's frozen tier had room.
  const cold: number[] = [];
  for (let i = 0; i < Math.min(a.wakes, 20); i++) {
    await putToSleep(api, app);
    await api.json('PATCH', `/apps/${app}/config-vars`, { BENCH_COLD: String(i) });
    const latest = Math.max(
      ...(await api.json<{ version: number }[]>('GET', `/apps/${app}/releases`)).map((r) => r.version),
    );
    await until(`${app}'s web dynos made again for v${latest}, asleep`, 60_000, async () => {
      const web = (await api.json<Dyno[]>('GET', `/apps/${app}/dynos`)).filter((d) => d.type === 'web');
      return web.length > 0 && web.every((d) => d.state === 'sleeping' && d.release?.version === latest)
        ? true
        : undefined;
    });
    const r = await get(a.router, host);
    if (r.status !== 200) failed++;
    cold.push(r.ms);
    await webDynos(api, app, 'up');
  }
  return { awake: stats(awake), wake: stats(woken), cold: stats(cold), failed };
}

/** N apps from the source's release, asleep together, woken at the same moment. */
async function concurrent(api: Api, a: Args, n: number, source: string) {
  const info = await latestSlug(api, source);
  if (!info.slug) throw new Error(`${source} has no build to promote`);
  const names = Array.from({ length: n }, (_, i) => `wake-${process.pid % 10000}-${i + 1}`);
  const t0 = performance.now();
  for (const name of names) {
    await api.json('POST', '/apps', { name });
    // eco, the size made to sleep: N standard-1x apps awake together would not fit this host's CPU shares
    await api.json('PATCH', `/apps/${name}/formation/web`, { size: 'eco' });
    await api.json('POST', `/apps/${name}/releases`, { slug: info.slug.id });
  }
  for (const name of names)
    await until(`${name} to answer`, 300_000, async () =>
      (await get(a.router, `${name}.${a.domain}`)).status === 200 ? true : undefined,
    );
  const setupMs = performance.now() - t0;
  try {
    await Promise.all(names.map((name) => api.json('POST', `/apps/${name}/sleep`)));
    for (const name of names) await webDynos(api, name, 'sleeping');
    const t1 = performance.now();
    const results = await Promise.all(names.map((name) => get(a.router, `${name}.${a.domain}`)));
    const totalMs = performance.now() - t1;
    const ok = results.filter((r) => r.status === 200);
    return {
      apps: n,
      setup_ms: round(setupMs, 0),
      ...stats(results.map((r) => r.ms)),
      failed: results.length - ok.length,
      all_answered_ms: round(totalMs, 0),
      wakes_per_s: round((ok.length / totalMs) * 1000, 1),
    };
  } finally {
    for (const name of names) await api.json('DELETE', `/apps/${name}`).catch(() => undefined);
  }
}

runMain(async () => {
  const a = parseArgs(process.argv.slice(2));
  const api = new Api(env('PAAS_API_URL'), env('PAAS_TOKEN'));
  const docker = new Docker();
  const out: Record<string, number> = {};
  const put = (prefix: string, o: Record<string, number | Record<string, number>>) => {
    for (const [k, v] of Object.entries(o)) {
      if (typeof v === 'number') out[`${prefix}_${k}`] = v;
      else for (const [k2, v2] of Object.entries(v)) out[`${prefix}_${k}_${k2}_ms`] = v2;
    }
  };
  for (const app of a.apps) {
    const w = await wakes(api, a, app);
    const f = await floor(docker, a.cluster, app, Math.min(a.wakes, 20));
    put(app, {
      wake: w.wake,
      cold: w.cold,
      awake: w.awake,
      floor_start: f.start,
      floor_answer: f.answer,
      failed: w.failed,
    });
    process.stderr.write(
      `${app}: wake p50 ${w.wake.p50} ms p95 ${w.wake.p95} p99 ${w.wake.p99}; cold wake p50 ${w.cold.p50} ms p99 ${w.cold.p99} ` +
        `(${w.failed} failed); awake p50 ${w.awake.p50} ms; ` +
        `floor: docker start ${f.start.p50} ms, answering ${f.answer.p50} ms\n`,
    );
  }
  if (a.concurrent > 0 && a.source) {
    const c = await concurrent(api, a, a.concurrent, a.source);
    for (const [k, v] of Object.entries(c)) out[`concurrent_${k}`] = v;
    process.stderr.write(
      `${c.apps} apps woken at once: p50 ${c.p50} ms p99 ${c.p99} ms, ${c.failed} failed, all in ${c.all_answered_ms} ms\n`,
    );
  }
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
});
