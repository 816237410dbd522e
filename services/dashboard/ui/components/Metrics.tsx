// An app's metrics over 1 h, 24 h or 7 d: requests (ok, failed), response
// times (p50, p95, p99) and each dyno's memory, one uPlot chart each.

import { useMemo, useState } from 'preact/hooks';
import type { MetricsView } from '../../../core/api.js';
import { api, appPath } from '../api.js';
import { chartsOf } from '../metrics.js';
import { Chart } from './Chart.js';
import { Pending, useLoad } from './common.js';

const RANGES = ['1h', '24h', '7d'] as const;
type Range = (typeof RANGES)[number];
/** The metrics are per minute: a minute's step arrives about a minute after it ends. */
const REFRESH_MS = 30_000;

const count = (v: number) => (Math.abs(v) >= 1000 ? `${(v / 1000).toFixed(1)}k` : String(Math.round(v * 10) / 10));
const ms = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${Math.round(v)} ms`);
const mb = (v: number) => `${Math.round(v)} MB`;

export function Metrics({ app }: { app: string }) {
  const [range, setRange] = useState<Range>('1h');
  const metrics = useLoad(
    (signal) => api<MetricsView>(appPath(app, `/metrics?range=${range}`), { signal }),
    [app, range],
    REFRESH_MS,
  );
  const charts = useMemo(() => metrics.data && chartsOf(metrics.data), [metrics.data]);

  return (
    <section class="card" data-testid="metrics">
      <div class="card-head">
        <h2>Metrics</h2>
        <div class="switch push-right" role="tablist">
          {RANGES.map((r) => (
            <button
              key={r}
              type="button"
              role="tab"
              aria-selected={r === range}
              class={r === range ? 'active' : ''}
              onClick={() => setRange(r)}
              data-testid={`metrics-range-${r}`}
            >
              {r}
            </button>
          ))}
        </div>
      </div>
      {!metrics.data || !charts ? (
        <Pending loaded={metrics} />
      ) : (
        <>
          <p class="muted small">
            Per {metrics.data.step_s >= 3600 ? 'hour' : metrics.data.step_s >= 600 ? '10 minutes' : 'minute'}; a minute
            shows about a minute after it ends.
          </p>
          <div class="charts">
            <Chart
              title="Requests"
              xs={charts.xs}
              series={charts.throughput}
              format={count}
              testid="chart-throughput"
            />
            <Chart title="Response time" xs={charts.xs} series={charts.latency} format={ms} testid="chart-latency" />
            <Chart title="Memory" xs={charts.xs} series={charts.memory} format={mb} testid="chart-memory" />
          </div>
        </>
      )}
    </section>
  );
}
