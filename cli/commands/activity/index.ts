import { appPath } from '../../api.js';
import { appListing } from '../../command.js';
import { formatDate, table } from '../../format.js';
import type { ActivityView } from '../../../services/core/api.js';

// activity: what was done to an app, newest first (builds, releases, scale, restarts, policy, maintenance, domains).

/** `=== my-app Activity` over When, Who, Kind, Description; pure. */
export function activityText(app: string, entries: readonly ActivityView[]): string {
  if (entries.length === 0) return `=== ${app} has no activity yet`;
  return [
    `=== ${app} Activity`,
    table(
      entries.map((e) => [formatDate(e.at), e.user.email ?? '', e.kind, e.description]),
      ['When', 'Who', 'Kind', 'Description'],
    ),
  ].join('\n');
}

export default appListing<ActivityView[]>('activity', {
  description: "the app's activity, newest first: builds, releases, scaling, restarts, policy, maintenance, domains",
  example: [
    '$ paas activity -a my-app',
    '=== my-app Activity',
    'When                     Who             Kind     Description',
    '───  ...',
    '2026/12/07 10:20:30 UTC  me@example.com  scale    Scaled web to 2:standard-1x',
    '2026/12/07 10:18:02 UTC  me@example.com  release  Deploy 3f2a1c0',
  ],
  path: (app) => appPath(app, '/activity'),
  text: activityText,
});
