import { execFileSync, spawn } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect as tlsConnect, type DetailedPeerCertificate } from 'node:tls';
import acme from 'acme-client';
import type { AutoCertView, CertView } from '../services/core/api.js';
import { Store } from '../services/core/store.js';
import type { AcmeChallenge } from '../services/core/types.js';
import { startPebble } from '../test/support/pebble.js';
import { TestCa } from '../test/support/tls.js';
import { Api, env, flags, median, percentile, round, runMain, sh } from './common.js';
import { flatLoad, startLoad, type Target } from './load.js';
import { runWrk, wrkConnectTo } from './wrk.js';

// HTTPS through the router (issue 17), against a live platform whose app
// --app (the Express fixture) is deployed, measured at one of its custom
// domains (--domain, www.<app>.test) with a certificate uploaded by the
// bench: made with openssl by a CA of the bench's own (test/support/tls.ts),
// so clients that verify trust that CA and that name only.
//
//   1. Throughput and latency, HTTPS against HTTP, same app, same run, the
//      targets in turn for --rounds rounds (drift hits all): kept-alive (wrk,
//      C connections); a new connection per request with wrk (`Connection:
//      close`: wrk keeps its TLS session across its reconnects, so these are
//      resumed handshakes, and its latency is timed from the request written,
//      after connect and handshake); a new connection and a full handshake per
//      request with curl (--no-sessionid, --parallel C, `Connection: close`;
//      its latency is the whole transfer: connect, handshake, answer). wrk is
//      pointed at 127.0.0.1 by a Lua resolve (wrkConnectTo), so its URL's host
//      is the Host header and the SNI; curl by --resolve. HTTP/1.1 throughout
//      (wrk speaks nothing else; curl is held to it). Beside each measure, the
//      CPU it took per request: nginx's (its master and workers, by the pid
//      file under --state-dir), the load generator's, and how busy the machine
//      was; a full handshake is costly on both ends, so on a small machine the
//      client's share bounds what the router is asked.
//   2. Failed requests under HTTPS load (load.ts: C kept-alive connections and
//      C loops of a new connection, so a new full handshake, per request, each
//      verifying the certificate against the bench's CA for the domain) while
//      `paas certs:update` replaces the certificate --updates times (each
//      waited until a new handshake gets it), then while `paas config:set`
//      redeploys the app --deploys times (each waited until /greeting answers
//      the new value six times in a row: only the new release answers), as
//      bench/swap.ts does over HTTP. Failed = any non-2xx, reset, timeout or
//      TLS error (a wrong or missing certificate), by status or code.
//   3. `paas certs:auto:enable` until a new handshake for a new custom
//      domain gets a certificate issued by the platform's ACME server (Pebble,
//      started by `https.js acme-server` before the platform: see there),
//      --acme-runs times: each run adds a domain acme<N>.<app>.test, enables,
//      waits, disables (the ACME certificate goes) and removes the domain. The
//      --acme-timeout caps a run; the orders that failed meanwhile are counted
//      (the domain marked failing in `certs:auto`, with the server's error).
//      Before the runs: how long after an AcmeChallenge record is written the
//      router answers it (challengeLag), which an order needs before the ACME
//      server validates. The floor, same run: a second Pebble issuing one
//      certificate to a bare acme-client answering its own HTTP-01 challenge
//      (the controller's polling: 1 s doubling), from the order to the
//      certificate.
//
//   PAAS_API_URL=... PAAS_TOKEN=... node dist/bench/https.js --app APP \
//     --cli 'node dist/cli/main.js' [--domain www.APP.test] [--http-port 80] [--https-port 443] \
//     [--concurrency 16] [--duration 10] [--warmup 2] [--rounds 3] [--load-concurrency 4] \
//     [--updates 20] [--deploys 20] [--acme-runs 3] [--acme-timeout 60] [--settle 5] [--state-dir DIR]
//
// Prints one JSON object with flat keys on stdout, progress on stderr.
//
//   node dist/bench/https.js acme-server --http-port PORT --ca-file FILE --out FILE
//
// runs Pebble (test/support/pebble.ts: its directory on a free port of
// 127.0.0.1, every name resolved to 127.0.0.1 by a DNS responder of its own,
// HTTP-01 validated at 127.0.0.1:PORT, the router's HTTP port) until SIGTERM;
// once it serves, writes its HTTPS CA to --ca-file and {"directoryUrl"} to
// --out, which scripts/bench turns into PAAS_ACME_DIRECTORY_URL and
// PAAS_ACME_CA_FILE before scripts/up starts the controller.

const USAGE =
  "usage: node dist/bench/https.js --app APP --cli 'node dist/cli/main.js' [--domain HOST] [--http-port P] [--https-port P] [--concurrency C] [--duration S] [--warmup S] [--rounds N] [--load-concurrency C] [--updates N] [--deploys N] [--acme-runs N] [--acme-timeout S] [--settle S] [--state-dir DIR]\n" +
  '       node dist/bench/https.js acme-server --http-port PORT --ca-file FILE --out FILE';

interface Options {
  app: string;
  cli: string;
  domain: string;
  httpPort: number;
  httpsPort: number;
  concurrency: number;
  durationS: number;
  warmupS: number;
  rounds: number;
  loadConcurrency: number;
  updates: number;
  deploys: number;
  acmeRuns: number;
  acmeTimeoutS: number;
  settleS: number;
  /** The platform's state directory (nginx's pid file: its CPU); PAAS_STATE_DIR when absent. */
  stateDir?: string;
}

function parseArgs(argv: readonly string[]): Options {
  const f = flags(argv, USAGE, [
    'app',
    'cli',
    'domain',
    'http-port',
    'https-port',
    'concurrency',
    'duration',
    'warmup',
    'rounds',
    'load-concurrency',
    'updates',
    'deploys',
    'acme-runs',
    'acme-timeout',
    'settle',
    'state-dir',
  ]);
  const app = f.required('app');
  return {
    app,
    cli: f.required('cli'),
    domain: (f.one('domain') ?? `www.${app}.test`).toLowerCase(),
    httpPort: f.int('http-port', 80, 1),
    httpsPort: f.int('https-port', 443, 1),
    concurrency: f.int('concurrency', 16, 1),
    durationS: f.positive('duration', 10),
    warmupS: f.positive('warmup', 2),
    rounds: f.int('rounds', 3, 1),
    loadConcurrency: f.int('load-concurrency', 4, 1),
    updates: f.int('updates', 20),
    deploys: f.int('deploys', 20),
    acmeRuns: f.int('acme-runs', 3),
    acmeTimeoutS: f.int('acme-timeout', 60, 1),
    settleS: f.int('settle', 5),
    ...((f.one('state-dir') ?? process.env.PAAS_STATE_DIR) && {
      stateDir: f.one('state-dir') ?? process.env.PAAS_STATE_DIR,
    }),
  };
}

const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

/** Runs `paas ARGS` (the --cli command); its exit code, output and duration. */
async function paas(o: Options, args: string): Promise<{ code: number | null; output: string; ms: number }> {
  const t0 = performance.now();
  const r = await sh(`${o.cli} ${args}`);
  return { ...r, ms: performance.now() - t0 };
}

/** Like paas(), throwing when the command fails. */
async function mustPaas(o: Options, args: string): Promise<number> {
  const r = await paas(o, args);
  if (r.code !== 0) throw new Error(`paas ${args} failed (${r.code}): ${r.output.trim().slice(-500)}`);
  return r.ms;
}

/** Polls `ok` every `everyMs` until it holds (the ms it took) or `timeoutMs` pass (undefined). */
async function until(ok: () => Promise<boolean>, timeoutMs: number, everyMs = 20): Promise<number | undefined> {
  const t0 = performance.now();
  while (performance.now() - t0 < timeoutMs) {
    if (await ok()) return performance.now() - t0;
    await sleep(everyMs);
  }
  return undefined;
}

/** The certificate a new handshake for `servername` gets at 127.0.0.1:port (not verified), or undefined. */
function peerCertificate(port: number, servername: string): Promise<DetailedPeerCertificate | undefined> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false });
    const done = (c?: DetailedPeerCertificate) => {
      socket.destroy();
      resolve(c);
    };
    socket.setTimeout(3000, () => done());
    socket.once('secureConnect', () => done(socket.getPeerCertificate(true)));
    socket.once('error', () => done());
  });
}

const bare = (fingerprint: string) => fingerprint.replace(/:/g, '').toLowerCase();

/** Until a new handshake for the domain gets the certificate of that fingerprint; the ms, or undefined after 30 s. */
function untilServed(o: Options, fingerprint: string): Promise<number | undefined> {
  return until(
    async () => bare((await peerCertificate(o.httpsPort, o.domain))?.fingerprint256 ?? '') === bare(fingerprint),
    30_000,
  );
}

/** One GET over HTTPS, verified for the target's name and CA, on a new connection: the body of a 200, else undefined. */
function get(t: Target, path: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = httpsRequest(
      {
        host: t.url.hostname,
        port: t.url.port,
        path,
        headers: { host: t.host },
        ca: t.tls?.ca,
        servername: t.tls?.servername,
        agent: false,
        timeout: 5000,
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve(res.statusCode === 200 ? text : undefined));
        res.on('error', () => resolve(undefined));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

/**
 * `n` new connections in a row for the domain, each offering the session of the one before: how many the router
 * resumed (of n - 1), and the protocol and cipher it chose.
 */
async function resumption(
  o: Options,
  ca: string,
  n = 20,
): Promise<{ resumed: number; protocol: string; cipher: string }> {
  let session: Buffer | undefined;
  let resumed = 0;
  let protocol = '';
  let cipher = '';
  for (let i = 0; i < n; i++) {
    await new Promise<void>((resolve) => {
      const s = tlsConnect({
        host: '127.0.0.1',
        port: o.httpsPort,
        servername: o.domain,
        ca,
        ...(session && { session }),
      });
      s.setTimeout(5000, () => s.destroy());
      s.on('session', (b: Buffer) => (session = b));
      s.once('secureConnect', () => {
        if (s.isSessionReused()) resumed++;
        protocol = s.getProtocol() ?? '';
        cipher = s.getCipher().name;
        s.write(`GET / HTTP/1.1\r\nHost: ${o.domain}\r\nConnection: close\r\n\r\n`); // the router closes after it
      });
      s.on('data', () => undefined);
      s.once('close', () => resolve());
      s.once('error', () => resolve());
    });
  }
  return { resumed, protocol, cipher };
}

/** One measured run of a load tool: requests in seconds, latency percentiles, failures. */
interface Run {
  requests: number;
  seconds: number;
  p50Ms: number;
  p99Ms: number;
  failed: number;
  failures: Record<string, number>;
  /** The CPU it took (clock ticks), when measured. */
  cpu?: Cpu;
}

/**
 * curl as the load of a new connection per request (`Connection: close`, --no-sessionid: a full TLS handshake each
 * for https), `parallel` transfers at a time, for `seconds` (then stopped). Each transfer's status, exit code and
 * whole time are written to stderr (unbuffered) by -w; those counted are the ones finished before the stop.
 */
async function curlLoad(c: {
  url: string;
  /** --resolve's host:port:address. */
  resolveTo: string;
  /** The CA file to verify against; absent: not verified (-k). */
  caFile?: string;
  /** A Host header other than the URL's host (which stays the SNI). */
  host?: string;
  parallel: number;
  seconds: number;
}): Promise<Run> {
  const { parallel, seconds } = c;
  const args = [
    ...['-s', '--http1.1', '--no-sessionid', '--parallel', '--parallel-immediate', '--parallel-max', String(parallel)],
    ...['-H', 'Connection: close', '--resolve', c.resolveTo, '-o', '/dev/null'],
    ...(c.caFile ? ['--cacert', c.caFile] : ['-k']),
    ...(c.host ? ['-H', `Host: ${c.host}`] : []),
    ...['-w', '%{stderr}%{http_code} %{exitcode} %{time_total}\\n', `${c.url}?[1-100000000]`],
  ];
  const child = spawn('curl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const latencies: number[] = [];
  const failures: Record<string, number> = {};
  let failed = 0;
  let stopped = false;
  let rest = '';
  let lastLine = '';
  child.stderr.on('data', (d: Buffer) => {
    if (stopped) return;
    const lines = (rest + d.toString()).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      const m = /^(\d{3}) (\d+) ([\d.]+)$/.exec(line);
      if (!m) {
        lastLine = line;
        continue;
      }
      latencies.push(Number(m[3]) * 1000);
      if (m[2] !== '0' || !m[1]?.startsWith('2')) {
        failed++;
        const key = m[2] !== '0' ? `curl exit ${m[2]}` : `HTTP ${m[1]}`;
        failures[key] = (failures[key] ?? 0) + 1;
      }
    }
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  });
  const t0 = performance.now();
  const early = await Promise.race([exited.then((code) => ({ code })), sleep(seconds * 1000)]);
  const elapsed = (performance.now() - t0) / 1000;
  stopped = true;
  child.kill('SIGTERM');
  await exited.catch(() => undefined);
  if (early || latencies.length === 0)
    throw new Error(`curl stopped early or answered nothing (${JSON.stringify(early)}): ${lastLine || rest}`);
  return {
    requests: latencies.length,
    seconds: elapsed,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    failed,
    failures,
  };
}

/** CPU so far, in clock ticks: nginx (its master and workers), this process's reaped children (wrk, curl), the machine. */
interface Cpu {
  nginx: number;
  client: number;
  busy: number;
  total: number;
}

/** Fields of /proc/<pid>/stat after the command's name: [0] is field 3 (state), so field n is at n - 3. */
function statFields(pid: number | 'self'): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** Reads the CPU counters (nginx's 0 when its pid file under `stateDir` cannot be read). */
function cpuNow(stateDir: string | undefined): Cpu {
  const self = statFields('self') ?? [];
  const client = Number(self[13]) + Number(self[14]); // cutime, cstime: children waited for
  let nginx = 0;
  const master = stateDir ? Number(readFileSync(join(stateDir, 'nginx', 'nginx.pid'), 'utf8').trim()) : NaN;
  if (Number.isInteger(master) && master > 0) {
    for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      const f = statFields(Number(p));
      if (f && (Number(p) === master || Number(f[1]) === master)) nginx += Number(f[11]) + Number(f[12]); // utime, stime
    }
  }
  const cpu = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').split(/\s+/).slice(1).map(Number);
  const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
  return { nginx, client, busy: total - (cpu[3] ?? 0) - (cpu[4] ?? 0), total };
}

const TICK_US = 1e6 / Number(execFileSync('getconf', ['CLK_TCK']).toString().trim() || 100);

type Scheme = 'http' | 'https';
/**
 * keepalive: wrk; close: wrk with Connection: close (TLS resumed); full: curl, a full handshake per request; fallback
 * (https only): the same for a name no certificate covers, so nginx's fallback of its config, none set by Lua.
 */
type Kind = 'keepalive' | 'close' | 'full' | 'fallback';

/** A name that no app's certificate covers (the fallback's SNI), sent with the app's Host. */
const UNCOVERED = 'no-certificate.bench.test';

/** Phase 1: the six targets in turn, --rounds times; per target: req/s, p50/p99 (medians of the rounds), failed. */
async function throughput(o: Options, ca: TestCa, dir: string): Promise<Record<string, number | string>> {
  const script = wrkConnectTo(dir, '127.0.0.1');
  const port = (s: Scheme) => (s === 'http' ? o.httpPort : o.httpsPort);
  const url = (s: Scheme) => `${s}://${o.domain}:${port(s)}/`;
  const caFile = join(ca.dir, 'ca.crt');
  const measure = async (s: Scheme, k: Kind, seconds: number): Promise<Run> => {
    if (k === 'full' || k === 'fallback') {
      const name = k === 'full' ? o.domain : UNCOVERED;
      return curlLoad({
        url: `${s}://${name}:${port(s)}/`,
        resolveTo: `${name}:${port(s)}:127.0.0.1`,
        ...(k === 'full' ? { caFile } : { host: o.domain }),
        parallel: o.concurrency,
        seconds,
      });
    }
    const w = await runWrk({
      url: url(s),
      connections: o.concurrency,
      seconds,
      script,
      ...(k === 'close' && { headers: ['Connection: close'] }),
    });
    return { ...w, failures: {} };
  };
  const targets: Array<[Scheme, Kind]> = [];
  for (const k of ['keepalive', 'close', 'full'] as const)
    for (const s of ['http', 'https'] as const) targets.push([s, k]);
  targets.push(['https', 'fallback']);
  const runs = new Map<string, Run[]>(targets.map(([s, k]) => [`${s}_${k}`, []]));
  for (let i = 1; i <= o.rounds; i++) {
    for (const [s, k] of targets) {
      await measure(s, k, o.warmupS);
      const before = cpuNow(o.stateDir);
      const r = await measure(s, k, o.durationS);
      const after = cpuNow(o.stateDir);
      r.cpu = {
        nginx: after.nginx - before.nginx,
        client: after.client - before.client,
        busy: after.busy - before.busy,
        total: after.total - before.total,
      };
      runs.get(`${s}_${k}`)?.push(r);
      log(
        `round ${i} ${s} ${k}: ${round(r.requests / r.seconds, 0)} req/s, p50 ${round(r.p50Ms)} ms, p99 ${round(r.p99Ms)} ms, ${r.failed} failed; CPU per request: nginx ${round((r.cpu.nginx * TICK_US) / r.requests, 0)} µs, load ${round((r.cpu.client * TICK_US) / r.requests, 0)} µs; machine ${round((100 * r.cpu.busy) / r.cpu.total, 0)}% busy`,
      );
    }
  }
  const out: Record<string, number | string> = {};
  const rps: Record<string, number> = {};
  for (const [name, list] of runs) {
    rps[name] = list.reduce((n, r) => n + r.requests, 0) / list.reduce((n, r) => n + r.seconds, 0);
    out[`${name}_rps`] = round(rps[name] as number, 0);
    out[`${name}_p50_ms`] = round(median(list.map((r) => r.p50Ms)));
    out[`${name}_p99_ms`] = round(median(list.map((r) => r.p99Ms)));
    out[`${name}_requests`] = list.reduce((n, r) => n + r.requests, 0);
    out[`${name}_failed`] = list.reduce((n, r) => n + r.failed, 0);
    const requests = list.reduce((n, r) => n + r.requests, 0);
    const ticks = (k: keyof Cpu) => list.reduce((n, r) => n + (r.cpu?.[k] ?? 0), 0);
    out[`${name}_nginx_us_per_req`] = round((ticks('nginx') * TICK_US) / requests, 0);
    out[`${name}_load_us_per_req`] = round((ticks('client') * TICK_US) / requests, 0);
    out[`${name}_machine_busy_pct`] = round((100 * ticks('busy')) / ticks('total'), 0);
    const failures = merge(list.map((r) => r.failures));
    if (Object.keys(failures).length > 0) out[`${name}_failures`] = JSON.stringify(failures);
  }
  for (const k of ['keepalive', 'close', 'full'])
    out[`ratio_${k}`] = round((rps[`https_${k}`] as number) / (rps[`http_${k}`] as number), 3);
  return out;
}

function merge(list: readonly Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of list) for (const [k, v] of Object.entries(m)) out[k] = (out[k] ?? 0) + v;
  return out;
}

/** Phase 2: `during` runs (its figures returned) under kept-alive and new-connection HTTPS load; the loads' counts. */
async function underLoad(
  o: Options,
  target: Target,
  name: string,
  during: () => Promise<Record<string, number | string>>,
): Promise<Record<string, number | string>> {
  const t0 = performance.now();
  const kept = startLoad(target, { keepAlive: true, concurrency: o.loadConcurrency });
  const fresh = startLoad(target, { keepAlive: false, concurrency: o.loadConcurrency });
  const figures = await during();
  await sleep(o.settleS * 1000);
  const [k, f] = await Promise.all([kept.stop(), fresh.stop()]);
  return {
    ...figures,
    ...flatLoad(`${name}_keepalive`, k),
    ...flatLoad(`${name}_new_conn`, f),
    [`${name}_failed_total`]: k.failed + f.failed,
    [`${name}_phase_s`]: round((performance.now() - t0) / 1000, 1),
  };
}

/** Phase 2a: --updates certs:update in a row, each until a new handshake gets the new certificate. */
async function updates(o: Options, ca: TestCa): Promise<Record<string, number | string>> {
  const commandMs: number[] = [];
  const servedMs: number[] = [];
  let notServed = 0;
  let failedCommands = 0;
  for (let i = 1; i <= o.updates; i++) {
    const cert = ca.issue(`update${i}`, [o.domain]);
    const fingerprint = new X509Certificate(cert.crt).fingerprint256;
    const t0 = performance.now();
    const r = await paas(o, `certs:update ${cert.certFile} ${cert.keyFile} -a ${o.app}`);
    if (r.code !== 0) {
      failedCommands++;
      log(`certs:update ${i} failed (${r.code}): ${r.output.trim().slice(-300)}`);
      continue;
    }
    commandMs.push(r.ms);
    const served = await untilServed(o, fingerprint);
    if (served === undefined) notServed++;
    else servedMs.push(r.ms + served);
    log(
      `certs:update ${i}/${o.updates}: ${Math.round(r.ms)} ms, served after ${served === undefined ? 'NEVER' : Math.round(performance.now() - t0)} ms`,
    );
  }
  return {
    cert_updates: o.updates,
    cert_update_failures: failedCommands,
    cert_updates_not_served: notServed,
    cert_update_command_ms_median: round(median(commandMs), 0),
    cert_update_served_ms_median: round(median(servedMs), 0),
    cert_update_served_ms_max: round(Math.max(...servedMs), 0),
  };
}

/** Phase 2b: --deploys config:set in a row, each until /greeting answers the new value six times in a row. */
async function deploys(o: Options, target: Target): Promise<Record<string, number | string>> {
  const servedMs: number[] = [];
  let failedCommands = 0;
  let notSeen = 0;
  for (let i = 1; i <= o.deploys; i++) {
    const value = `https-${i}-${Date.now()}`;
    const t0 = performance.now();
    const r = await paas(o, `config:set GREETING=${value} -a ${o.app}`);
    if (r.code !== 0) {
      failedCommands++;
      log(`config:set ${i} failed (${r.code}): ${r.output.trim().slice(-300)}`);
      continue;
    }
    let inRow = 0;
    const seen = await until(
      async () => {
        inRow = (await get(target, '/greeting'))?.trim() === value ? inRow + 1 : 0;
        return inRow >= 6;
      },
      300_000,
      50,
    );
    if (seen === undefined) notSeen++;
    else servedMs.push(performance.now() - t0);
    log(
      `deploy ${i}/${o.deploys}: ${seen === undefined ? 'NOT seen serving' : `serving after ${Math.round(performance.now() - t0)} ms`}`,
    );
  }
  return {
    deploys: o.deploys,
    deploy_failures: failedCommands,
    deploys_not_seen: notSeen,
    deploy_serving_ms_median: round(median(servedMs), 0),
  };
}

/**
 * The time (ms since the epoch) of the first line `msg` about --app at or after `since` in the controller's log
 * (logs/platform.log with PAAS_PROCESSES=one, else logs/controller.log, under --state-dir); undefined when none.
 */
function controllerLogTime(o: Options, msg: string, since: number): number | undefined {
  for (const name of ['platform.log', 'controller.log']) {
    let text: string;
    try {
      text = readFileSync(join(o.stateDir ?? '', 'logs', name), 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      if (!line.includes(`"msg":"${msg}"`)) continue;
      try {
        const l = JSON.parse(line) as { time?: number; app?: string; name?: string };
        if (l.app === o.app && l.name === 'controller' && (l.time ?? 0) >= since) return l.time;
      } catch {
        // not a JSON line
      }
    }
  }
  return undefined;
}

/** Whether the certificate is the one Pebble issued for `domain`: its issuer Pebble's intermediate, the name in it. */
function fromPebble(c: DetailedPeerCertificate | undefined, domain: string): boolean {
  if (!c?.issuer) return false;
  const cn = Array.isArray(c.issuer.CN) ? c.issuer.CN.join(' ') : (c.issuer.CN ?? '');
  return /^Pebble Intermediate CA/.test(cn) && (c.subjectaltname ?? '').split(', ').includes(`DNS:${domain}`);
}

/**
 * Phase 3: --acme-runs times, a new custom domain, `paas certs:auto:enable`, until a new handshake for it gets
 * Pebble's certificate; the worker's pick-up (from the command to the order's start, the record's updated_at) apart.
 */
async function automatic(o: Options, api: Api): Promise<Record<string, number | string>> {
  const totalMs: number[] = [];
  const pickupMs: number[] = [];
  const orderToServedMs: number[] = [];
  const commandMs: number[] = [];
  const orderToIssuedMs: number[] = [];
  const issuedToServedMs: number[] = [];
  let failures = 0;
  let failedOrders = 0;
  let lastReason = '';
  const out: Record<string, number | string> = {};
  for (let i = 1; i <= o.acmeRuns; i++) {
    const domain = `acme${i}.${o.app}.test`;
    await mustPaas(o, `domains:add ${domain} -a ${o.app}`);
    const wall0 = Date.now();
    const t0 = performance.now();
    commandMs.push(await mustPaas(o, `certs:auto:enable -a ${o.app}`));
    // The failed orders meanwhile: each marks the domain failing (with the ACME server's error) until the next.
    const failing = new Map<string, string>();
    let watching = true;
    const watch = (async () => {
      while (watching) {
        const v = await api.json<AutoCertView>('GET', `/apps/${o.app}/certs/auto`).catch(() => undefined);
        for (const d of v?.domains ?? []) if (d.status === 'failing') failing.set(d.at, d.reason ?? '');
        await sleep(200);
      }
    })();
    const served = await until(
      async () => fromPebble(await peerCertificate(o.httpsPort, domain), domain),
      o.acmeTimeoutS * 1000,
      50,
    );
    watching = false;
    await watch;
    out[`acme_run${i}_failed_orders`] = failing.size;
    failedOrders += failing.size;
    if (failing.size > 0) lastReason = [...failing.values()].at(-1) ?? '';
    if (served === undefined) {
      failures++;
      log(
        `acme run ${i}: ${domain} never served a Pebble certificate in ${o.acmeTimeoutS} s; ${failing.size} orders failed, the last: ${lastReason}`,
      );
    } else {
      const ms = performance.now() - t0;
      const cert = await api.json<CertView>('GET', `/apps/${o.app}/certs/current`);
      const orderStart = Date.parse(cert.updated_at) - wall0;
      totalMs.push(ms);
      pickupMs.push(orderStart);
      orderToServedMs.push(ms - orderStart);
      out[`acme_run${i}_ms`] = Math.round(ms);
      const issued = controllerLogTime(o, 'certificate issued', wall0);
      if (issued !== undefined) {
        orderToIssuedMs.push(issued - wall0 - orderStart);
        issuedToServedMs.push(ms - (issued - wall0));
      }
      log(
        `acme run ${i}: ${domain} served Pebble's certificate after ${Math.round(ms)} ms (the last order started after ${orderStart} ms, issued and stored after ${issued === undefined ? '?' : issued - wall0} ms; source ${cert.source}; ${failing.size} orders failed before)`,
      );
    }
    await mustPaas(o, `certs:auto:disable -a ${o.app}`);
    await mustPaas(o, `domains:remove ${domain} -a ${o.app}`);
  }
  return {
    acme_runs: o.acmeRuns,
    acme_failures: failures,
    acme_failed_orders: failedOrders,
    ...(lastReason && { acme_last_failure: lastReason.slice(0, 300) }),
    ...out,
    acme_ms_median: round(median(totalMs), 0),
    acme_enable_command_ms_median: round(median(commandMs), 0),
    acme_pickup_ms_median: round(median(pickupMs), 0),
    acme_order_to_served_ms_median: round(median(orderToServedMs), 0),
    acme_order_to_issued_ms_median: round(median(orderToIssuedMs), 0),
    acme_issued_to_served_ms_median: round(median(issuedToServedMs), 0),
  };
}

/**
 * How long after an AcmeChallenge record is written to etcd the router answers it on its HTTP port, `n` times: the
 * record the controller writes before it tells the ACME server the challenge is ready, so what a server validating
 * at once needs. Tokens of the bench's own, for no order, each removed after.
 */
async function challengeLag(o: Options, n = 20): Promise<Record<string, number>> {
  const store = Store.connect(env('PAAS_ETCD_ENDPOINTS').split(','), process.env.PAAS_ETCD_PREFIX || '/paas');
  const lags: number[] = [];
  let missed = 0;
  try {
    for (let i = 0; i < n; i++) {
      const token = randomBytes(32).toString('base64url');
      const keyAuthorization = `${token}.${randomBytes(32).toString('base64url')}`;
      const record: AcmeChallenge = {
        token,
        keyAuthorization,
        app: o.app,
        expiresAt: new Date(Date.now() + 60_000).toISOString(),
      };
      const url = `http://127.0.0.1:${o.httpPort}/.well-known/acme-challenge/${token}`;
      const t0 = performance.now();
      await store.put(store.keys.acmeChallenge(token), record);
      const answered = await until(
        async () =>
          (await fetch(url).then(
            (r) => r.text(),
            () => '',
          )) === keyAuthorization,
        10_000,
        1,
      );
      if (answered === undefined) missed++;
      else lags.push(performance.now() - t0);
      await store.delete(store.keys.acmeChallenge(token));
      await sleep(200);
    }
  } finally {
    store.close();
  }
  log(
    `challenge record to answered by the router: p50 ${round(median(lags), 1)} ms, max ${round(Math.max(...lags), 1)} ms`,
  );
  return {
    challenge_lag_samples: n,
    challenge_lag_p50_ms: round(median(lags), 1),
    challenge_lag_max_ms: round(Math.max(...lags), 1),
    challenge_lag_missed: missed,
  };
}

/**
 * The floor of phase 3: a Pebble of its own, a bare acme-client (an account made first, untimed) with the
 * controller's polling, answering HTTP-01 from a server here; each run timed from the order to the certificate.
 */
async function acmeFloor(runs: number): Promise<Record<string, number | string>> {
  const answers = new Map<string, string>();
  const prefix = '/.well-known/acme-challenge/';
  const server: Server = createServer((req, res) => {
    const answer = req.url?.startsWith(prefix) ? answers.get(req.url.slice(prefix.length)) : undefined;
    res.writeHead(answer === undefined ? 404 : 200, { 'content-type': 'text/plain' }).end(answer ?? 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const pebble = await startPebble({ httpPort: (server.address() as AddressInfo).port });
  try {
    acme.axios.defaults.httpsAgent = new HttpsAgent({ ca: pebble.ca });
    const client = new acme.Client({
      directoryUrl: pebble.directoryUrl,
      accountKey: await acme.crypto.createPrivateEcdsaKey('P-256'),
      backoffAttempts: 10,
      backoffMin: 1000,
      backoffMax: 30_000,
    });
    await client.createAccount({ termsOfServiceAgreed: true });
    const times: number[] = [];
    for (let i = 1; i <= runs; i++) {
      const domain = `floor${i}.bench.test`;
      const t0 = performance.now();
      const order = await client.createOrder({ identifiers: [{ type: 'dns', value: domain }] });
      for (const authz of await client.getAuthorizations(order)) {
        const challenge = authz.challenges.find((c) => c.type === 'http-01');
        if (!challenge) throw new Error(`Pebble offered no http-01 challenge for ${domain}`);
        answers.set(challenge.token, await client.getChallengeKeyAuthorization(challenge));
        await client.completeChallenge(challenge);
        await client.waitForValidStatus(challenge);
      }
      const key = await acme.crypto.createPrivateEcdsaKey('P-256');
      const [, csr] = await acme.crypto.createCsr({ commonName: domain, altNames: [domain] }, key);
      await client.waitForValidStatus(order);
      const finalized = await client.finalizeOrder(order, csr);
      await client.getCertificate(finalized);
      times.push(performance.now() - t0);
      log(`acme floor ${i}: ${Math.round(times.at(-1) as number)} ms`);
    }
    return {
      acme_floor_runs: runs,
      ...Object.fromEntries(times.map((t, i) => [`acme_floor_run${i + 1}_ms`, Math.round(t)])),
      acme_floor_ms_median: round(median(times), 0),
    };
  } finally {
    await pebble.stop();
    await new Promise((resolve) => server.close(resolve));
  }
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const api = new Api(env('PAAS_API_URL'), env('PAAS_TOKEN'));
  const dir = mkdtempSync(join(tmpdir(), 'paas-bench-https-'));
  const ca = TestCa.create('bench-https');
  const target: Target = {
    url: new URL(`https://127.0.0.1:${o.httpsPort}/`),
    host: o.domain,
    tls: { ca: ca.ca, servername: o.domain },
  };
  const out: Record<string, number | string> = {
    app: o.app,
    domain: o.domain,
    concurrency: o.concurrency,
    load_concurrency: o.loadConcurrency,
    settle_s: o.settleS,
    acme_timeout_s: o.acmeTimeoutS,
  };
  try {
    // The custom domain with its uploaded certificate, served before anything is measured.
    await mustPaas(o, `domains:add ${o.domain} -a ${o.app}`);
    const first = ca.issue('first', [o.domain]);
    const addMs = await mustPaas(o, `certs:add ${first.certFile} ${first.keyFile} -a ${o.app}`);
    const served = await untilServed(o, new X509Certificate(first.crt).fingerprint256);
    if (served === undefined) throw new Error(`${o.domain} never served the certificate certs:add uploaded`);
    out.cert_add_served_ms = Math.round(addMs + served);
    if ((await get(target, '/')) === undefined)
      throw new Error(`no verified 200 from https://${o.domain}:${o.httpsPort}/ (at 127.0.0.1) before the benchmark`);
    const r = await resumption(o, ca.ca);
    Object.assign(out, { tls_protocol: r.protocol, tls_cipher: r.cipher, tls_resumed_of_19: r.resumed });
    log(`${o.domain}: ${r.protocol} ${r.cipher}; the router resumed ${r.resumed} of 19 sessions offered`);

    Object.assign(out, await throughput(o, ca, dir));
    Object.assign(out, await underLoad(o, target, 'certs', () => updates(o, ca)));
    Object.assign(out, await underLoad(o, target, 'deploy', () => deploys(o, target)));

    // Automatic certificates on a domain of their own: the uploaded certificate and its domain go first.
    await mustPaas(o, `certs:remove -a ${o.app} --confirm ${o.app}`);
    await mustPaas(o, `domains:remove ${o.domain} -a ${o.app}`);
    if (o.acmeRuns > 0) {
      Object.assign(out, await challengeLag(o));
      Object.assign(out, await automatic(o, api));
      Object.assign(out, await acmeFloor(o.acmeRuns));
    }
  } finally {
    ca.remove();
    rmSync(dir, { recursive: true, force: true });
  }
  process.stderr.write(`${JSON.stringify(out, null, 1)}\n`);
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

/** `acme-server`: Pebble for the platform until SIGTERM (see the top). */
async function acmeServer(argv: readonly string[]): Promise<void> {
  const f = flags(argv, USAGE, ['http-port', 'ca-file', 'out']);
  const [caFile, outFile] = [f.required('ca-file'), f.required('out')];
  const pebble = await startPebble({ httpPort: f.int('http-port', 80, 1) });
  const stop = () => void pebble.stop().finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  writeFileSync(caFile, pebble.ca);
  writeFileSync(`${outFile}.tmp`, `${JSON.stringify({ directoryUrl: pebble.directoryUrl })}\n`);
  renameSync(`${outFile}.tmp`, outFile);
  log(`pebble serves ${pebble.directoryUrl}, validating HTTP-01 at 127.0.0.1:${f.int('http-port', 80, 1)}`);
}

runMain(() => (process.argv[2] === 'acme-server' ? acmeServer(process.argv.slice(3)) : main()));
