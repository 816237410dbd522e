import { appPath } from '../../api.js';
import { appCommand, type AppCall } from '../../command.js';
import { json } from '../../format.js';
import type { CertView } from '../../../services/core/api.js';
import { certUpload } from './files.js';
import { certInfoText } from './info.js';

type Opts = { force?: boolean; json?: boolean };

export default appCommand(
  'certs:update <crt> <key>',
  {
    description: "replace an app's SSL certificate (served at once, no connection dropped)",
    json: true,
    options: [['--force', 'accept a certificate that is not valid yet']],
    example: ['$ paas certs:update renewed.crt renewed.key -a my-app', 'Updating SSL certificate of my-app... done'],
  },
  async ({ app, api, args: [crt, key], opts, out }: AppCall<[crt: string, key: string], Opts>) => {
    const cert = await api.request<CertView>(
      'PUT',
      appPath(app, '/certs/current'),
      await certUpload(crt, key, opts.force),
    );
    out(opts.json ? json(cert) : `Updating SSL certificate of ${app}... done\n${certInfoText(cert)}`);
  },
);
