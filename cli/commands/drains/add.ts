import { appPath } from '../../api.js';
import { appCommand, type AppCall } from '../../command.js';
import { json } from '../../format.js';
import type { DrainView } from '../../../services/core/api.js';

export default appCommand(
  'drains:add <url>',
  {
    description: "forward the app's log lines to a syslog (RFC 5424 over TCP or TLS) or https endpoint",
    json: true,
    example: [
      '$ paas drains:add syslog+tls://logs.example.com:6514 -a my-app',
      'Successfully added drain syslog+tls://logs.example.com:6514',
    ],
  },
  async ({ app, api, args: [url], opts, out }: AppCall<[url: string]>) => {
    const drain = await api.post<DrainView>(appPath(app, '/log-drains'), { url });
    out(opts.json ? json(drain) : `Successfully added drain ${drain.url}`);
  },
);
