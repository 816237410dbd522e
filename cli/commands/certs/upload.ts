import { appPath } from '../../api.js';
import { appCommand, type AppCall, type Definition } from '../../command.js';
import { json } from '../../format.js';
import type { CertView } from '../../../services/core/api.js';
import { certUpload } from './files.js';
import { certInfoText } from './info.js';

type Opts = { force?: boolean; json?: boolean };

/** certs:add (POST, a new certificate) and certs:update (PUT, in place of the app's): the two files uploaded. */
export function certUploadCommand(replace: boolean): Definition {
  const [name, description, example, doing] = replace
    ? [
        'certs:update',
        "replace an app's SSL certificate (served at once, no connection dropped)",
        ['$ paas certs:update renewed.crt renewed.key -a my-app', 'Updating SSL certificate of my-app... done'],
        (app: string) => `Updating SSL certificate of ${app}`,
      ]
    : [
        'certs:add',
        'add an SSL certificate (CRT: the certificate then its intermediates, PEM; KEY: its unencrypted key)',
        ['$ paas certs:add server.crt server.key -a my-app', 'Adding SSL certificate to my-app... done'],
        (app: string) => `Adding SSL certificate to ${app}`,
      ];
  return appCommand(
    `${name} <crt> <key>`,
    { description, json: true, options: [['--force', 'accept a certificate that is not valid yet']], example },
    async ({ app, api, args: [crt, key], opts, out }: AppCall<[crt: string, key: string], Opts>) => {
      const body = await certUpload(crt, key, opts.force);
      const cert = replace
        ? await api.request<CertView>('PUT', appPath(app, '/certs/current'), body)
        : await api.post<CertView>(appPath(app, '/certs'), body);
      out(opts.json ? json(cert) : `${doing(app)}... done\n${certInfoText(cert)}`);
    },
  );
}
