import { appPath } from '../../api.js';
import { appCommand } from '../../command.js';
import { json, table } from '../../format.js';
import type { FormationEntryView, SizeView } from '../../../services/core/api.js';
import { parseTypeArgs } from './parse.js';

export interface TypeRow {
  type: string;
  quantity: number;
  size: string;
  memory_mb: number | null;
  cpu_shares: number | null;
  disk_mb: number | null;
  egress_mbit: number | null;
  ingress_mbit: number | null;
}

/** ps:type's rows: each process type with what its size gives a dyno; pure. */
export function typeRows(formation: readonly FormationEntryView[], sizes: readonly SizeView[]): TypeRow[] {
  return formation.map((f) => {
    const s = sizes.find((x) => x.name === f.size);
    return {
      type: f.type,
      quantity: f.quantity,
      size: f.size,
      memory_mb: s?.memory_mb ?? null,
      cpu_shares: s?.cpu_shares ?? null,
      disk_mb: s?.disk_mb ?? null,
      egress_mbit: s?.egress_mbit ?? null,
      ingress_mbit: s?.ingress_mbit ?? null,
    };
  });
}

export function typeText(rows: readonly TypeRow[]): string {
  if (rows.length === 0) return 'No process types (push the app first)';
  const n = (v: number | null) => (v === null ? '-' : String(v));
  return table(
    rows.map((r) => [
      r.type,
      r.size,
      String(r.quantity),
      ...[r.memory_mb, r.cpu_shares, r.disk_mb, r.egress_mbit, r.ingress_mbit].map(n),
    ]),
    ['Type', 'Size', 'Qty', 'Memory (MB)', 'CPU shares', 'Disk (MB)', 'Egress (Mbit/s)', 'Ingress (Mbit/s)'],
  );
}

export default appCommand(
  'ps:type [changes...]',
  {
    alias: 'ps:resize', // Heroku has both names
    description:
      "show each process type's size and what it gives a dyno (memory, CPU, disk, bandwidth); TYPE=SIZE changes it " +
      '(in place where the host has room for the new limits, else by replacing the dynos)',
    json: 'output as JSON: [{type, quantity, size, memory_mb, cpu_shares, disk_mb, egress_mbit, ingress_mbit}]',
    example: [
      '$ paas ps:type -a my-app',
      'Type  Size         Qty  Memory (MB)  CPU shares  Disk (MB)  Egress (Mbit/s)  Ingress (Mbit/s)',
      'web   standard-1x  1    512          1024        2048       200              200',
      '$ paas ps:type web=standard-2x worker=eco',
      '$ paas ps:resize web=performance-m',
    ],
    parse: ([changes]: [string[]]) => parseTypeArgs(changes),
  },
  async ({ app, api, input: updates, opts, out }) => {
    const formation =
      updates.length > 0
        ? await api.request<FormationEntryView[]>('PATCH', appPath(app, '/formation'), { updates })
        : await api.get<FormationEntryView[]>(appPath(app, '/formation'));
    const rows = typeRows(formation, await api.get<SizeView[]>('/dyno-sizes'));
    out(opts.json ? json(rows) : typeText(rows));
  },
);
