import { appPath } from '../../api.js';
import { appCommand } from '../../command.js';
import type { CollaboratorView } from '../../../services/core/api.js';
import { emailArg } from './parse.js';

export default appCommand(
  'access:add <email>',
  {
    description: 'let a user see, push to and change an app (the owner or an admin only)',
    example: ['$ paas access:add dev@example.com -a my-app', 'Adding dev@example.com access to the app my-app... done'],
    parse: ([email]: [string]) => emailArg(email),
  },
  async ({ app, api, input: user, out }) => {
    await api.post<CollaboratorView>(appPath(app, '/collaborators'), { user });
    out(`Adding ${user} access to the app ${app}... done`);
  },
);
