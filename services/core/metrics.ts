import { createServer, type Server } from 'node:http';
import client from 'prom-client';
import { ConfigError, int, str, type Env } from './config.js';
import { etcdRoundTrips } from './etcdmetrics.js';
import type { Logger } from './logger.js';

// Each service's metrics (issue 18), in Prometheus' text format, on an HTTP
// listener of its own on a platform-internal address: GET /metrics, nothing
// else. PAAS_METRICS_LISTEN (127.0.0.1: a dyno reaches only the host's
// bridge address, and the agent's isolation lets it reach no host port but
// the router's) and PAAS_<SERVICE>_METRICS_PORT (METRICS_PORTS; 0: none).
// With the services in one process (services/platform) each still has its
// own port and registry, so a scrape config is the same either way; each
// registry carries the process's own metrics (prom-client's default ones:
// CPU, memory, event loop lag, GC), which are then the same process's, and
// the service's round trips to etcd (core/etcdmetrics.ts: its Store's alone).
// The service's work metrics are made by the service (services/<svc>/
// metrics.ts), named paas_<service>_*.
//
// Why prom-client: the Node client the Prometheus ecosystem uses (siimon/
// prom-client, kept since 2015): the exposition format, histograms and the
// process metrics Prometheus' own clients export, under the same names.

export type MetricsService = 'controller' | 'builder' | 'scheduler' | 'agent' | 'router' | 'dashboard';

/** Each service's metrics port unless told (PAAS_<SERVICE>_METRICS_PORT). */
export const METRICS_PORTS: Readonly<Record<MetricsService, number>> = {
  controller: 8710,
  builder: 8711,
  scheduler: 8712,
  agent: 8713,
  router: 8714,
  dashboard: 8715,
};

export interface MetricsListen {
  host: string;
  port: number;
}

/** Where a service serves its metrics, or undefined when its port is 0. */
export function metricsListen(env: Env, service: MetricsService): MetricsListen | undefined {
  const name = `PAAS_${service.toUpperCase()}_METRICS_PORT`;
  const port = int(env, name, METRICS_PORTS[service]);
  if (port < 0 || port > 65535) throw new ConfigError(`${name} must be 0..65535 (0: no metrics), got ${port}`);
  if (port === 0) return undefined;
  const host = str(env, 'PAAS_METRICS_LISTEN', '127.0.0.1');
  if (!/^[0-9a-fA-F.:]+$/.test(host))
    throw new ConfigError(`PAAS_METRICS_LISTEN must be an IP address, got ${JSON.stringify(host)}`);
  return { host, port };
}

/** A service's metrics: its registry (with the process's default metrics) and text served beside it. */
export class ServiceMetrics {
  readonly registry = new client.Registry();
  private readonly extras: Array<() => Promise<string> | string> = [];
  private server: Server | undefined;

  constructor(readonly service: MetricsService) {
    client.collectDefaultMetrics({ register: this.registry });
    const etcd = etcdRoundTrips(service);
    this.registry.registerMetric(etcd.requests);
    this.registry.registerMetric(etcd.duration);
  }

  counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): client.Counter<L> {
    return new client.Counter({ name, help, labelNames, registers: [this.registry] });
  }

  gauge<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
    collect?: (this: client.Gauge<L>) => void | Promise<void>,
  ): client.Gauge<L> {
    return new client.Gauge({ name, help, labelNames, registers: [this.registry], ...(collect && { collect }) });
  }

  histogram<L extends string>(
    name: string,
    help: string,
    buckets: number[],
    labelNames: readonly L[] = [],
  ): client.Histogram<L> {
    return new client.Histogram({ name, help, buckets, labelNames, registers: [this.registry] });
  }

  /** Text in Prometheus' format, asked at each scrape and served after the registry's (the router's from nginx). */
  extra(text: () => Promise<string> | string): void {
    this.extras.push(text);
  }

  /** The whole exposition: the registry's metrics, then each extra (one that fails is left out and logged). */
  async text(log?: Logger): Promise<string> {
    const parts = [await this.registry.metrics()];
    for (const extra of this.extras) {
      try {
        const t = await extra();
        if (t) parts.push(t.endsWith('\n') ? t : `${t}\n`);
      } catch (err) {
        log?.warn({ err }, 'a part of the metrics is missing from this scrape');
      }
    }
    return parts.join('');
  }

  /** Serves GET /metrics at `listen` until close(); a port taken is an error at start. */
  async serve(listen: MetricsListen | undefined, log: Logger): Promise<void> {
    if (!listen) return;
    const server = createServer((req, res) => {
      req.resume();
      const path = (req.url ?? '').split('?')[0];
      if (path !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /metrics\n');
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { 'content-type': 'text/plain', allow: 'GET, HEAD' }).end('method not allowed\n');
        return;
      }
      this.text(log).then(
        (body) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(body),
        (err: unknown) => {
          log.error({ err }, 'cannot gather the metrics');
          res.writeHead(500, { 'content-type': 'text/plain' }).end('cannot gather the metrics\n');
        },
      );
    });
    server.requestTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(listen.port, listen.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => log.error({ err }, 'metrics listener failed'));
    this.server = server;
    log.info({ metrics: `http://${listen.host}:${listen.port}/metrics` }, 'serving metrics');
  }

  /** Where it serves now (the port bound, when it was asked for 0); undefined when it does not. */
  address(): MetricsListen | undefined {
    const a = this.server?.address();
    return a && typeof a === 'object' ? { host: a.address, port: a.port } : undefined;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
