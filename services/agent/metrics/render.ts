import { dynoName, parseAssignmentId } from '../../core/ids.js';
import { LABEL, type ContainerRef } from '../spec.js';
import type { NetBytes } from './cgroup.js';
import type { KernelFigures } from './kernel.js';

// The per-dyno series in Prometheus' text format, under cAdvisor's names and
// types (and kube-state-metrics' for restarts), labelled with what the
// agent's container labels say (spec.ts). Pure.

/** The labels of a dyno's series, in the order they are written. */
export interface DynoLabels {
  app: string;
  process_type: string;
  /** web.1, run.1234, release.1 */
  dyno: string;
  release: string;
  /** The container's name (cAdvisor's `name`). */
  name: string;
  /** The agent's host id. */
  host: string;
}

/** One container at a scrape: its labels, its restarts (when the agent knows them), its figures while it runs. */
export interface DynoSample {
  labels: DynoLabels;
  restarts?: number;
  figures?: KernelFigures;
}

/** A container's labels; its dyno from its assignment id (`<app>.<type>.<index>.v<release>`). */
export function dynoLabels(c: Pick<ContainerRef, 'id' | 'labels' | 'name'>, host: string): DynoLabels {
  const assignment = c.labels[LABEL.assignment] ?? '';
  const parsed = parseAssignmentId(assignment);
  return {
    app: c.labels[LABEL.app] ?? parsed?.app ?? '',
    process_type: c.labels[LABEL.type] ?? parsed?.type ?? '',
    dyno: parsed ? dynoName(parsed.type, parsed.index) : assignment,
    release: c.labels[LABEL.release] ?? (parsed ? String(parsed.release) : ''),
    name: c.name ?? c.id.slice(0, 12),
    host,
  };
}

interface Family {
  name: string;
  type: 'counter' | 'gauge';
  help: string;
  /** Its series of one sample: the interface (network ones) and the value. */
  values(s: DynoSample): Array<[string | undefined, number]>;
}

const one = (v: number | undefined): Array<[undefined, number]> => (v === undefined ? [] : [[undefined, v]]);
const net = (s: DynoSample, key: 'rxBytes' | 'txBytes'): Array<[string, number]> =>
  [...(s.figures?.net ?? new Map<string, NetBytes>())].map(([iface, b]) => [iface, b[key]]);

/** The families, with cAdvisor's help texts. */
export const FAMILIES: readonly Family[] = [
  {
    name: 'container_cpu_usage_seconds_total',
    type: 'counter',
    help: 'Cumulative cpu time consumed in seconds.',
    values: (s) => one(s.figures?.cpuSeconds),
  },
  {
    name: 'container_memory_working_set_bytes',
    type: 'gauge',
    help: 'Current working set in bytes.',
    values: (s) => one(s.figures?.memory?.workingSetBytes),
  },
  {
    name: 'container_memory_usage_bytes',
    type: 'gauge',
    help: 'Current memory usage in bytes, including all memory regardless of when it was accessed',
    values: (s) => one(s.figures?.memory?.usageBytes),
  },
  {
    name: 'container_spec_memory_limit_bytes',
    type: 'gauge',
    help: 'Memory limit for the container.',
    values: (s) => one(s.figures?.memory?.limitBytes),
  },
  {
    name: 'container_network_receive_bytes_total',
    type: 'counter',
    help: 'Cumulative count of bytes received',
    values: (s) => net(s, 'rxBytes'),
  },
  {
    name: 'container_network_transmit_bytes_total',
    type: 'counter',
    help: 'Cumulative count of bytes transmitted',
    values: (s) => net(s, 'txBytes'),
  },
  {
    name: 'kube_pod_container_status_restarts_total',
    type: 'counter',
    help: 'The number of container restarts per container.',
    values: (s) => one(s.restarts),
  },
];

/** A label value in the text format: backslash, double quote and newline escaped. */
export const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

const labelText = (labels: DynoLabels) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
    .join(',');

/** Every family (HELP and TYPE even with no series), its series sorted by container name. */
export function renderDynoMetrics(samples: readonly DynoSample[]): string {
  // each sample's labels written once, not once a series
  const sorted = samples
    .map((s) => ({ s, labels: labelText(s.labels) }))
    .sort((a, b) => (a.s.labels.name < b.s.labels.name ? -1 : a.s.labels.name > b.s.labels.name ? 1 : 0));
  const lines: string[] = [];
  for (const f of FAMILIES) {
    lines.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
    for (const { s, labels } of sorted)
      for (const [iface, value] of f.values(s)) {
        const more = iface === undefined ? '' : `,interface="${escapeLabel(iface)}"`;
        lines.push(`${f.name}{${labels}${more}} ${value}`);
      }
  }
  return `${lines.join('\n')}\n`;
}
