import { appPath } from '../../api.js';
import { appCommand } from '../../command.js';
import type { AppInfo } from '../../../services/core/api.js';

export default appCommand(
  'maintenance:off',
  {
    description: 'take an app out of maintenance mode',
    example: ['$ paas maintenance:off -a my-app', 'Disabling maintenance mode for my-app... done'],
  },
  async ({ app, api, out }) => {
    await api.request<AppInfo>('PATCH', appPath(app), { maintenance: false });
    out(`Disabling maintenance mode for ${app}... done`);
  },
);
