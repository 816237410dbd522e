import { appPath } from '../../api.js';
import { appCommand, type AppCall } from '../../command.js';
import type { DrainView } from '../../../services/core/api.js';

export default appCommand(
  'drains:remove <url-or-id>',
  {
    description: 'stop forwarding to a drain',
    example: [
      '$ paas drains:remove syslog+tls://logs.example.com:6514 -a my-app',
      'Successfully removed drain syslog+tls://logs.example.com:6514',
    ],
  },
  async ({ app, api, args: [target], out }: AppCall<[urlOrId: string]>) => {
    const drain = await api.request<DrainView>('DELETE', appPath(app, `/log-drains/${encodeURIComponent(target)}`));
    out(`Successfully removed drain ${drain.url}`);
  },
);
