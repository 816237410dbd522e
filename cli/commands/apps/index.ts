import { command } from '../../command.js';
import { json } from '../../format.js';
import type { AppInfo } from '../../../services/core/api.js';

// apps: the apps you can see.

/** What marks an app in the list: its dynos' state (sleeping, waking, crashed), else its state unless running. */
function mark(a: Pick<AppInfo, 'dyno_state'> & Partial<Pick<AppInfo, 'state'>>): string | undefined {
  return a.dyno_state ?? (a.state && a.state !== 'running' ? a.state : undefined);
}

/** `=== Apps` over one name a line, an app not simply running marked `my-app (sleeping)`, `(deploying)`; pure. */
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
