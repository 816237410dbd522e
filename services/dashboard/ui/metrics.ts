// An app's MetricsView as the series of its three charts; pure.

import type { MetricsView } from '../../core/api.js';

export interface ChartSeries {
  label: string;
  color: string;
  /** One value per x (null: none in that step, drawn as a gap). */
  values: (number | null)[];
  /** Filled below the line. */
  fill?: boolean;
}

const PALETTE = ['#6762a6', '#d68b16', '#2f9e72', '#c2416b', '#3d7fc2', '#8b5fbf', '#7f8c2a', '#b35c3c'];

/** x: each step's start (epoch s), ascending; requests (ok, failed), latency (p50, p95, p99, ms), memory per dyno (MB). */
export function chartsOf(view: MetricsView) {
  const points = [...view.points].sort((a, b) => a.at.localeCompare(b.at));
  const xs = points.map((p) => Math.floor(Date.parse(p.at) / 1000));
  const throughput: ChartSeries[] = [
    { label: 'ok', color: '#2f9e72', fill: true, values: points.map((p) => p.requests_ok) },
    { label: 'failed (5xx)', color: '#c2416b', fill: true, values: points.map((p) => p.requests_failed) },
  ];
  const latency: ChartSeries[] = [
    { label: 'p50', color: '#3d7fc2', values: points.map((p) => p.p50_ms) },
    { label: 'p95', color: '#d68b16', values: points.map((p) => p.p95_ms) },
    { label: 'p99', color: '#c2416b', values: points.map((p) => p.p99_ms) },
  ];
  const dynos = [...new Set(points.flatMap((p) => Object.keys(p.memory_bytes)))].sort((a, b) =>
    a.localeCompare(b, undefined, { numeric: true }),
  );
  const memory: ChartSeries[] = dynos.map((d, i) => ({
    label: d,
    color: PALETTE[i % PALETTE.length] ?? '#6762a6',
    values: points.map((p) => {
      const b = p.memory_bytes[d];
      return b === undefined ? null : b / (1024 * 1024);
    }),
  }));
  return { xs, throughput, latency, memory };
}
