import { command, type ApiCall } from '../../command.js';
import { json } from '../../format.js';
import type { CreatedUserView } from '../../../services/core/api.js';

// users:create (admins only).

/** users:create --json: `{name, token}` as the issue asks (a user's name is their email), plus the API's `user`. */
export function createdJson(created: CreatedUserView): { name: string; token: string; user: CreatedUserView['user'] } {
  return { name: created.user.email, token: created.token, user: created.user };
}

export default command(
  'users:create <email>',
  {
    description: 'create a user and print their first API token (admins only)',
    options: [['--admin', 'make the user an admin']],
    json: 'output as JSON: {name, token, user}',
    example: [
      '$ paas users:create dev@example.com',
      'Created user dev@example.com',
      'API token: 3q2-...',
      '(give it to them: paas login --token TOKEN)',
    ],
  },
  async ({ api, args: [email], opts, out }: ApiCall<[email: string], { admin?: boolean; json?: boolean }>) => {
    const created = await api.post<CreatedUserView>('/users', { email, admin: Boolean(opts.admin) });
    if (opts.json) return out(json(createdJson(created)));
    out(`Created ${created.user.admin ? 'admin ' : ''}user ${created.user.email}`);
    out(`API token: ${created.token}`);
    out('(give it to them: paas login --token TOKEN; it is not shown again)');
  },
);
