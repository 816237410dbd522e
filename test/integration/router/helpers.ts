import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, request, type Agent, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger, type Logger } from '../../../services/core/logger.js';
import { Store } from '../../../services/core/store.js';
import { HttpUpstreamControl } from '../../../services/router/control.js';
import { NginxCli } from '../../../services/router/nginx.js';
import { wakeSocketPath, type WakeSettings } from '../../../services/router/render.js';
import { Router } from '../../../services/router/router.js';
import { storeRouteTable } from '../../../services/router/table.js';
import type { Site } from '../../../services/router/sites.js';
import { storeWakeSink, Waker, WakeListener } from '../../../services/router/wake.js';
import { leafAnswerer, type LeafIssuer } from '../../../services/router/leaves.js';
import type { Route, WakeRecord } from '../../../services/core/types.js';
import { etcdEndpoints, uniquePrefix } from '../../support/env.js';
import { DEFAULT_MAX_BODY_MB, DEFAULT_MODULES_INCLUDE } from '../../../services/router/config.js';
import { freePort } from '../../support/ports.js';
import { platformTable, type PlatformUpstreams } from '../../../services/router/platformsites.js';

// Helpers for the router's integration tests: free ports, tiny app servers,
// requests with a Host header, nginx's worker pids, and the whole router
// over the real etcd with an nginx of its own.

/** Has nginx serve these sites (what the router pushes for its routes; tests that drive nginx alone push them). */
export async function serveSites(control: HttpUpstreamControl, sites: readonly Site[]): Promise<void> {
  for (const s of sites)
    await control.setSite(s.app, { maintenance: s.maintenance === true, domains: [...(s.domains ?? [])] });
}

export { freePort };

export interface TestApp {
  port: number;
  address: string;
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 answering `<body>` plus the request's forwarding headers as JSON. */
export async function startApp(body: string): Promise<TestApp> {
  const srv: Server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({
        body,
        host: req.headers.host,
        requestId: req.headers['x-request-id'],
        forwardedFor: req.headers['x-forwarded-for'],
        forwardedPort: req.headers['x-forwarded-port'],
        forwardedProto: req.headers['x-forwarded-proto'],
      }),
    );
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  return {
    port,
    address: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        srv.closeAllConnections();
        srv.close(() => resolve());
      }),
  };
}

export interface Answer {
  status: number;
  text: string;
  socket: Socket;
  headers: IncomingHttpHeaders;
}

export function get(
  port: number,
  host: string,
  opts: {
    agent?: Agent;
    headers?: Record<string, string>;
    method?: string;
    path?: string;
    body?: Buffer | string;
  } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: opts.method ?? 'GET',
        path: opts.path ?? '/',
        headers: { host, ...opts.headers },
        agent: opts.agent ?? false,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text, socket: req.socket as Socket, headers: res.headers }),
        );
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** The app body behind an answer (the test apps answer JSON). */
export function bodyOf(a: Answer): string | undefined {
  try {
    return (JSON.parse(a.text) as { body?: string }).body;
  } catch {
    return undefined;
  }
}

/** Pids of the processes whose parent is `pid` (nginx's workers), sorted. */
export async function childPids(pid: number): Promise<number[]> {
  const out: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === pid && fields[0] !== 'Z') out.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return out.sort((a, b) => a - b);
}

/** Polls `probe` until it returns a value (not undefined); gives up after `tries`. No timing is asserted. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  tries = 200,
  everyMs = 50,
): Promise<T> {
  let last: unknown;
  for (let i = 0; i < tries; i++) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await sleep(everyMs);
  }
  throw new Error(`gave up waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

export async function tempDir(name: string): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `paas-${name}-`));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface RouterHarness {
  store: Store;
  nginx: NginxCli;
  control: HttpUpstreamControl;
  httpPort: number;
  /** nginx's HTTPS port, when started with `https`. */
  httpsPort: number | undefined;
  /** The apps' domain: an app answers at <app>.<domain>. */
  domain: string;
  /** The host the router says it runs on (containers there are reached at their bridge address). */
  hostId: string;
  /** The running router, stopped by stop() (a test that replaces it sets this). */
  router: Router | undefined;
  /** A new router over the same etcd, nginx and control port, not started. */
  makeRouter(): Router;
  /** The router's wake socket (started with the router; stopped by stop()); a test that replaces it sets this. */
  wakes: WakeListener | undefined;
  /** A new wake socket for the running router (h.router), writing to etcd, not started. */
  makeWakes(): WakeListener;
  /** Every ask that reached the wake socket (app, ms from Lua's ask), and every WakeRecord written. */
  asks: Array<{ app: string; hopMs: number | undefined }>;
  written: WakeRecord[];
  /** The issuer of the apps' own names' certificates that the next makeRouter/makeWakes use (leaves.ts), if any. */
  leaves: LeafIssuer | undefined;
  /** Every name the socket was asked a leaf of. */
  leafAsks: string[];
  /** Stops the router and nginx, removes the keys and the temp dir. */
  stop(): Promise<void>;
}

/** A started Router over the real etcd (a prefix of its own), with its own nginx in a temp dir. */
export async function startRouter(
  name: string,
  opts: {
    wake?: WakeSettings;
    https?: { certificate: string; key: string };
    leaves?: LeafIssuer;
    log?: Logger;
    /** The etcd prefix (another harness's, to share its keys); by default one of its own. */
    prefix?: string;
    /** nginx counts the apps' requests (metrics.ts); on unless false. */
    requestMetrics?: boolean;
    /** The platform's own sites served (platformsites.ts: the dashboard), as start.ts has them; none unless given. */
    platform?: PlatformUpstreams;
  } = {},
): Promise<RouterHarness> {
  const tmp = await tempDir(name);
  await chmod(tmp.dir, 0o755);
  const store = Store.connect(etcdEndpoints(), opts.prefix ?? uniquePrefix(name));
  const httpPort = await freePort();
  const httpsPort = opts.https ? await freePort() : undefined;
  const nginx = new NginxCli('nginx', `${tmp.dir}/nginx`);
  const control = new HttpUpstreamControl(await freePort());
  const domain = 'apps.test';
  const hostId = 'router-host';
  const log = opts.log ?? createLogger('router-test', 'silent');
  const h: RouterHarness = {
    store,
    nginx,
    control,
    httpPort,
    httpsPort,
    domain,
    hostId,
    router: undefined,
    makeRouter: () =>
      new Router({
        table: opts.platform ? platformTable(storeRouteTable(store), opts.platform) : storeRouteTable(store),
        nginx,
        control,
        log,
        settings: {
          domain,
          listen: '127.0.0.1',
          httpPort,
          controlPort: control.port,
          dir: nginx.paths.dir,
          modulesInclude: DEFAULT_MODULES_INCLUDE,
          maxBodyMb: DEFAULT_MAX_BODY_MB,
          ...(opts.wake && { wake: opts.wake }),
          ...(opts.requestMetrics === false && { requestMetrics: false }),
          ...(opts.https &&
            httpsPort !== undefined && {
              https: { port: httpsPort, ...opts.https, ...(h.leaves && { leaves: h.leaves.fingerprint }) },
            }),
        },
        resyncMs: 200,
        hostId,
      }),
    wakes: undefined,
    makeWakes: () => {
      const sink = storeWakeSink(store);
      const issuer = h.leaves;
      const answer = issuer && leafAnswerer(issuer, domain, () => h.router?.apps() ?? new Set());
      const waker = new Waker({
        sink: { wake: (r) => sink.wake(r).then(() => void h.written.push(r)) },
        router: hostId,
        stateOf: (app) => h.router?.stateOf(app),
        sleepingSince: (app) => h.router?.sleepingSince(app),
      });
      return new WakeListener({
        path: wakeSocketPath(nginx.paths.dir),
        onWake: (app) => waker.ask(app),
        onHop: (app, hopMs) => h.asks.push({ app, hopMs }),
        log,
        ...(answer && {
          onLeaf: (name: string) => {
            h.leafAsks.push(name);
            return answer(name);
          },
        }),
      });
    },
    asks: [],
    written: [],
    leaves: opts.leaves,
    leafAsks: [],
    async stop() {
      await h.wakes?.stop();
      await h.router?.stop();
      await nginx.stop();
      await store.deletePrefix(`${store.keys.prefix}/`);
      store.close();
      await tmp.remove();
    },
  };
  h.router = h.makeRouter();
  h.wakes = h.makeWakes();
  await h.wakes.start();
  await h.router.start();
  return h;
}

/** Puts the route of `app` served by one dyno at `upstream` (on another host), with these custom domains. */
export function putRoute(store: Store, app: string, upstream: string, domains: string[] = []): Promise<void> {
  return store.put(store.keys.route(app), {
    app,
    dynos: [{ upstream, dyno: 'web.1', host: 'elsewhere' }],
    release: 1,
    domains,
    updatedAt: new Date().toISOString(),
  } satisfies Route);
}
