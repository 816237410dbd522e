import { describe, expect, it } from 'vitest';
import { FIELDS, METRICS_LUA, SIZE_BUCKETS, TIME_BUCKETS } from '../../../services/router/luametrics.js';
import {
  parseRequestMetrics,
  renderRequestMetrics,
  requestMetricsText,
  type RequestMetrics,
} from '../../../services/router/metrics.js';

const series = (app: string, values: Record<string, number>, processType = 'web') => ({
  app,
  processType,
  values: new Map(Object.entries(values)),
});

/** The sample lines of a family (name, or name_bucket/_sum/_count), without HELP/TYPE. */
const lines = (text: string, prefix: string) => text.split('\n').filter((l) => l.startsWith(prefix));

describe('request metrics: the fields nginx counts', () => {
  it('are the status classes, then each histogram with a +Inf bucket and a sum', () => {
    expect(FIELDS.slice(0, 10)).toEqual(['s1', 's2', 's3', 's4', 's5', 'o1', 'o2', 'o3', 'o4', 'o5']);
    expect(FIELDS).toHaveLength(10 + 2 * (TIME_BUCKETS.length + 2) + 2 * (SIZE_BUCKETS.length + 2));
    expect(new Set(FIELDS).size).toBe(FIELDS.length);
    expect(FIELDS).toContain('d12');
    expect(FIELDS).not.toContain('d13');
    expect(FIELDS.at(-1)).toBe('bs');
  });

  it("are what the Lua's table is laid out by: each histogram's offset before its first bucket", () => {
    expect(METRICS_LUA).toContain(`local FIELDS = { "s1", "s2",`);
    const offsets = /local D, U, Q, B = (\d+), (\d+), (\d+), (\d+)/.exec(METRICS_LUA);
    expect(offsets?.slice(1).map(Number)).toEqual(['d1', 'u1', 'q1', 'b1'].map((f) => FIELDS.indexOf(f)));
    expect(METRICS_LUA).toContain('local TB = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 }');
    expect(METRICS_LUA).toContain('local SB = { 10, 100, 1000, 10000, 100000, 1000000, 10000000 }');
  });
});

describe('parseRequestMetrics', () => {
  it('reads the lost count and one series per line, its fields by name', () => {
    const m = parseRequestMetrics('~lost 3\nshop web s2=15 d1=10 d12=5 ds=0.25\nblog web o5=1\n');
    expect(m.lost).toBe(3);
    expect(m.series).toEqual([series('shop', { s2: 15, d1: 10, d12: 5, ds: 0.25 }), series('blog', { o5: 1 })]);
  });

  it('leaves out what it does not know: unknown fields, bad values, bad names, blank lines', () => {
    const m = parseRequestMetrics(
      ['~lost x', '', 'shop web s2=1 zz=4 d1=-1 d2=abc =3 s3', 'Bad web s2=1', 'shop WEB s2=1', 'lone'].join('\n'),
    );
    expect(m).toEqual({ lost: 0, series: [series('shop', { s2: 1 })] });
  });

  it('reads exact values (nginx writes %.17g)', () => {
    const m = parseRequestMetrics('~lost 0\nshop web ds=0.30000000000000004 bs=9007199254740991');
    expect(m.series[0]?.values.get('ds')).toBe(0.1 + 0.2);
    expect(m.series[0]?.values.get('bs')).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe('renderRequestMetrics', () => {
  const shop = series('shop', {
    s2: 7,
    s4: 2,
    o5: 1,
    d1: 4,
    d3: 3,
    d8: 2,
    d12: 1,
    ds: 12.5,
    u1: 5,
    u4: 4,
    us: 0.2,
    q3: 9,
    q4: 1,
    qs: 6000,
    b3: 10,
    bs: 3000,
  });

  it("renders ingress-nginx's families with HELP and TYPE, the status as its class", () => {
    const text = renderRequestMetrics({ series: [shop], lost: 0 });
    expect(text.endsWith('\n')).toBe(true);
    for (const [name, type] of [
      ['nginx_ingress_controller_requests', 'counter'],
      ['nginx_ingress_controller_request_duration_seconds', 'histogram'],
      ['nginx_ingress_controller_response_duration_seconds', 'histogram'],
      ['nginx_ingress_controller_request_size', 'histogram'],
      ['nginx_ingress_controller_response_size', 'histogram'],
      ['paas_router_local_responses_total', 'counter'],
      ['paas_router_request_metrics_lost_total', 'counter'],
    ]) {
      expect(text).toMatch(new RegExp(`^# HELP ${name} \\S.*\\n# TYPE ${name} ${type}$`, 'm'));
      expect(text.split('\n').filter((l) => l.startsWith(`# TYPE ${name} `))).toHaveLength(1);
    }
    expect(lines(text, 'nginx_ingress_controller_requests{')).toEqual([
      'nginx_ingress_controller_requests{app="shop",process_type="web",status="2xx"} 7',
      'nginx_ingress_controller_requests{app="shop",process_type="web",status="4xx"} 2',
      'nginx_ingress_controller_requests{app="shop",process_type="web",status="5xx"} 1',
    ]);
    expect(lines(text, 'paas_router_local_responses_total{')).toEqual([
      'paas_router_local_responses_total{app="shop",process_type="web",status="5xx"} 1',
    ]);
    expect(lines(text, 'paas_router_request_metrics_lost_total')).toEqual(['paas_router_request_metrics_lost_total 0']);
  });

  it('adds the requests a dyno answered and those nginx answered of one class', () => {
    const text = renderRequestMetrics({ series: [series('a1', { s5: 2, o5: 3, d1: 5 })], lost: 0 });
    expect(lines(text, 'nginx_ingress_controller_requests{')).toEqual([
      'nginx_ingress_controller_requests{app="a1",process_type="web",status="5xx"} 5',
    ]);
    expect(lines(text, 'paas_router_local_responses_total{')).toEqual([
      'paas_router_local_responses_total{app="a1",process_type="web",status="5xx"} 3',
    ]);
  });

  it('renders cumulative buckets up to +Inf, the sum, and the count of all of them', () => {
    const text = renderRequestMetrics({ series: [shop], lost: 0 });
    expect(lines(text, 'nginx_ingress_controller_request_duration_seconds')).toEqual([
      'nginx_ingress_controller_request_duration_seconds_bucket{app="shop",process_type="web",le="0.005"} 4',
      'nginx_ingress_controller_request_duration_seconds_bucket{app="shop",process_type="web",le="0.01"} 4',
      'nginx_ingress_controller_request_duration_seconds_bucket{app="shop",process_type="web",le="0.025"} 7',
      'nginx_ingress_controller_request_duration_seconds_bucket{app="shop",process_type="web",le="0.05"} 7',
      'nginx_ingress_controller_request_duration_seconds_bucket{app="shop",process_type="web",le="0.1"} 7',
      'nginx_ingress_controller_request_duration_seconds_bucket{app="shop",process_type="web",le="0.25"} 7',
      'nginx_ingress_controller_request_duration_seconds_bucket{app="shop",process_type="web",le="0.5"} 7',
      'nginx_ingress_controller_request_duration_seconds_bucket{app="shop",process_type="web",le="1"} 9',
      'nginx_ingress_controller_request_duration_seconds_bucket{app="shop",process_type="web",le="2.5"} 9',
      'nginx_ingress_controller_request_duration_seconds_bucket{app="shop",process_type="web",le="5"} 9',
      'nginx_ingress_controller_request_duration_seconds_bucket{app="shop",process_type="web",le="10"} 9',
      'nginx_ingress_controller_request_duration_seconds_bucket{app="shop",process_type="web",le="+Inf"} 10',
      'nginx_ingress_controller_request_duration_seconds_sum{app="shop",process_type="web"} 12.5',
      'nginx_ingress_controller_request_duration_seconds_count{app="shop",process_type="web"} 10',
    ]);
    expect(lines(text, 'nginx_ingress_controller_response_duration_seconds_count')).toEqual([
      'nginx_ingress_controller_response_duration_seconds_count{app="shop",process_type="web"} 9',
    ]);
    expect(lines(text, 'nginx_ingress_controller_request_size_bucket')).toEqual(
      ['10', '100', '1000', '10000', '100000', '1000000', '10000000', '+Inf'].map(
        (le, i) =>
          `nginx_ingress_controller_request_size_bucket{app="shop",process_type="web",le="${le}"} ${i < 2 ? 0 : i === 2 ? 9 : 10}`,
      ),
    );
    expect(lines(text, 'nginx_ingress_controller_request_size_sum')).toEqual([
      'nginx_ingress_controller_request_size_sum{app="shop",process_type="web"} 6000',
    ]);
    expect(lines(text, 'nginx_ingress_controller_response_size_count')).toEqual([
      'nginx_ingress_controller_response_size_count{app="shop",process_type="web"} 10',
    ]);
  });

  it('leaves out a histogram with no observation (no dyno reached) and a class with no request', () => {
    const text = renderRequestMetrics({ series: [series('nap', { o5: 1, d9: 1, ds: 1.2, q3: 1, qs: 300 })], lost: 0 });
    expect(lines(text, 'nginx_ingress_controller_response_duration_seconds')).toEqual([]);
    expect(lines(text, 'nginx_ingress_controller_response_size')).toEqual([]);
    expect(lines(text, 'nginx_ingress_controller_request_duration_seconds_count')).toEqual([
      'nginx_ingress_controller_request_duration_seconds_count{app="nap",process_type="web"} 1',
    ]);
    expect(lines(text, 'nginx_ingress_controller_requests{')).toHaveLength(1);
  });

  it('renders the families once whatever the apps, their series by app and process type', () => {
    const text = renderRequestMetrics({
      series: [series('zed', { s2: 1 }), series('shop', { s2: 2 }, 'worker'), series('shop', { s2: 3 })],
      lost: 4,
    });
    expect(lines(text, 'nginx_ingress_controller_requests{')).toEqual([
      'nginx_ingress_controller_requests{app="shop",process_type="web",status="2xx"} 3',
      'nginx_ingress_controller_requests{app="shop",process_type="worker",status="2xx"} 2',
      'nginx_ingress_controller_requests{app="zed",process_type="web",status="2xx"} 1',
    ]);
    expect(lines(text, 'paas_router_request_metrics_lost_total')).toEqual(['paas_router_request_metrics_lost_total 4']);
  });

  it('renders the families with no series for no traffic', () => {
    const text = renderRequestMetrics({ series: [], lost: 0 });
    expect(text.split('\n').filter((l) => l !== '' && !l.startsWith('#'))).toEqual([
      'paas_router_request_metrics_lost_total 0',
    ]);
    expect(lines(text, '# TYPE ')).toHaveLength(7);
  });

  it('escapes label values', () => {
    const text = renderRequestMetrics({ series: [series('a"b\\c\nd', { s2: 1 })], lost: 0 });
    expect(text).toContain('nginx_ingress_controller_requests{app="a\\"b\\\\c\\nd",process_type="web",status="2xx"} 1');
  });

  it('is what a scrape serves, from the counts of the source', async () => {
    const m: RequestMetrics = { series: [shop], lost: 1 };
    expect(await requestMetricsText({ requestMetrics: () => Promise.resolve(m) })).toBe(renderRequestMetrics(m));
  });

  it('round-trips what nginx writes', () => {
    const text =
      '~lost 0\nshop web s2=7 s4=2 o5=1 d1=4 d3=3 d8=2 d12=1 ds=12.5 u1=5 u4=4 us=0.2 q3=9 q4=1 qs=6000 b3=10 bs=3000';
    expect(renderRequestMetrics(parseRequestMetrics(text))).toBe(renderRequestMetrics({ series: [shop], lost: 0 }));
  });
});
