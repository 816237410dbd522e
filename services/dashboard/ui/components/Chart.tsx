// A uPlot time-series chart as wide as its box: made again when its data
// change, resized with the box, destroyed with the component.

import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { ChartSeries } from '../metrics.js';

interface ChartProps {
  title: string;
  /** Epoch seconds, ascending. */
  xs: number[];
  series: ChartSeries[];
  /** How a y value reads on the axis and in the legend. */
  format: (v: number) => string;
  testid: string;
}

const HEIGHT = 220;

export function Chart({ title, xs, series, format, testid }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  // what the tests read: how many steps, and the sum of every series' values
  const sum = series.reduce((n, s) => n + s.values.reduce<number>((m, v) => m + (v ?? 0), 0), 0);

  useEffect(() => {
    const node = box.current;
    if (!node) return;
    const opts: uPlot.Options = {
      width: Math.max(200, node.clientWidth),
      height: HEIGHT,
      cursor: { drag: { x: false, y: false } },
      scales: { y: { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.1 : 1] } },
      axes: [
        { stroke: '#67607a', grid: { stroke: '#eceaf1' }, ticks: { stroke: '#eceaf1' } },
        {
          stroke: '#67607a',
          grid: { stroke: '#eceaf1' },
          ticks: { stroke: '#eceaf1' },
          size: 60,
          values: (_u, splits) => splits.map((v) => format(v)),
        },
      ],
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          spanGaps: false,
          ...(s.fill && { fill: `${s.color}22` }),
          value: (_u: uPlot, v: number | null) => (v === null || v === undefined ? '—' : format(v)),
        })),
      ],
    };
    const data: uPlot.AlignedData = [xs, ...series.map((s) => s.values)];
    const plot = new uPlot(opts, data, node);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(200, node.clientWidth), height: HEIGHT }));
    resize.observe(node);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [xs, series, format]);

  return (
    <figure class="chart" data-testid={testid} data-steps={xs.length} data-sum={Math.round(sum)}>
      <figcaption>{title}</figcaption>
      <div class="chart-box" ref={box} />
    </figure>
  );
}
