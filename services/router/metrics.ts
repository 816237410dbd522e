import { FIELDS, LOST_KEY, SIZE_BUCKETS, TIME_BUCKETS } from './luametrics.js';

// The router's request metrics in Prometheus' text format, named after
// ingress-nginx's: read from nginx at each scrape (GET /metrics of the
// control endpoint, luametrics.ts) and rendered here, a pure function of what
// nginx counted. Labels: app, process_type (`web` for all routed traffic
// today) and, for the request count, status: the status class (`2xx`), as
// ingress-nginx's --report-status-classes has it. Histograms have their
// `_bucket{le}` (cumulative), `_sum` and `_count`; a series shows once the
// app has had a request, and stays (its counters only grow) until the app's
// site goes or nginx restarts (a counter reset).

/** What nginx counted of one app and process type: FIELDS name -> value (absent: 0). */
export interface RequestSeries {
  app: string;
  processType: string;
  values: ReadonlyMap<string, number>;
}

export interface RequestMetrics {
  series: RequestSeries[];
  /** Requests whose counts a full shared dict lost, in part or whole. */
  lost: number;
}

/** Where the counts come from: nginx's control endpoint (HttpUpstreamControl). */
export interface RequestMetricsSource {
  requestMetrics(): Promise<RequestMetrics>;
}

const KNOWN = new Set(FIELDS);
const NAME = /^[a-z][a-z0-9-]*$/;

/** Parses GET /metrics of the control endpoint: "~lost <n>", then "<app> <process type> <field>=<value>..." lines. */
export function parseRequestMetrics(text: string): RequestMetrics {
  const series: RequestSeries[] = [];
  let lost = 0;
  for (const line of text.split('\n')) {
    const [app, second, ...fields] = line.trim().split(/\s+/);
    if (!app || second === undefined) continue;
    if (app === LOST_KEY) {
      const n = Number(second);
      if (Number.isFinite(n) && n >= 0) lost = n;
      continue;
    }
    if (!NAME.test(app) || !NAME.test(second)) continue;
    const values = new Map<string, number>();
    for (const f of fields) {
      const i = f.indexOf('=');
      const name = f.slice(0, i);
      const v = Number(f.slice(i + 1));
      if (i > 0 && KNOWN.has(name) && Number.isFinite(v) && v >= 0) values.set(name, v);
    }
    series.push({ app, processType: second, values });
  }
  return { series, lost };
}

export const REQUESTS = 'nginx_ingress_controller_requests';
export const REQUEST_DURATION = 'nginx_ingress_controller_request_duration_seconds';
export const RESPONSE_DURATION = 'nginx_ingress_controller_response_duration_seconds';
export const REQUEST_SIZE = 'nginx_ingress_controller_request_size';
export const RESPONSE_SIZE = 'nginx_ingress_controller_response_size';
export const LOCAL_RESPONSES = 'paas_router_local_responses_total';
export const LOST = 'paas_router_request_metrics_lost_total';

interface Histogram {
  name: string;
  help: string;
  /** The fields' letter (luametrics.ts FIELDS). */
  field: string;
  buckets: readonly number[];
}

const HISTOGRAMS: readonly Histogram[] = [
  {
    name: REQUEST_DURATION,
    help: 'The request processing time in seconds ($request_time: from its first byte read to its log)',
    field: 'd',
    buckets: TIME_BUCKETS,
  },
  {
    name: RESPONSE_DURATION,
    help: "The time spent on receiving the response from the app's dynos in seconds (summed over the dynos tried); requests that reached none are not in it",
    field: 'u',
    buckets: TIME_BUCKETS,
  },
  {
    name: REQUEST_SIZE,
    help: 'The request length in bytes (including request line, header, and request body)',
    field: 'q',
    buckets: SIZE_BUCKETS,
  },
  {
    name: RESPONSE_SIZE,
    help: 'The response length in bytes sent to the client (including status line, header, and body)',
    field: 'b',
    buckets: SIZE_BUCKETS,
  },
];

const CLASSES = [1, 2, 3, 4, 5] as const;

function escape(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labels(s: RequestSeries, extra = ''): string {
  return `{app="${escape(s.app)}",process_type="${escape(s.processType)}"${extra}}`;
}

function header(name: string, type: 'counter' | 'histogram', help: string): string {
  return `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n`;
}

/** A number as Prometheus reads it. */
function num(v: number): string {
  if (v === Infinity) return '+Inf';
  return String(v);
}

function histogramLines(h: Histogram, series: readonly RequestSeries[]): string {
  let out = '';
  for (const s of series) {
    const counts = Array.from({ length: h.buckets.length + 1 }, (_, i) => s.values.get(`${h.field}${i + 1}`) ?? 0);
    const total = counts.reduce((a, b) => a + b, 0);
    if (total === 0) continue;
    let cumulative = 0;
    for (const [i, le] of [...h.buckets, Infinity].entries()) {
      cumulative += counts[i] as number;
      out += `${h.name}_bucket${labels(s, `,le="${num(le)}"`)} ${num(cumulative)}\n`;
    }
    out += `${h.name}_sum${labels(s)} ${num(s.values.get(`${h.field}s`) ?? 0)}\n`;
    out += `${h.name}_count${labels(s)} ${num(total)}\n`;
  }
  return out;
}

/** The Prometheus text of nginx's counts: each family's HELP and TYPE, then its series by app and process type. */
export function renderRequestMetrics(m: RequestMetrics): string {
  const key = (s: RequestSeries) => `${s.app} ${s.processType}`;
  const series = [...m.series].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const of = (s: RequestSeries, f: string) => s.values.get(f) ?? 0;
  let out = header(
    REQUESTS,
    'counter',
    'The total number of client requests of an app (status: the class of the status sent, 1xx to 5xx)',
  );
  for (const s of series)
    for (const c of CLASSES) {
      const n = of(s, `s${c}`) + of(s, `o${c}`);
      if (n > 0) out += `${REQUESTS}${labels(s, `,status="${c}xx"`)} ${num(n)}\n`;
    }
  for (const h of HISTOGRAMS) out += header(h.name, 'histogram', h.help) + histogramLines(h, series);
  out += header(
    LOCAL_RESPONSES,
    'counter',
    `Requests of an app that the router answered itself, no dyno sending a response (no web dyno, maintenance, the wake timeout, a redirect to HTTPS, a body too large, no dyno reachable or in time), by status class; also in ${REQUESTS}`,
  );
  for (const s of series)
    for (const c of CLASSES) {
      const n = of(s, `o${c}`);
      if (n > 0) out += `${LOCAL_RESPONSES}${labels(s, `,status="${c}xx"`)} ${num(n)}\n`;
    }
  out += header(LOST, 'counter', "Requests whose metrics nginx's full shared dict lost, in part or whole");
  out += `${LOST} ${num(m.lost)}\n`;
  return out;
}

/** The text served at each scrape of the router's GET /metrics (core/metrics.ts ServiceMetrics.extra). */
export async function requestMetricsText(source: RequestMetricsSource): Promise<string> {
  return renderRequestMetrics(await source.requestMetrics());
}
