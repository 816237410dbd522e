import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { DEFAULT_MAX_BODY_MB, DEFAULT_MODULES_INCLUDE } from '../services/router/config.js';
import { HttpUpstreamControl } from '../services/router/control.js';
import { FLUSH_S } from '../services/router/luametrics.js';
import { NginxCli } from '../services/router/nginx.js';
import { renderNginx } from '../services/router/render.js';
import { flags, freePort, median, round, runMain } from './common.js';
import { roundsFields, runWrk, type WrkResult } from './wrk.js';

// The cost of the router's request metrics (luametrics.ts): two nginx from
// the router's own config, request metrics on in one and off in the other
// (PAAS_ROUTER_REQUEST_METRICS), the same app behind both, and the app
// itself asked directly (the floor: no proxy at all); wrk takes turns
// between the three (the order reversed each round, so drift on a shared
// machine hits all alike): throughput (overall, and the median of the
// rounds), latency, and the nginx workers' CPU per request
// (/proc/<pid>/stat), the figure a noisy machine moves least. Then the
// requests the metrics counted against those nginx answered.
//
//   node dist/bench/reqmetrics.js [--backend host:port] [--concurrency 16] [--duration 10] [--warmup 2] [--rounds 5]
//     [--workers 2]
//
// Without --backend the app is a bare Node server in this process (it
// answers "ok"; the load generator, wrk, runs as its own process). Prints
// one JSON object with flat keys on stdout, each round on stderr.

const USAGE =
  'usage: node dist/bench/reqmetrics.js [--backend host:port] [--concurrency C] [--duration S] [--warmup S] [--rounds N] [--workers N]';
const APP = 'bench';
const DOMAIN = 'bench.test';

const run = promisify(execFile);

type Mode = 'on' | 'off';
/** The two nginx, and the app directly. */
type Target = Mode | 'direct';

interface Instance {
  mode: Mode;
  nginx: NginxCli;
  control: HttpUpstreamControl;
  port: number;
  pid: number;
}

/** CPU seconds (user + system) of the master's workers. */
async function workersCpuS(master: number): Promise<number> {
  const { stdout } = await run('ps', ['-o', 'pid=', '--ppid', String(master)]);
  let ticks = 0;
  for (const pid of stdout.split(/\s+/).filter(Boolean)) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11] ?? 0) + Number(fields[12] ?? 0); // utime, stime (fields 14, 15)
  }
  return ticks / 100; // USER_HZ
}

async function start(mode: Mode, dir: string, backend: string, workers: number): Promise<Instance> {
  const [port, controlPort] = [await freePort(), await freePort()];
  const nginx = new NginxCli('nginx', join(dir, mode, 'nginx'));
  const { config } = renderNginx({
    apps: [],
    domain: DOMAIN,
    listen: '127.0.0.1',
    httpPort: port,
    controlPort,
    dir: nginx.paths.dir,
    modulesInclude: DEFAULT_MODULES_INCLUDE,
    maxBodyMb: DEFAULT_MAX_BODY_MB,
    workers,
    requestMetrics: mode === 'on',
  });
  await nginx.install(config);
  const pid = await nginx.start();
  const control = new HttpUpstreamControl(controlPort);
  await control.batch([
    { kind: 'upstreams', app: APP, upstreams: [backend] },
    { kind: 'site', app: APP, site: { maintenance: false, domains: [] } },
  ]);
  return { mode, nginx, control, port, pid };
}

async function bareServer(): Promise<{ server: Server; address: string }> {
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 3 }).end('ok\n');
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, address: `127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const LABEL: Record<Target, string> = { on: 'metrics on', off: 'metrics off', direct: 'the app directly' };

async function main(): Promise<void> {
  const f = flags(process.argv.slice(2), USAGE, ['backend', 'concurrency', 'duration', 'warmup', 'rounds', 'workers']);
  const concurrency = f.int('concurrency', 16, 1);
  const durationS = f.positive('duration', 10);
  const warmupS = f.positive('warmup', 2);
  const rounds = f.int('rounds', 5, 1);
  const workers = f.int('workers', 2, 1);
  const given = f.one('backend');
  const bare = given ? undefined : await bareServer();
  const backend = given ?? (bare?.address as string);
  const dir = await mkdtemp(join(tmpdir(), 'paas-bench-reqmetrics-'));
  await chmod(dir, 0o755); // nginx's workers (nobody, under root) write below
  const instances: Instance[] = [];
  try {
    for (const mode of ['on', 'off'] as const) instances.push(await start(mode, dir, backend, workers));
    const targets: Array<{ name: Target; url: string; headers: string[]; pid?: number }> = [
      ...instances.map((t) => ({
        name: t.mode,
        url: `http://127.0.0.1:${t.port}/`,
        headers: [`Host: ${APP}.${DOMAIN}`],
        pid: t.pid,
      })),
      { name: 'direct', url: `http://${backend}/`, headers: [] },
    ];
    const runs = new Map<Target, Array<WrkResult & { cpuS: number }>>(targets.map((t) => [t.name, []]));
    let answeredOn = 0;
    for (let i = 0; i < rounds; i++) {
      for (const t of i % 2 === 0 ? targets : [...targets].reverse()) {
        const load = { url: t.url, connections: concurrency, headers: t.headers };
        const warm = await runWrk({ ...load, seconds: warmupS });
        const cpu0 = t.pid ? await workersCpuS(t.pid) : 0;
        const r = await runWrk({ ...load, seconds: durationS });
        const cpuS = t.pid ? (await workersCpuS(t.pid)) - cpu0 : 0;
        runs.get(t.name)?.push({ ...r, cpuS });
        if (t.name === 'on') answeredOn += warm.requests + r.requests;
        const cpu = t.pid ? `nginx ${round((cpuS * 1e6) / r.requests, 1)} µs CPU/request, ` : '';
        process.stderr.write(
          `round ${i + 1} ${LABEL[t.name]}: ${round(r.rps, 0)} req/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, ${cpu}${r.failed} failed\n`,
        );
      }
    }
    const out: Record<string, number | string> = { generator: 'wrk', concurrency, duration_s: durationS, rounds };
    const rps: Partial<Record<Target, number>> = {};
    for (const [name, list] of runs) {
      const summed = roundsFields(name, list);
      rps[name] = summed.rps;
      Object.assign(out, summed.fields);
      out[`${name}_rps_round_median`] = round(median(list.map((r) => r.rps)), 0);
      if (name !== 'direct')
        out[`${name}_nginx_cpu_us_per_request`] = round(
          (list.reduce((s, r) => s + r.cpuS, 0) * 1e6) / summed.requests,
          1,
        );
    }
    const [on, off, direct] = [rps.on, rps.off, rps.direct] as [number, number, number];
    out.throughput_ratio = round(on / off, 3);
    // the rounds' medians: a shared machine's outlier rounds (either way) move the totals
    out.round_median_ratio = round((out.on_rps_round_median as number) / (out.off_rps_round_median as number), 3);
    out.on_direct_ratio = round(on / direct, 3);
    out.off_direct_ratio = round(off / direct, 3);
    // on and off run side by side in every round: each round's pair, on's nginx CPU per request less off's
    const perRequest = (r: WrkResult & { cpuS: number }) => (r.cpuS * 1e6) / r.requests;
    const diffs = (runs.get('on') ?? []).map((r, i) => perRequest(r) - perRequest((runs.get('off') ?? [])[i] ?? r));
    out.cpu_us_diff_round_median = round(median(diffs), 1);
    out.cpu_on_higher_rounds = diffs.filter((d) => d > 0).length;
    // what the metrics counted (after the workers' last flush) against what wrk got answered
    await sleep(FLUSH_S * 1000 + 500);
    const counted = (await (instances.find((t) => t.mode === 'on') as Instance).control.requestMetrics()).series
      .filter((s) => s.app === APP)
      .reduce((sum, s) => sum + [...s.values].filter(([k]) => /^[so]\d$/.test(k)).reduce((a, [, v]) => a + v, 0), 0);
    out.on_counted = counted;
    out.on_answered = answeredOn;
    process.stderr.write(
      `metrics on ${out.on_rps} req/s (nginx ${out.on_nginx_cpu_us_per_request} µs/request), off ${out.off_rps} req/s ` +
        `(${out.off_nginx_cpu_us_per_request} µs/request), the app directly ${out.direct_rps} req/s: ` +
        `on / off ${out.throughput_ratio} (rounds' medians ${out.round_median_ratio}), ` +
        `on / direct ${out.on_direct_ratio}, off / direct ${out.off_direct_ratio}; nginx CPU on - off, the rounds' ` +
        `median ${out.cpu_us_diff_round_median} µs/request (on higher in ${out.cpu_on_higher_rounds} of ${rounds}); ` +
        `counted ${counted} of ${answeredOn} answered (wrk leaves out those in flight at its end)\n`,
    );
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } finally {
    for (const t of instances) await t.nginx.stop();
    bare?.server.closeAllConnections();
    bare?.server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

runMain(main);
