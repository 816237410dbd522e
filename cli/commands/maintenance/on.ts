import { appPath } from '../../api.js';
import { appCommand } from '../../command.js';
import type { AppInfo } from '../../../services/core/api.js';

export default appCommand(
  'maintenance:on',
  {
    description: 'put an app in maintenance mode: its web traffic gets a 503 maintenance page',
    example: ['$ paas maintenance:on -a my-app', 'Enabling maintenance mode for my-app... done'],
  },
  async ({ app, api, out }) => {
    await api.request<AppInfo>('PATCH', appPath(app), { maintenance: true });
    out(`Enabling maintenance mode for ${app}... done`);
  },
);
