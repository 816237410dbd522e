import { command } from '../../command.js';
import { json } from '../../format.js';
import type { AppInfo } from '../../../services/core/api.js';

// apps: the apps you can see.

export default command(
  'apps',
  {
    description: 'list your apps',
    json: true,
    example: ['$ paas apps', '=== Apps', 'sunny-falcon-4821'],
  },
  async ({ api, opts, out }) => {
    const apps = await api.get<AppInfo[]>('/apps');
    if (opts.json) return out(json(apps));
    if (apps.length === 0) return out('You have no apps. Create one with `paas apps:create`.');
    out(['=== Apps', ...apps.map((a) => a.name)].join('\n'));
  },
);
