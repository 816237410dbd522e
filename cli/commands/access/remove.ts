import { appPath } from '../../api.js';
import { appCommand } from '../../command.js';
import type { CollaboratorView } from '../../../services/core/api.js';
import { emailArg } from './parse.js';

export default appCommand(
  'access:remove <email>',
  {
    description: "remove a collaborator's access to an app (the owner or an admin only)",
    example: [
      '$ paas access:remove dev@example.com -a my-app',
      'Removing dev@example.com access from the app my-app... done',
    ],
    parse: ([email]: [string]) => emailArg(email),
  },
  async ({ app, api, input: user, out }) => {
    await api.request<CollaboratorView>('DELETE', appPath(app, `/collaborators/${encodeURIComponent(user)}`));
    out(`Removing ${user} access from the app ${app}... done`);
  },
);
