import { appPath } from '../../api.js';
import { appCommand } from '../../command.js';
import type { AppInfo } from '../../../services/core/api.js';

// maintenance: whether an app's web traffic gets a 503 maintenance page (maintenance:on, maintenance:off).

export function maintenanceText(on: boolean): string {
  return on ? 'on' : 'off';
}

export default appCommand(
  'maintenance',
  {
    description: 'show whether an app is in maintenance mode (on or off)',
    example: ['$ paas maintenance -a my-app', 'off'],
  },
  async ({ app, api, out }) => {
    const info = await api.get<AppInfo>(appPath(app));
    out(maintenanceText(info.maintenance));
  },
);
