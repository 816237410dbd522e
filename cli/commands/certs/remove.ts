import { appPath } from '../../api.js';
import { appCommand, type AppCall } from '../../command.js';
import { CliError } from '../../context.js';
import type { CertView } from '../../../services/core/api.js';

type Opts = { confirm?: string };

export default appCommand(
  'certs:remove',
  {
    description: "remove an app's uploaded SSL certificate (its domains fall back to the platform's certificate)",
    options: [['--confirm <app>', 'the app name again, to confirm']],
    example: ['$ paas certs:remove -a my-app --confirm my-app', 'Removing SSL certificate from my-app... done'],
  },
  async ({ app, api, opts, out }: AppCall<[], Opts>) => {
    if (opts.confirm !== app)
      throw new CliError(
        `This removes ${app}'s SSL certificate. To proceed, type paas certs:remove -a ${app} --confirm ${app}`,
      );
    await api.request<CertView>('DELETE', appPath(app, '/certs/current'));
    out(`Removing SSL certificate from ${app}... done`);
  },
);
