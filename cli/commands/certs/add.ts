import { appPath } from '../../api.js';
import { appCommand, type AppCall } from '../../command.js';
import { json } from '../../format.js';
import type { CertView } from '../../../services/core/api.js';
import { certUpload } from './files.js';
import { certInfoText } from './info.js';

type Opts = { force?: boolean; json?: boolean };

export default appCommand(
  'certs:add <crt> <key>',
  {
    description: 'add an SSL certificate (CRT: the certificate then its intermediates, PEM; KEY: its unencrypted key)',
    json: true,
    options: [['--force', 'accept a certificate that is not valid yet']],
    example: ['$ paas certs:add server.crt server.key -a my-app', 'Adding SSL certificate to my-app... done'],
  },
  async ({ app, api, args: [crt, key], opts, out }: AppCall<[crt: string, key: string], Opts>) => {
    const cert = await api.post<CertView>(appPath(app, '/certs'), await certUpload(crt, key, opts.force));
    out(opts.json ? json(cert) : `Adding SSL certificate to ${app}... done\n${certInfoText(cert)}`);
  },
);
