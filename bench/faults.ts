import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Store } from '../services/core/store.js';
import { env, flags, runMain } from './common.js';
import { faultsTable, type FaultResult } from './faultslib.js';
import {
  builderDuringPush,
  controller,
  etcdMember,
  leadingScheduler,
  noFault,
  partition,
  router,
  wholeHost,
  type Topology,
} from './faultskinds.js';
import { Api, Platform, run, sleep } from './faultsops.js';
import { window, type Bench } from './faultswindow.js';

// Faults to survive (issue 19): an app at web=2 on two hosts of scripts/hosts
// under kept-alive load through the router, on a platform of scripts/up --ha
// (etcd x3, two controllers, two schedulers; a second builder and router when
// the topology has them: $PAAS_STATE_DIR/supervise/builder-2, router-2). In
// turn: no fault (the floor), kill -9 of etcd's leader, of a follower, of the
// leading scheduler, of the first controller, of the builder running a push,
// of a router and its nginx, a host's link cut for --partition seconds (alone,
// then with its agent stopped: the agent runs in the main namespace, so the
// link alone does not cut it from etcd), and a whole host killed (scripts/hosts kill K, then up again). For each: the
// requests failed in its window, the control plane answering the CLI again (a
// read, then a config:set), that release serving, the lost dynos up
// elsewhere, the killed part back, and the app's releases, config and builds
// compared before and after (faultswindow.ts).
//
//   PAAS_API_URL=http://127.0.0.1:28700,http://127.0.0.1:28720 PAAS_TOKEN=... PAAS_CONFIG_DIR=... \
//   node dist/bench/faults.js --app APP --url http://127.0.0.1:28080/ --host APP.localhost \
//     --state-dir /var/lib/paas-bench --scripts scripts --git-dir DIR [--concurrency 4] [--window 20]
//     [--limit 90] [--partition 30] [--only KEY,...] [--markdown FILE]
//
// Prints one JSON object on stdout ({faults: [...]}, faultslib.ts FaultResult), progress on stderr.

const USAGE =
  'usage: node dist/bench/faults.js --app APP --url URL --host HOST --state-dir DIR --scripts DIR --git-dir DIR [--concurrency C] [--window S] [--limit S] [--partition S] [--only KEY,...] [--markdown FILE]';

function parseArgs(argv: readonly string[]) {
  const f = flags(argv, USAGE, [
    'app',
    'url',
    'host',
    'state-dir',
    'scripts',
    'git-dir',
    'concurrency',
    'window',
    'limit',
    'partition',
    'only',
    'markdown',
  ]);
  return {
    app: f.required('app'),
    url: f.required('url'),
    host: f.required('host'),
    stateDir: f.required('state-dir'),
    scripts: f.required('scripts'),
    gitDir: f.required('git-dir'),
    concurrency: f.int('concurrency', 4, 1),
    windowS: f.int('window', 20, 5),
    limitS: f.int('limit', 90, 30),
    partitionS: f.int('partition', 30, 1),
    only: f.one('only')?.split(',').filter(Boolean),
    markdown: f.one('markdown'),
  };
}

const port = (url: string | undefined, fallback: number) => {
  const m = /:(\d+)(?:\/|$)/.exec(url ?? '');
  return m ? Number(m[1]) : fallback;
};

/** Until the app's web dynos are `web`, up, on as many different hosts of scripts/hosts; scaled down and up once if not. */
async function spread(b: Bench): Promise<void> {
  const hostIds = new Set(b.platform.hosts().map((h) => h.id));
  const ok = async () => {
    const web = (await b.api.dynos(b.app).catch(() => [])).filter((d) => d.type === 'web');
    return (
      web.length === b.web &&
      web.every((d) => d.state === 'up' && hostIds.has(d.host)) &&
      new Set(web.map((d) => d.host)).size === Math.min(b.web, hostIds.size)
    );
  };
  const wait = async (cond: () => Promise<boolean>, s: number) => {
    const by = performance.now() + s * 1000;
    while (performance.now() < by) {
      if (await cond()) return true;
      await sleep(500);
    }
    return false;
  };
  if (await wait(ok, 60)) return;
  process.stderr.write(`${b.app}'s dynos are not spread over the hosts: scaling to 1 and back to ${b.web}\n`);
  await b.api.json('PATCH', `/apps/${b.app}/formation/web`, { quantity: 1 });
  await wait(async () => (await b.api.dynos(b.app)).filter((d) => d.type === 'web').length === 1, 60);
  await sleep(3000);
  await b.api.json('PATCH', `/apps/${b.app}/formation/web`, { quantity: b.web });
  if (!(await wait(ok, 90))) throw new Error(`${b.app}'s web dynos are not spread over ${hostIds.size} hosts`);
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const platform = new Platform(o.stateDir);
  const pe = platform.env();
  const urls = env('PAAS_API_URL').split(',');
  const api = new Api(urls, env('PAAS_TOKEN'));
  const etcdEndpoints = (pe.PAAS_ETCD_ENDPOINTS ?? env('PAAS_ETCD_ENDPOINTS')).split(',');
  const store = Store.connect(etcdEndpoints, pe.PAAS_ETCD_PREFIX || '/paas');
  const etcd = {
    ports: etcdEndpoints.map((e) => port(e, 2379)),
    names: etcdEndpoints.map((_, i) => (i === 0 ? 'etcd' : `etcd-${i + 1}`)),
  };
  const schedulers: Record<string, number> = { scheduler: Number(pe.PAAS_SCHEDULER_METRICS_PORT || 8712) };
  if (platform.has('scheduler-2'))
    schedulers['scheduler-2'] = Number(platform.env('scheduler-2').PAAS_SCHEDULER_METRICS_PORT);
  const r2 = platform.has('router-2') ? platform.env('router-2') : undefined;
  const url2 =
    r2?.PAAS_HTTP_PORT && r2.PAAS_HTTP_PORT !== pe.PAAS_HTTP_PORT
      ? `http://127.0.0.1:${r2.PAAS_HTTP_PORT}/`
      : undefined;
  const controlPorts = [Number(pe.PAAS_ROUTER_CONTROL_PORT || 8701)];
  if (r2?.PAAS_ROUTER_CONTROL_PORT && r2.PAAS_ROUTER_CONTROL_PORT !== pe.PAAS_ROUTER_CONTROL_PORT)
    controlPorts.push(Number(r2.PAAS_ROUTER_CONTROL_PORT));
  const topo: Topology = {
    controlPorts,
    engines: [
      {
        socket: (pe.PAAS_DOCKER_SOCKET || '/var/run/docker.sock').replace(/^unix:\/\//, ''),
        id: pe.PAAS_HOST_ID || 'main',
      },
      ...platform.hosts().map((h) => ({ socket: h.socket, id: h.id })),
    ],
    leaseS: Number(pe.PAAS_AGENT_LEASE_TTL || 10),
    drainMs: Number(pe.PAAS_SCHEDULER_DRAIN_MS || 2000),
  };
  const b: Bench = {
    app: o.app,
    targets: [{ url: new URL(o.url), host: o.host }, ...(url2 ? [{ url: new URL(url2), host: o.host }] : [])],
    concurrency: o.concurrency,
    windowS: o.windowS,
    limitS: o.limitS,
    web: 2,
    api,
    store,
    platform,
    cli: env('PAAS_CLI'),
    cliEnv: process.env,
  };
  const builders = ['builder', ...(platform.has('builder-2') ? ['builder-2'] : [])];
  const faults: {
    key: string;
    what: string;
    run?: Parameters<typeof window>[3];
    write: boolean;
    skipped?: string;
    spread?: boolean;
    /** A longer limit of its own (a push's failover to a builder with no cache builds cold). */
    limitS?: number;
  }[] = [
    { key: 'none', what: 'none (the floor: the same load, read, config:set and rollout)', run: noFault, write: true },
    { key: 'etcd-leader', what: 'kill -9 of the etcd leader', run: etcdMember(etcd, 'leader'), write: true },
    { key: 'etcd-follower', what: 'kill -9 of an etcd follower', run: etcdMember(etcd, 'follower'), write: true },
    { key: 'scheduler', what: 'kill -9 of the leading scheduler', run: leadingScheduler(schedulers), write: true },
    { key: 'controller', what: 'kill -9 of the first controller', run: controller(port(urls[0], 8700)), write: true },
    builders.length > 1
      ? {
          key: 'builder',
          what: 'kill -9 of the builder running a push',
          run: builderDuringPush({ gitDir: o.gitDir, builders, url: o.url, host: o.host }),
          limitS: 180,
          write: false,
        }
      : {
          key: 'builder',
          what: 'kill -9 of the builder running a push',
          write: false,
          skipped: 'not in this topology (no builder-2)',
        },
    r2
      ? {
          key: 'router',
          what: 'kill -9 of router 1 and its nginx',
          run: router({ url: o.url, host: o.host }),
          write: true,
        }
      : { key: 'router', what: 'kill -9 of a router', write: false, skipped: 'not in this topology (no router-2)' },
    {
      key: 'partition',
      what: `a host's link down ${o.partitionS} s (its dynos cut off, its agent not)`,
      run: partition({ seconds: o.partitionS, settleS: 30, topo, freezeAgent: false }),
      write: false,
      spread: true,
    },
    {
      key: 'partition-agent',
      what: `a host's link down and its agent stopped ${o.partitionS} s (the whole host cut off)`,
      run: partition({ seconds: o.partitionS, settleS: 30, topo, freezeAgent: true }),
      write: false,
      spread: true,
    },
    {
      key: 'host',
      what: 'a whole host killed (scripts/hosts kill K)',
      run: wholeHost({ scripts: o.scripts, topo }),
      write: false,
      spread: true,
    },
  ];
  const results: FaultResult[] = [];
  try {
    await spread(b);
    for (const f of faults) {
      if (o.only && !o.only.includes(f.key)) continue;
      if (!f.run) {
        results.push({ key: f.key, what: f.what, skipped: f.skipped ?? 'skipped' });
        continue;
      }
      if (f.spread) await spread(b);
      try {
        results.push(
          await window({ ...b, limitS: Math.max(b.limitS, f.limitS ?? 0) }, f.key, f.what, f.run, { write: f.write }),
        );
      } catch (err) {
        process.stderr.write(`${f.key} failed: ${(err as Error).stack}\n`);
        results.push({
          key: f.key,
          what: f.what,
          skipped: `the bench failed: ${(err as Error).message.slice(0, 200)}`,
        });
      }
      if (f.key === 'host') {
        const n = platform.hosts().length;
        const r = await run(`${o.scripts}/hosts`, ['up', String(n)], {
          env: { ...process.env, PAAS_STATE_DIR: o.stateDir },
          timeoutMs: 180_000,
        });
        if (r.code !== 0) process.stderr.write(`scripts/hosts up ${n} after the host fault failed: ${r.output}\n`);
      }
      await sleep(5000); // the supervisors' backoff and the platform settled before the next one
    }
  } finally {
    store.close();
  }
  if (o.markdown) writeFileSync(o.markdown, `${faultsTable(results)}\n`);
  process.stdout.write(`${JSON.stringify({ faults: results })}\n`);
}

runMain(main);
