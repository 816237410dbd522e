import { appPath } from '../../api.js';
import { appCommand, type AppCall } from '../../command.js';
import type { AutoCertView } from '../../../services/core/api.js';

export default appCommand(
  'certs:auto:disable',
  {
    description: "stop automatic certificates; the app's domains fall back to the platform's certificate",
    example: ['$ paas certs:auto:disable -a my-app', 'Disabling automatic certificates for my-app... done'],
  },
  async ({ app, api, out }: AppCall) => {
    await api.request<AutoCertView>('DELETE', appPath(app, '/certs/auto'));
    out(`Disabling automatic certificates for ${app}... done`);
  },
);
