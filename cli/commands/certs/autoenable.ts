import { appPath } from '../../api.js';
import { appCommand, type AppCall } from '../../command.js';
import { json } from '../../format.js';
import type { AutoCertView } from '../../../services/core/api.js';

export default appCommand(
  'certs:auto:enable',
  {
    description: 'get certificates for the custom domains from the ACME server, renewed 30 days before expiry',
    json: true,
    example: ['$ paas certs:auto:enable -a my-app', 'Enabling automatic certificates for my-app... done'],
  },
  async ({ app, api, opts, out }: AppCall) => {
    const v = await api.post<AutoCertView>(appPath(app, '/certs/auto'), {});
    out(
      opts.json
        ? json(v)
        : `Enabling automatic certificates for ${app}... done\nWatch their status with \`paas certs:auto -a ${app}\`.`,
    );
  },
);
