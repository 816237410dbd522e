import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket } from 'ws';
import { flags, runMain, sh } from './common.js';
import { flatLoad, startLoad, type Target } from './load.js';

// Swap safety (issue 6). Phase 1: one load generator on kept-alive
// connections and one opening a new connection per request run against an
// app through the router while `--redeploy` runs `--deploys` times in a row;
// after each, the benchmark waits until only new containers answer (the
// fixture app answers its hostname: six answers in a row from hostnames not
// seen before the deploy) or until `--wait-cmd` succeeds. Phase 2: `--sockets` websockets are opened and pinged (an
// echo
// each second) while every `--scale-cmd` runs in turn; then they are closed
// by the client. Failed = any non-2xx, reset or timeout; a websocket is
// dropped if it closed or errored before the client closed it (a close with
// code 1001 "going away" after the drain period is counted apart).
//
//   node dist/bench/swap.js --url http://127.0.0.1/ --host app.localhost \
//     --redeploy 'paas config:set X=$RANDOM -a app' --deploys 20 \
//     --scale-cmd 'paas ps:scale web=2 -a app' --scale-cmd 'paas ps:scale web=1 -a app'
//
// Prints one JSON object with flat keys on stdout, progress on stderr.

const USAGE =
  'usage: node dist/bench/swap.js --url URL [--host HOST] [--ws-url URL] --redeploy CMD [--deploys N] [--wait-cmd CMD] [--scale-cmd CMD ...] [--sockets N] [--concurrency C] [--settle S] [--deploy-timeout S]';

interface Options {
  target: Target;
  wsUrl: string;
  redeploy?: string;
  deploys: number;
  waitCmd?: string;
  scaleCmds: string[];
  sockets: number;
  concurrency: number;
  settleS: number;
  deployTimeoutS: number;
}

function parseArgs(argv: readonly string[]): Options {
  const f = flags(argv, USAGE, [
    'url',
    'host',
    'ws-url',
    'redeploy',
    'deploys',
    'wait-cmd',
    'scale-cmd',
    'sockets',
    'concurrency',
    'settle',
    'deploy-timeout',
  ]);
  const [url, host, redeploy, waitCmd] = [f.required('url'), f.one('host'), f.one('redeploy'), f.one('wait-cmd')];
  return {
    target: { url: new URL(url), ...(host ? { host } : {}) },
    wsUrl: f.one('ws-url') ?? url.replace(/^http/, 'ws'),
    ...(redeploy ? { redeploy } : {}),
    ...(waitCmd ? { waitCmd } : {}),
    deploys: f.int('deploys', 20),
    scaleCmds: f.all('scale-cmd'),
    sockets: f.int('sockets', 20),
    concurrency: Math.max(1, f.int('concurrency', 4)),
    settleS: f.int('settle', 5),
    deployTimeoutS: f.int('deploy-timeout', 300),
  };
}

/** The app's answer body (its identity: the fixture answers its hostname), or undefined on failure. */
function body(t: Target): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: t.url.hostname,
        port: t.url.port || 80,
        path: t.url.pathname,
        headers: t.host ? { host: t.host } : {},
        agent: false,
        timeout: 5000,
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve(res.statusCode === 200 ? text : undefined));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

/** The identities (bodies) answering now: a few probes, since several containers may share the route. */
async function identities(t: Target, probes = 12): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < probes; i++) {
    const b = await body(t);
    if (b !== undefined) seen.add(b);
  }
  return seen;
}

/** Until --wait-cmd succeeds, or `stable` answers in a row all come from containers not answering before the deploy. */
async function waitForChange(o: Options, before: Set<string>, stable = 6): Promise<boolean> {
  const deadline = Date.now() + o.deployTimeoutS * 1000;
  let fresh = 0;
  while (Date.now() < deadline) {
    if (o.waitCmd) {
      if ((await sh(o.waitCmd)).code === 0) return true;
      await sleep(250);
      continue;
    }
    const now = await body(o.target);
    fresh = now !== undefined && !before.has(now) ? fresh + 1 : 0;
    if (fresh >= stable) return true;
    if (fresh === 0) await sleep(100);
  }
  return false;
}

interface SocketStats {
  opened: number;
  failedToOpen: number;
  dropped: number;
  goingAway: number;
  closedCleanly: number;
  echoes: number;
  echoFailures: number;
}

/** Opens n websockets, pings each every second until stop(), then closes them from the client side. */
function startSockets(o: Options): { ready: Promise<void>; stop(): Promise<SocketStats> } {
  const stats: SocketStats = {
    opened: 0,
    failedToOpen: 0,
    dropped: 0,
    goingAway: 0,
    closedCleanly: 0,
    echoes: 0,
    echoFailures: 0,
  };
  const sockets: WebSocket[] = [];
  let closing = false;
  const opened = Array.from(
    { length: o.sockets },
    () =>
      new Promise<void>((resolve) => {
        const ws = new WebSocket(o.wsUrl, { headers: o.target.host ? { host: o.target.host } : {} });
        let pending = 0;
        const timer = setInterval(() => {
          if (ws.readyState !== ws.OPEN) return;
          if (pending > 0) stats.echoFailures++;
          pending++;
          ws.send('ping');
        }, 1000);
        ws.on('open', () => {
          stats.opened++;
          sockets.push(ws);
          resolve();
        });
        ws.on('message', () => {
          if (pending > 0) {
            pending--;
            stats.echoes++;
          }
        });
        ws.on('error', () => undefined);
        ws.on('unexpected-response', () => undefined);
        ws.on('close', (code) => {
          clearInterval(timer);
          if (!sockets.includes(ws)) {
            stats.failedToOpen++;
            resolve();
          } else if (closing && code === 1000) stats.closedCleanly++;
          else if (code === 1001) stats.goingAway++;
          else stats.dropped++;
        });
      }),
  );
  return {
    ready: Promise.all(opened).then(() => undefined),
    stop: async () => {
      closing = true;
      await Promise.all(
        sockets.map(
          (ws) =>
            new Promise<void>((resolve) => {
              if (ws.readyState === ws.CLOSED) return resolve();
              ws.once('close', () => resolve());
              ws.close(1000, 'done');
              setTimeout(() => ws.terminate(), 5000).unref();
            }),
        ),
      );
      return stats;
    },
  };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if ((await body(o.target)) === undefined)
    throw new Error(
      `no 200 from ${o.target.url.href} (Host: ${o.target.host ?? o.target.url.host}) before the benchmark`,
    );
  const out: Record<string, number | string> = {};
  const t0 = Date.now();

  if (o.redeploy && o.deploys > 0) {
    const kept = startLoad(o.target, { keepAlive: true, concurrency: o.concurrency });
    const fresh = startLoad(o.target, { keepAlive: false, concurrency: o.concurrency });
    let deployFailures = 0;
    let unchanged = 0;
    for (let i = 1; i <= o.deploys; i++) {
      const before = await identities(o.target);
      const r = await sh(o.redeploy);
      if (r.code !== 0) {
        deployFailures++;
        process.stderr.write(`deploy ${i} failed (${r.code}): ${r.output.trim().slice(-500)}\n`);
        continue;
      }
      const changed = await waitForChange(o, before);
      if (!changed) unchanged++;
      process.stderr.write(
        `deploy ${i}/${o.deploys} ${changed ? 'serving' : 'NOT seen serving'} after ${Math.round((Date.now() - t0) / 1000)} s\n`,
      );
    }
    await sleep(o.settleS * 1000);
    const [k, f] = await Promise.all([kept.stop(), fresh.stop()]);
    Object.assign(out, {
      deploys: o.deploys,
      deploy_failures: deployFailures,
      deploys_not_seen: unchanged,
      ...flatLoad('keepalive', k),
      ...flatLoad('new_conn', f),
      failed_total: k.failed + f.failed,
      deploy_phase_s: Math.round((Date.now() - t0) / 1000),
    });
  }

  if (o.sockets > 0) {
    const ws = startSockets(o);
    await ws.ready;
    let scaleFailures = 0;
    for (const cmd of o.scaleCmds) {
      const r = await sh(cmd);
      if (r.code !== 0) {
        scaleFailures++;
        process.stderr.write(`scale command failed (${r.code}): ${r.output.trim().slice(-500)}\n`);
      }
      process.stderr.write(`ran: ${cmd}\n`);
      await sleep(o.settleS * 1000);
    }
    if (o.scaleCmds.length === 0) await sleep(o.settleS * 1000);
    const s = await ws.stop();
    Object.assign(out, {
      scale_commands: o.scaleCmds.length,
      scale_failures: scaleFailures,
      ws_opened: s.opened,
      ws_failed_to_open: s.failedToOpen,
      ws_dropped: s.dropped,
      ws_going_away: s.goingAway,
      ws_closed_cleanly: s.closedCleanly,
      ws_echoes: s.echoes,
      ws_echo_missed: s.echoFailures,
    });
  }
  process.stderr.write(`${JSON.stringify(out, null, 1)}\n`);
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

runMain(main);
