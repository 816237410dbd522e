import { appPath } from '../../api.js';
import { appListing } from '../../command.js';
import { table } from '../../format.js';
import type { CollaboratorView } from '../../../services/core/api.js';

// access: an app's collaborators (access:add, access:remove change them).

/** The access table: email and role, owner first (as the API orders them). */
export function accessText(app: string, list: readonly CollaboratorView[]): string {
  const rows = list.map((c) => [c.user.email ?? c.user.id, c.role]);
  return [`=== ${app} Access`, table(rows, ['Email', 'Role'])].join('\n');
}

export default appListing<CollaboratorView[]>('access', {
  description: 'list who has access to an app: its owner and collaborators',
  example: [
    '$ paas access -a my-app',
    '=== my-app Access',
    'Email              Role',
    '─────────────────  ────────────',
    'me@example.com     owner',
    'dev@example.com    collaborator',
  ],
  path: (app) => appPath(app, '/collaborators'),
  text: (app, list) => accessText(app, list),
});
