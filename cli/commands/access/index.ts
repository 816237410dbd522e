import { appPath } from '../../api.js';
import { appCommand } from '../../command.js';
import { json, table } from '../../format.js';
import type { CollaboratorView } from '../../../services/core/api.js';

// access: an app's collaborators (access:add, access:remove change them).

/** The access table: email and role, owner first (as the API orders them). */
export function accessText(app: string, list: readonly CollaboratorView[]): string {
  const rows = list.map((c) => [c.user.email ?? c.user.id, c.role]);
  return [`=== ${app} Access`, table(rows, ['Email', 'Role'])].join('\n');
}

export default appCommand(
  'access',
  {
    description: 'list who has access to an app: its owner and collaborators',
    json: true,
    example: [
      '$ paas access -a my-app',
      '=== my-app Access',
      'Email              Role',
      '─────────────────  ────────────',
      'me@example.com     owner',
      'dev@example.com    collaborator',
    ],
  },
  async ({ app, api, opts, out }) => {
    const list = await api.get<CollaboratorView[]>(appPath(app, '/collaborators'));
    out(opts.json ? json(list) : accessText(app, list));
  },
);
