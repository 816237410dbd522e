import type { Counter } from 'prom-client';
import type { ServiceMetrics } from '../core/metrics.js';

// The dashboard's work in its registry (core/metrics.ts, PAAS_DASHBOARD_METRICS_PORT):
//   paas_dashboard_requests_total{kind, code}   kind: session, api, asset, page, other; code: 2xx..5xx
//   paas_dashboard_api_failures_total           the API could not be reached for an /api request
//   paas_dashboard_logins_total{method, result} method: token, password; result: ok, refused, failed
//   paas_dashboard_api_requests_in_flight       /api requests open now (log streams included)

export type RequestKind = 'session' | 'api' | 'asset' | 'page' | 'other';

export class DashboardMetrics {
  private readonly requests: Counter<'kind' | 'code'>;
  private readonly failures: Counter;
  private readonly logins: Counter<'method' | 'result'>;

  constructor(metrics: ServiceMetrics, inFlight: () => number) {
    this.requests = metrics.counter('paas_dashboard_requests_total', 'Requests answered, by kind and status class', [
      'kind',
      'code',
    ]);
    this.failures = metrics.counter('paas_dashboard_api_failures_total', 'API requests that could not reach the API');
    this.logins = metrics.counter('paas_dashboard_logins_total', 'Logins, by method and result', ['method', 'result']);
    metrics.gauge(
      'paas_dashboard_api_requests_in_flight',
      'API requests open now (log streams included)',
      [],
      function () {
        this.set(inFlight());
      },
    );
  }

  answered(kind: RequestKind, status: number): void {
    this.requests.inc({ kind, code: `${Math.floor(status / 100)}xx` });
  }

  apiFailed(): void {
    this.failures.inc();
  }

  login(method: 'token' | 'password', status: number): void {
    const result = status === 200 ? 'ok' : status >= 400 && status < 500 ? 'refused' : 'failed';
    this.logins.inc({ method, result });
  }
}
