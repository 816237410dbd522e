import { join } from 'node:path';
import { LogBatcher } from '../core/logpost.js';
import { isoMicro, nowMicro } from '../core/logs.js';
import type { Running, ServiceContext } from '../core/service.js';
import { Store } from '../core/store.js';
import { AccessLogTail, routerLine } from './access.js';
import { loadConfig } from './config.js';
import { HttpUpstreamControl } from './control.js';
import { NginxCli } from './nginx.js';
import { Router } from './router.js';
import { storeRouteTable } from './table.js';
import { isPlatformSite, platformTable } from './platformsites.js';
import { ActivityReporter, storeActivitySink } from './activity.js';
import { storeWakeSink, Waker, WakeListener } from './wake.js';
import { leafAnswerer, loadLeafIssuer } from './leaves.js';
import { ServiceMetrics } from '../core/metrics.js';
import { requestMetricsText, type RequestMetrics } from './metrics.js';
import { minuteSamples, readingOf, type Reading } from './minutes.js';
import { onStepEnds, postMetrics } from '../core/metricpost.js';

// The router's composition root, in its own process (main.ts) or the
// platform's (services/platform). nginx is left running when it stops: it
// keeps serving while the router restarts (the next router adopts it);
// scripts/down stops it through $PAAS_STATE_DIR/nginx/nginx.pid.

export async function start(ctx: ServiceContext): Promise<Running> {
  const config = loadConfig(ctx.env);
  const log = ctx.logger(config.logLevel);
  const store = Store.shared(ctx, config.etcdEndpoints, config.etcdPrefix);
  const metrics = new ServiceMetrics('router');
  await metrics.serve(config.metrics, log.child({ module: 'metrics' }));
  const control = new HttpUpstreamControl(config.controlPort);
  // nginx's counts of the apps' requests, read at each scrape (metrics.ts)
  if (config.requestMetrics) metrics.extra(() => requestMetricsText(control));
  // and what grew each minute, per app, to the controller: the apps' series (minutes.ts)
  const internalToken = config.internalToken;
  let reading: Reading | undefined;
  const stopMinutes =
    config.requestMetrics && internalToken
      ? onStepEnds(60_000, async (start) => {
          const now = readingOf(await control.requestMetrics());
          const samples = minuteSamples(reading, now, start / 1000);
          reading = now;
          if (samples.length > 0)
            await postMetrics({ apiUrl: config.apiUrl, internalToken }, samples, log.child({ module: 'metrics' }));
        })
      : undefined;
  const issuer =
    config.httpsPort !== undefined && config.ca
      ? await loadLeafIssuer(config.ca, log.child({ module: 'leaves' }))
      : undefined;
  const router = new Router({
    // dashboard.<domain> beside the apps (platformsites.ts)
    table: platformTable(storeRouteTable(store), {
      ...(config.dashboardUpstream !== undefined && { dashboard: config.dashboardUpstream }),
    }),
    nginx: new NginxCli(config.nginxBin, config.nginxDir),
    control,
    log: log.child({ module: 'router' }),
    settings: {
      domain: config.domain,
      listen: config.httpListen,
      httpPort: config.httpPort,
      controlPort: config.controlPort,
      dir: config.nginxDir,
      modulesInclude: config.nginxModulesInclude,
      maxBodyMb: config.maxBodyMb,
      workers: config.nginxWorkers,
      wake: { timeoutS: config.wakeTimeoutS, maxHeld: config.wakeMaxHeld },
      certDictMb: config.certDictMb,
      requestMetrics: config.requestMetrics,
      metricsDictMb: config.metricsDictMb,
      ...(config.sshProxy && { ssh: config.sshProxy }),
      ...(config.httpsPort !== undefined && {
        https: {
          port: config.httpsPort,
          certificate: config.defaultCert,
          key: config.defaultKey,
          ...(issuer && { leaves: issuer.fingerprint }),
        },
      }),
    },
    resyncMs: config.resyncMs,
    nginxCheckMs: config.nginxCheckMs,
    hostId: config.hostId,
  });

  // The access log (JSON lines, written by nginx) followed from its end: each
  // request to an app becomes a `router` line of its log (`paas logs`); the dashboard's are no app's.
  const lines = config.internalToken
    ? new LogBatcher({ apiUrl: config.apiUrl, internalToken: config.internalToken, log })
    : undefined;
  if (!lines) log.warn('PAAS_INTERNAL_TOKEN not set: router lines do not reach app logs');
  const accessLog = new AccessLogTail(join(config.nginxDir, 'logs', 'access.log'), {
    fromEnd: true,
    onRecord: (r) => {
      if (r.app && !isPlatformSite(r.app))
        lines?.offer({
          app: r.app,
          at: isoMicro(r.at) ?? nowMicro(),
          source: 'router',
          dyno: 'router',
          line: routerLine(r, (u) => router.dynoOf(r.app, u)),
        });
    },
    onError: (err) => log.warn({ err }, 'cannot read the access log'),
  });
  // Requests for a sleeping app: nginx holds them and asks here for a wake,
  // written to etcd for the scheduler; the traffic nginx saw goes to etcd for
  // the scheduler's idle clock.
  const waker = new Waker({
    sink: storeWakeSink(store),
    router: config.hostId,
    stateOf: (app) => router.stateOf(app),
    sleepingSince: (app) => router.sleepingSince(app),
  });
  const wakes = new WakeListener({
    path: config.wakeSocket,
    onWake: (app) => waker.ask(app),
    // the platform's certificate of `<app>.<domain>`, for an app this router serves only
    ...(issuer && { onLeaf: leafAnswerer(issuer, config.domain, () => router.apps()) }),
    log: log.child({ module: 'wakes' }),
  });
  const activity = new ActivityReporter({
    control,
    sink: storeActivitySink(store),
    apps: () => router.apps(),
    router: config.hostId,
    log: log.child({ module: 'activity' }),
    everyMs: config.activityMs,
  });
  await wakes.start();
  await router.start();
  // the baseline of the first minute's counts: nginx may have counted since long before this router. The control
  // endpoint may not answer yet right after nginx starts: asked again, for up to 5 s (without a baseline the first
  // minute's reading becomes one, and that minute's requests, often a fresh platform's first ones, are not sent).
  if (stopMinutes) void baselineOf(control).then((m) => (reading ??= m && readingOf(m)));
  accessLog.start();
  activity.start();
  lines?.start();
  log.info(
    {
      domain: config.domain,
      httpPort: config.httpPort,
      httpsPort: config.httpsPort ?? null,
      controlPort: config.controlPort,
      nginxDir: config.nginxDir,
    },
    'router started',
  );
  return {
    log,
    stop: async () => {
      await activity.stop();
      await wakes.stop();
      await accessLog.stop();
      await lines?.stop();
      await router.stop();
      stopMinutes?.();
      await metrics.close();
    },
  };
}

/** nginx's counts as soon as the control endpoint gives them, within about 5 s; undefined past that. */
async function baselineOf(control: HttpUpstreamControl): Promise<RequestMetrics | undefined> {
  for (let i = 0; i < 25; i++) {
    try {
      return await control.requestMetrics();
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return undefined;
}
