import { command } from '../../command.js';
import { json, table } from '../../format.js';
import type { SizeView } from '../../../services/core/api.js';

export default command(
  'ps:sizes',
  {
    description: 'list the dyno sizes: memory, CPU share, disk and bandwidth',
    json: true,
    example: [
      '$ paas ps:sizes',
      'Name         Memory (MB)  CPU shares  Disk (MB)  Egress (Mbit/s)  Ingress (Mbit/s)',
      'eco          256          256         1024       50               50',
    ],
  },
  async ({ api, opts, out }) => {
    const sizes = await api.get<SizeView[]>('/dyno-sizes');
    if (opts.json) return out(json(sizes));
    const rows = sizes.map((s) => [
      s.name,
      ...[s.memory_mb, s.cpu_shares, s.disk_mb, s.egress_mbit, s.ingress_mbit].map(String),
    ]);
    out(table(rows, ['Name', 'Memory (MB)', 'CPU shares', 'Disk (MB)', 'Egress (Mbit/s)', 'Ingress (Mbit/s)']));
  },
);
