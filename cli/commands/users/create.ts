import type { Command } from 'commander';
import { apiClient } from '../../api.js';
import type { Ctx } from '../../context.js';
import { json } from '../../format.js';

// users:create (admins only).

interface Created {
  user: { id: string; email: string; admin: boolean };
  token: string;
}

/** users:create --json: `{name, token}` as the issue asks (a user's name is their email), plus the API's `user`. */
export function createdJson(created: Created): { name: string; token: string; user: Created['user'] } {
  return { name: created.user.email, token: created.token, user: created.user };
}

export function registerUsers(program: Command, ctx: Ctx): void {
  program
    .command('users:create <email>')
    .description('create a user and print their first API token (admins only)')
    .option('--admin', 'make the user an admin')
    .option('--json', 'output as JSON: {name, token, user}')
    .addHelpText('after', '\nExample:\n  $ paas users:create dev@example.com\n  Created user dev@example.com\n  API token: 3q2-...\n  (give it to them: paas login --token TOKEN)')
    .action(async (email: string, opts: { admin?: boolean; json?: boolean }) => {
      const created = await (await apiClient(ctx)).post<Created>('/users', { email, admin: Boolean(opts.admin) });
      if (opts.json) return ctx.out(json(createdJson(created)));
      ctx.out(`Created ${created.user.admin ? 'admin ' : ''}user ${created.user.email}`);
      ctx.out(`API token: ${created.token}`);
      ctx.out('(give it to them: paas login --token TOKEN; it is not shown again)');
    });
}
