import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '../services/core/logger.js';
import type { Route } from '../services/core/types.js';
import { DEFAULT_MAX_BODY_MB, DEFAULT_MODULES_INCLUDE } from '../services/router/config.js';
import { HttpUpstreamControl } from '../services/router/control.js';
import { NginxCli, type Nginx } from '../services/router/nginx.js';
import { Router } from '../services/router/router.js';
import type { RouteTable } from '../services/router/table.js';
import { flags, freePort, round, runMain } from './common.js';

// The router with many apps: its own nginx in a temp dir on free 127.0.0.1
// ports, driven by the real Router over an in-memory route table (no etcd).
// Measures the first pass (render, nginx -t, start, every push), then, three
// times each, a new app and a new custom domain: the time from the route
// change to the name answering (not 404), with the `nginx -t` and reload
// that took, and whether nginx's workers were replaced; then three reloads
// (nginx -t, reload, until new workers answer for an app), and nginx stopped
// and started again by a pass (until the last app answers).
//
//   node dist/bench/reload.js [--apps 10000] [--domains-every 10]
//
// Every --domains-every-th app has a custom domain. Prints one JSON object.

const USAGE = 'usage: node dist/bench/reload.js [--apps N] [--domains-every K]';

function status(port: number, host: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, headers: { host }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}

async function children(pid: number): Promise<number[]> {
  const out: number[] = [];
  for (const e of await readdir('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const stat = await readFile(`/proc/${e}/stat`, 'utf8').catch(() => '');
    if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(e));
  }
  return out.sort((a, b) => a - b);
}

async function rssKb(pids: number[]): Promise<number> {
  let kb = 0;
  for (const pid of pids) {
    const m = /VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${pid}/status`, 'utf8').catch(() => ''));
    kb += m ? Number(m[1]) : 0;
  }
  return kb;
}

/** nginx with the time of each install (nginx -t) and reload recorded. */
function timed(nginx: NginxCli, calls: Array<{ call: string; ms: number }>): Nginx {
  const time = async <T>(call: string, f: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await f();
    } finally {
      calls.push({ call, ms: round(performance.now() - t0) });
    }
  };
  return {
    readConfig: () => nginx.readConfig(),
    install: (c) => time('nginx -t', () => nginx.install(c)),
    masterPid: () => nginx.masterPid(),
    start: () => time('start', () => nginx.start()),
    reload: () => time('reload', () => nginx.reload()),
    stop: () => nginx.stop(),
  };
}

async function main(argv: string[]): Promise<void> {
  const f = flags(argv, USAGE, ['apps', 'domains-every']);
  const count = f.int('apps', 10_000, 1);
  const every = f.int('domains-every', 10, 1);
  const dir = await mkdtemp(join(tmpdir(), 'paas-bench-reload-'));
  await chmod(dir, 0o755); // nginx's workers (nobody, under root) write below
  const nginx = new NginxCli('nginx', join(dir, 'nginx'));
  const routes = new Map<string, Route>();
  const route = (app: string, domains: string[] = []): Route => ({
    app,
    dynos: [],
    domains,
    updatedAt: new Date().toISOString(),
  });
  for (let i = 0; i < count; i++)
    routes.set(`app-${i}`, route(`app-${i}`, i % every === 0 ? [`www.app-${i}.example`] : []));
  const table: RouteTable = {
    read: async () => ({ routes: [...routes.values()], certificates: new Map(), challenges: new Map() }),
    watch: async () => async () => {},
  };
  const calls: Array<{ call: string; ms: number }> = [];
  const [httpPort, controlPort] = [await freePort(), await freePort()];
  const router = new Router({
    table,
    nginx: timed(nginx, calls),
    control: new HttpUpstreamControl(controlPort, '127.0.0.1', 60_000),
    log: createLogger('bench-reload', 'warn'),
    settings: {
      domain: 'bench.test',
      listen: '127.0.0.1',
      httpPort,
      controlPort,
      dir: nginx.paths.dir,
      modulesInclude: DEFAULT_MODULES_INCLUDE,
      maxBodyMb: DEFAULT_MAX_BODY_MB,
    },
    resyncMs: 60_000,
  });
  try {
    let t0 = performance.now();
    await router.reconcile();
    const firstPassMs = round(performance.now() - t0);
    const firstCalls = calls.splice(0);
    const pid = (await nginx.masterPid()) as number;
    const configBytes = Buffer.byteLength((await nginx.readConfig()) ?? '');
    const workers = await children(pid);
    const rss = { masterKb: await rssKb([pid]), workersKb: await rssKb(workers) };

    const change = async (what: string, apply: () => void, host: string) => {
      const before = await children(pid);
      t0 = performance.now();
      apply();
      await router.reconcile();
      const passMs = round(performance.now() - t0);
      for (let i = 0; (await status(httpPort, host)) === 404; i++) {
        if (i > 120_000) throw new Error(`${host} never answered`);
        await sleep(2);
      }
      const servedMs = round(performance.now() - t0);
      const after = await children(pid);
      return {
        what,
        passMs,
        servedMs,
        calls: calls.splice(0),
        workersReplaced: after.some((p) => !before.includes(p)),
      };
    };
    const changes = [];
    for (let k = 0; k < 3; k++) {
      changes.push(await change('new app', () => routes.set(`new-${k}`, route(`new-${k}`)), `new-${k}.bench.test`));
      changes.push(
        await change(
          'new custom domain',
          () => routes.set('app-1', route('app-1', [`d${k}.app-1.example`])),
          `d${k}.app-1.example`,
        ),
      );
      // let a reload's old workers go before the next change
      for (let i = 0; i < 900 && (await children(pid)).length > workers.length; i++) await sleep(100);
    }
    // A reload as a change of the router's settings makes it: nginx -t, reload, until new workers serve every app.
    const reloads = [];
    for (let k = 0; k < 3; k++) {
      const before = await children(pid);
      t0 = performance.now();
      await nginx.install(((await nginx.readConfig()) ?? '') + `# reload ${k}\n`);
      const testMs = round(performance.now() - t0);
      await nginx.reload();
      const signalledMs = round(performance.now() - t0);
      while ((await children(pid)).every((p) => before.includes(p))) await sleep(2);
      const newWorkersMs = round(performance.now() - t0);
      for (let i = 0; (await status(httpPort, 'app-1.bench.test')) !== 503; i++) {
        if (i > 120_000) throw new Error('app-1 never answered after the reload');
        await sleep(2);
      }
      reloads.push({ testMs, signalledMs, newWorkersMs, servingMs: round(performance.now() - t0) });
      for (let i = 0; i < 900 && (await children(pid)).length > workers.length; i++) await sleep(100);
    }
    // nginx stopped and started again by a pass (as after a crash): until the last app answers.
    await nginx.stop();
    t0 = performance.now();
    await router.reconcile();
    while ((await status(httpPort, `app-${count - 1}.bench.test`)) !== 503) await sleep(2);
    const restartMs = round(performance.now() - t0);
    calls.splice(0);
    process.stdout.write(
      `${JSON.stringify({ apps: count, configBytes, firstPassMs, firstCalls, rss, changes, reloads, restartMs }, null, 1)}\n`,
    );
  } finally {
    await router.stop();
    await nginx.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

runMain(() => main(process.argv.slice(2)));
