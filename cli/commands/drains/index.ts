import { appPath } from '../../api.js';
import { appListing } from '../../command.js';
import type { DrainView } from '../../../services/core/api.js';

// drains: where an app's log lines are forwarded (drains:add, drains:remove change them).

/** Heroku's listing: `=== Drains` then `<url> (<token>)` per drain. Pure. */
export function drainsText(app: string, drains: readonly Pick<DrainView, 'url' | 'token'>[]): string {
  if (drains.length === 0) return `${app} has no drains.`;
  return ['=== Drains', ...drains.map((d) => `${d.url} (${d.token})`)].join('\n');
}

export default appListing<DrainView[]>('drains', {
  description: "list an app's log drains",
  example: ['$ paas drains -a my-app', '=== Drains', 'syslog+tls://logs.example.com:6514 (d.6f1c...)'],
  path: (app) => appPath(app, '/log-drains'),
  text: (app, drains) => drainsText(app, drains),
});
