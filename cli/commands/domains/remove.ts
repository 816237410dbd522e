import { appPath } from '../../api.js';
import { appCommand, type AppCall } from '../../command.js';
import type { DomainView } from '../../../services/core/api.js';

/** A path segment for a hostname given on the command line (the API validates it). */
export function domainPath(app: string, hostname: string): string {
  return appPath(app, `/domains/${encodeURIComponent(hostname.trim().toLowerCase())}`);
}

export default appCommand(
  'domains:remove <hostname>',
  {
    description: 'remove a custom domain from an app',
    example: ['$ paas domains:remove www.example.com -a my-app', 'Removing www.example.com from my-app... done'],
  },
  async ({ app, api, args: [hostname], out }: AppCall<[hostname: string]>) => {
    const domain = await api.request<DomainView>('DELETE', domainPath(app, hostname));
    out(`Removing ${domain.hostname} from ${app}... done`);
  },
);
