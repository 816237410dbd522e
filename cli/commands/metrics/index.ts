import { appPath } from '../../api.js';
import { appCommand } from '../../command.js';
import { CliError } from '../../context.js';
import { json, table } from '../../format.js';
import type { MetricsPoint, MetricsView } from '../../../services/core/api.js';

// metrics: an app's throughput (ok/failed), response time percentiles and
// memory per dyno, a row a step (a minute over the last hour), newest last.

const RANGES = ['1h', '2h', '24h', '7d'];

/** "12.5 ms", "1.2 s", "-" (no request); pure. */
export function durationText(ms: number | null): string {
  if (ms === null) return '-';
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}

/** "web.1 120 MB, web.2 98 MB", "-" (no dyno reported); pure. */
export function memoryText(memory: Readonly<Record<string, number>>): string {
  const dynos = Object.keys(memory).sort();
  if (dynos.length === 0) return '-';
  return dynos.map((d) => `${d} ${Math.round((memory[d] as number) / 1024 / 1024)} MB`).join(', ');
}

/** "14:05", or "12/07 14:00" past a day's range; UTC; pure. */
function timeText(at: string, withDay: boolean): string {
  const d = new Date(at);
  const hm = `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
  return withDay
    ? `${String(d.getUTCMonth() + 1).padStart(2, '0')}/${String(d.getUTCDate()).padStart(2, '0')} ${hm}`
    : hm;
}

/** The metrics table: a row a step; pure. */
export function metricsText(view: MetricsView): string {
  const withDay = view.step_s >= 600;
  const rows = view.points.map((p: MetricsPoint) => [
    timeText(p.at, withDay),
    String(p.requests_ok),
    String(p.requests_failed),
    durationText(p.p50_ms),
    durationText(p.p95_ms),
    durationText(p.p99_ms),
    memoryText(p.memory_bytes),
  ]);
  const step = view.step_s >= 3600 ? `${view.step_s / 3600} h` : `${view.step_s / 60} min`;
  return [
    `=== ${view.app} Metrics (last ${view.range}, a row per ${step}, UTC)`,
    table(rows, ['TIME', 'OK', 'FAILED', 'P50', 'P95', 'P99', 'MEMORY']),
  ].join('\n');
}

export default appCommand(
  'metrics',
  {
    description: "show an app's throughput, response times and memory per dyno",
    json: true,
    options: [['-r, --range <range>', `how far back: ${RANGES.join(', ')} (default 1h)`]],
    example: [
      '$ paas metrics -a my-app',
      '=== my-app Metrics (last 1h, a row per 1 min, UTC)',
      'TIME   OK   FAILED  P50     P95     P99    MEMORY',
      '─────  ───  ──────  ──────  ──────  ─────  ───────────',
      '14:05  120  0       4.2 ms  9.8 ms  21 ms  web.1 64 MB',
    ],
    parse: (_args: [], opts: { range?: string; json?: boolean }) => {
      const range = opts.range ?? '1h';
      if (!RANGES.includes(range)) throw new CliError(`--range must be one of ${RANGES.join(', ')}, not ${range}`);
      return range;
    },
  },
  async ({ app, api, opts, input: range, out }) => {
    const view = await api.get<MetricsView>(`${appPath(app, '/metrics')}?range=${range}`);
    out(opts.json ? json(view) : metricsText(view));
  },
);
