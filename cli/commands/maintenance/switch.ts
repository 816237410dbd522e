import { appPath } from '../../api.js';
import { appCommand, type Definition } from '../../command.js';
import type { AppInfo } from '../../../services/core/api.js';

// maintenance:on and maintenance:off: one PATCH of the app's `maintenance` flag.

export function maintenanceSwitch(on: boolean, description: string): Definition {
  const doing = `${on ? 'Enabling' : 'Disabling'} maintenance mode for`;
  return appCommand(
    `maintenance:${on ? 'on' : 'off'}`,
    { description, example: [`$ paas maintenance:${on ? 'on' : 'off'} -a my-app`, `${doing} my-app... done`] },
    async ({ app, api, out }) => {
      await api.request<AppInfo>('PATCH', appPath(app), { maintenance: on });
      out(`${doing} ${app}... done`);
    },
  );
}
