import { appPath } from '../../api.js';
import { appCommand, type AppCall } from '../../command.js';
import { json } from '../../format.js';
import type { DomainView } from '../../../services/core/api.js';

export default appCommand(
  'domains:add <hostname>',
  {
    description: 'add a custom domain to an app (point its DNS at the platform)',
    json: true,
    example: ['$ paas domains:add www.example.com -a my-app', 'Adding www.example.com to my-app... done'],
  },
  async ({ app, api, args: [hostname], opts, out }: AppCall<[hostname: string]>) => {
    const domain = await api.post<DomainView>(appPath(app, '/domains'), { hostname });
    out(opts.json ? json(domain) : `Adding ${domain.hostname} to ${app}... done`);
  },
);
