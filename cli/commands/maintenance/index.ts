import { appPath } from '../../api.js';
import { appCommand } from '../../command.js';

// maintenance: whether an app's web traffic gets a 503 maintenance page (maintenance:on, maintenance:off).

export interface AppMaintenance {
  name: string;
  maintenance: boolean;
}

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
    const info = await api.get<AppMaintenance>(appPath(app));
    out(maintenanceText(info.maintenance === true));
  },
);
