import { command } from '../../command.js';
import { json } from '../../format.js';
import type { AppInfo } from '../../../services/core/api.js';

// apps: the apps you can see.

/** `=== Apps` over one name a line, a sleeping (waking, crashed) app marked `my-app (sleeping)`; pure. */
export function appsText(apps: readonly Pick<AppInfo, 'name' | 'dyno_state'>[]): string {
  if (apps.length === 0) return 'You have no apps. Create one with `paas apps:create`.';
  return ['=== Apps', ...apps.map((a) => (a.dyno_state ? `${a.name} (${a.dyno_state})` : a.name))].join('\n');
}

export default command(
  'apps',
  {
    description: 'list your apps',
    json: true,
    example: ['$ paas apps', '=== Apps', 'sunny-falcon-4821', 'my-app (sleeping)'],
  },
  async ({ api, opts, out }) => {
    const apps = await api.get<AppInfo[]>('/apps');
    out(opts.json ? json(apps) : appsText(apps));
  },
);
