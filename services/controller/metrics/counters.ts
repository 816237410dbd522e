import type { Request, RequestHandler } from 'express';
import type { Counter, Histogram } from 'prom-client';
import type { ServiceMetrics } from '../../core/metrics.js';

// The controller's work (issue 18), on its registry (core/metrics.ts):
//
//   paas_controller_http_requests_total{method, route, code}     API requests answered
//   paas_controller_http_request_duration_seconds{method, route} until the answer ended
//   paas_controller_releases_total{kind}                         releases made: build (a push),
//                                                                config, rollback, slug, promote
//   paas_controller_log_lines_received_total                     app log lines taken in (the
//                                                                ingest: dynos', routers' lines)
//   paas_controller_log_lines_dropped_total{reason}              lines lost: unknown_app (ingest
//                                                                for no such app), drain_overflow
//                                                                (a drain's queue full: L10),
//                                                                tail_overflow (a `logs --tail`
//                                                                reader too slow: L11), peer_overflow
//                                                                (not copied to another controller:
//                                                                its queue full, or it did not answer)
//
// `route` is the pattern express matched (`/apps/:app/releases`), never the
// path: a bounded set of values whatever the requests. A request no route
// took (an unknown path, a token refused before the route) is `unmatched`;
// a method outside HTTP's usual ones is `other`. `paas run`'s websockets
// (runs/rendezvous.ts) are not express requests and are not counted.

export type ReleaseKind = 'build' | 'config' | 'rollback' | 'slug' | 'promote';
export type DropReason = 'unknown_app' | 'drain_overflow' | 'tail_overflow' | 'peer_overflow';

/** Seconds: most answers take milliseconds; log streams and builds' records last minutes. */
export const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export class ControllerMetrics {
  readonly requests: Counter<'method' | 'route' | 'code'>;
  readonly duration: Histogram<'method' | 'route'>;
  private readonly releases: Counter<'kind'>;

  constructor(metrics: ServiceMetrics) {
    this.requests = metrics.counter(
      'paas_controller_http_requests_total',
      'API requests answered, by method, route pattern and status code',
      ['method', 'route', 'code'],
    );
    this.duration = metrics.histogram(
      'paas_controller_http_request_duration_seconds',
      'API requests until their answer ended, by method and route pattern',
      HTTP_BUCKETS,
      ['method', 'route'],
    );
    this.releases = metrics.counter(
      'paas_controller_releases_total',
      'Releases made, by kind: build, config, rollback, slug, promote',
      ['kind'],
    );
    for (const kind of ['build', 'config', 'rollback', 'slug', 'promote'] as const) this.releases.inc({ kind }, 0);
  }

  released(kind: ReleaseKind, n = 1): void {
    this.releases.inc({ kind }, n);
  }

  /** The middleware counting each request once its answer ended (or its connection closed). First in the app. */
  middleware(): RequestHandler {
    return (req, res, next) => {
      const end = this.duration.startTimer();
      const route = matchedRoute(req);
      let counted = false;
      const count = () => {
        if (counted) return;
        counted = true;
        const labels = { method: METHODS.has(req.method) ? req.method : 'other', route: route() ?? 'unmatched' };
        this.requests.inc({ ...labels, code: String(res.statusCode) });
        end(labels);
      };
      res.on('finish', count);
      res.on('close', count);
      next();
    };
  }
}

/**
 * The full pattern of the route express matches for this request (its router's mount path and the route's path),
 * taken when express sets `req.route`: by the time the answer ends, an error on its way out of a router has put back
 * `req.baseUrl`.
 */
function matchedRoute(req: Request): () => string | undefined {
  let route: unknown;
  let pattern: string | undefined;
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => route,
    set: (r: unknown) => {
      route = r;
      const path = (r as { path?: unknown } | undefined)?.path;
      if (path !== undefined) pattern = `${req.baseUrl}${String(path)}`;
    },
  });
  return () => pattern;
}

/** The controller's log pipeline's counts (logs/): lines taken in, lines lost and why. */
export class LogCounts {
  private readonly receivedLines: Counter;
  private readonly droppedLines: Counter<'reason'>;

  constructor(metrics: ServiceMetrics) {
    this.receivedLines = metrics.counter(
      'paas_controller_log_lines_received_total',
      "App log lines taken in by the ingest (POST /internal/logs: the dynos' output, the routers' lines)",
    );
    this.droppedLines = metrics.counter(
      'paas_controller_log_lines_dropped_total',
      "App log lines lost: unknown_app (no such app), drain_overflow (a drain's queue full), tail_overflow (a slow reader), peer_overflow (not copied to a peer controller)",
      ['reason'],
    );
    for (const reason of ['unknown_app', 'drain_overflow', 'tail_overflow', 'peer_overflow'] as const)
      this.droppedLines.inc({ reason }, 0);
  }

  received(n: number): void {
    if (n > 0) this.receivedLines.inc(n);
  }

  dropped(reason: DropReason, n: number): void {
    if (n > 0) this.droppedLines.inc({ reason }, n);
  }
}
