import { command } from '../../command.js';
import { json } from '../../format.js';
import type { AppInfo } from '../../../services/core/api.js';

// apps: the apps you can see.

/** What marks an app in the list: its dynos' state (sleeping, waking, crashed), else deploying or crashed. */
function mark(a: Pick<AppInfo, 'dyno_state'> & Partial<Pick<AppInfo, 'state'>>): string | undefined {
  return a.dyno_state ?? (a.state === 'deploying' || a.state === 'crashed' ? a.state : undefined);
}

/** `=== Apps` over one name a line, a sleeping, waking, crashed or deploying app marked `my-app (sleeping)`; pure. */
export function appsText(
  apps: readonly (Pick<AppInfo, 'name' | 'dyno_state'> & Partial<Pick<AppInfo, 'state'>>)[],
): string {
  if (apps.length === 0) return 'You have no apps. Create one with `paas apps:create`.';
  return ['=== Apps', ...apps.map((a) => (mark(a) ? `${a.name} (${mark(a)})` : a.name))].join('\n');
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
