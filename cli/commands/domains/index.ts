import { appPath } from '../../api.js';
import { appListing } from '../../command.js';
import { table } from '../../format.js';
import type { DomainView } from '../../../services/core/api.js';

// domains: an app's default name and custom domains (domains:add, domains:remove change them).

/** The `paas domains` text: the default name, then the custom domains in a table. */
export function domainsText(app: string, domains: readonly DomainView[]): string {
  const fallback = domains.filter((d) => d.kind === 'default').map((d) => d.hostname);
  const custom = domains.filter((d) => d.kind !== 'default');
  const lines = [`=== ${app} Default Domain`, ...fallback, ''];
  if (custom.length === 0) {
    lines.push(`=== ${app} has no custom domains`, 'Add one with `paas domains:add www.example.com`.');
  } else
    lines.push(
      `=== ${app} Custom Domains`,
      table(
        custom.map((d) => [d.hostname]),
        ['Domain Name'],
      ),
    );
  return lines.join('\n');
}

export default appListing<DomainView[]>('domains', {
  description: "list an app's domains: its default name and custom domains",
  example: ['$ paas domains -a my-app', '=== my-app Default Domain', 'my-app.localhost'],
  path: (app) => appPath(app, '/domains'),
  text: (app, domains) => domainsText(app, domains),
});
