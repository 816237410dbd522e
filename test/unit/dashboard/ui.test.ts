import { describe, expect, it } from 'vitest';
import type { MetricsView } from '../../../services/core/api.js';
import { parseLine } from '../../../services/dashboard/ui/loglines.js';
import { chartsOf } from '../../../services/dashboard/ui/metrics.js';
import { routeOf } from '../../../services/dashboard/ui/routes.js';
import { plain } from '../../../services/dashboard/ui/text.js';
import { stateOf, type AppSummary } from '../../../services/dashboard/ui/types.js';

// The dashboard UI's pure parts: its paths, an app's state, log lines in
// their parts, metrics as chart series.

describe('routeOf', () => {
  it('maps the paths to pages, decoding the names', () => {
    expect(routeOf('/')).toEqual({ page: 'apps' });
    expect(routeOf('/apps')).toEqual({ page: 'apps' });
    expect(routeOf('/apps/')).toEqual({ page: 'apps' });
    expect(routeOf('/apps/my-app')).toEqual({ page: 'app', app: 'my-app', tab: 'overview' });
    expect(routeOf('/apps/my-app/logs')).toEqual({ page: 'app', app: 'my-app', tab: 'logs' });
    expect(routeOf('/apps/my-app/builds/b%2F1')).toEqual({ page: 'app', app: 'my-app', tab: 'builds', id: 'b/1' });
    expect(routeOf('/apps/%E0%A4%A')).toEqual({ page: 'app', app: '%E0%A4%A', tab: 'overview' });
    expect(routeOf('/nowhere')).toEqual({ page: 'not-found', path: '/nowhere' });
    expect(routeOf('/apps/a/b/c/d')).toEqual({ page: 'not-found', path: '/apps/a/b/c/d' });
  });
});

describe('stateOf', () => {
  const app = (o: Partial<AppSummary>) => ({ release: null, dyno_state: null, ...o }) as AppSummary;
  it("takes the API's state, else tells it from the route state and the release", () => {
    expect(stateOf(app({ state: 'deploying', release: { version: 1 } }))).toBe('deploying');
    expect(stateOf(app({ dyno_state: 'sleeping', release: { version: 1 } }))).toBe('sleeping');
    expect(stateOf(app({ dyno_state: 'crashed', release: { version: 1 } }))).toBe('crashed');
    expect(stateOf(app({ release: { version: 2 } }))).toBe('running');
    expect(stateOf(app({}))).toBe('idle');
  });
});

describe('parseLine', () => {
  it('splits time, source and text; anything else is text', () => {
    expect(parseLine(1, '2026-05-01T10:00:00.123456+00:00 app[web.1]: GET / 200')).toEqual({
      n: 1,
      at: '2026-05-01T10:00:00.123456+00:00',
      source: 'app[web.1]',
      text: 'GET / 200',
    });
    expect(parseLine(2, '2026-05-01T10:00:00.123456+00:00 router: at=info method=GET path="/x"').source).toBe('router');
    expect(parseLine(3, 'no format: here')).toEqual({ n: 3, at: '', source: '', text: 'no format: here' });
    expect(parseLine(4, '2026-05-01T10:00:00Z app[web.1]: \u001b[32mgreen\u001b[0m').text).toBe('green');
  });

  it('keeps markup as it is (rendered as text)', () => {
    expect(parseLine(5, '2026-05-01T10:00:00Z app[web.1]: <script>alert(1)</script>').text).toBe(
      '<script>alert(1)</script>',
    );
  });
});

describe('plain', () => {
  it('drops terminal colour codes only', () => {
    expect(plain('\u001b[1m-----> Building\u001b[0m on \u001b[?25lstack')).toBe('-----> Building on stack');
  });
});

describe('chartsOf', () => {
  it('orders the steps, keeps gaps as null and makes one memory series per dyno in MB', () => {
    const view: MetricsView = {
      app: 'a',
      range: '1h',
      step_s: 60,
      points: [
        {
          at: '2026-05-01T10:01:00Z',
          requests_ok: 5,
          requests_failed: 1,
          p50_ms: 3,
          p95_ms: 9,
          p99_ms: 12,
          memory_bytes: { 'web.10': 2 * 1048576, 'web.2': 1048576 },
        },
        {
          at: '2026-05-01T10:00:00Z',
          requests_ok: 0,
          requests_failed: 0,
          p50_ms: null,
          p95_ms: null,
          p99_ms: null,
          memory_bytes: { 'web.2': 3 * 1048576 },
        },
      ],
    };
    const c = chartsOf(view);
    expect(c.xs).toEqual([Date.parse('2026-05-01T10:00:00Z') / 1000, Date.parse('2026-05-01T10:01:00Z') / 1000]);
    expect(c.throughput.map((s) => s.values)).toEqual([
      [0, 5],
      [0, 1],
    ]);
    expect(c.latency.map((s) => [s.label, s.values])).toEqual([
      ['p50', [null, 3]],
      ['p95', [null, 9]],
      ['p99', [null, 12]],
    ]);
    expect(c.memory.map((s) => [s.label, s.values])).toEqual([
      ['web.2', [3, 1]],
      ['web.10', [null, 2]],
    ]);
  });

  it('answers empty series for no points', () => {
    const c = chartsOf({ app: 'a', range: '7d', step_s: 3600, points: [] });
    expect(c.xs).toEqual([]);
    expect(c.memory).toEqual([]);
    expect(c.throughput.every((s) => s.values.length === 0)).toBe(true);
  });
});
