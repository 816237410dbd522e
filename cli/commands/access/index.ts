import type { Command } from 'commander';
import { apiClient, appPath } from '../../api.js';
import { CliError, type Ctx } from '../../context.js';
import { json, table } from '../../format.js';
import { resolveApp } from '../../git.js';

// access, access:add, access:remove: an app's collaborators.

export interface Collaborator {
  id: string;
  user: { id: string; email: string | null };
  role: 'owner' | 'collaborator';
  created_at: string;
}

/** The access table: email and role, owner first (as the API orders them). */
export function accessText(app: string, list: readonly Collaborator[]): string {
  return [`=== ${app} Access`, table(list.map((c) => [c.user.email ?? c.user.id, c.role]), ['Email', 'Role'])].join('\n');
}

/** An email argument, trimmed; refused before any request when it cannot be one. */
export function emailArg(email: string): string {
  const e = email.trim();
  if (!/^[^\s@]+@[^\s@]+$/.test(e)) throw new CliError(`Not an email address: ${email}`);
  return e;
}

const APP = ['-a, --app <app>', 'app to run the command against'] as const;

export function registerAccess(program: Command, ctx: Ctx): void {
  program
    .command('access')
    .description("list who has access to an app: its owner and collaborators")
    .option(...APP)
    .option('--json', 'output as JSON')
    .addHelpText('after', '\nExample:\n  $ paas access -a my-app\n  === my-app Access\n  Email              Role\n  ─────────────────  ────────────\n  me@example.com     owner\n  dev@example.com    collaborator')
    .action(async (opts: { app?: string; json?: boolean }) => {
      const app = await resolveApp(ctx.cwd, opts.app);
      const list = await (await apiClient(ctx)).get<Collaborator[]>(appPath(app, '/collaborators'));
      ctx.out(opts.json ? json(list) : accessText(app, list));
    });

  program
    .command('access:add <email>')
    .description('let a user see, push to and change an app (the owner or an admin only)')
    .option(...APP)
    .addHelpText('after', '\nExample:\n  $ paas access:add dev@example.com -a my-app\n  Adding dev@example.com access to the app my-app... done')
    .action(async (email: string, opts: { app?: string }) => {
      const app = await resolveApp(ctx.cwd, opts.app);
      const user = emailArg(email);
      await (await apiClient(ctx)).post<Collaborator>(appPath(app, '/collaborators'), { user });
      ctx.out(`Adding ${user} access to the app ${app}... done`);
    });

  program
    .command('access:remove <email>')
    .description("remove a collaborator's access to an app (the owner or an admin only)")
    .option(...APP)
    .addHelpText('after', '\nExample:\n  $ paas access:remove dev@example.com -a my-app\n  Removing dev@example.com access from the app my-app... done')
    .action(async (email: string, opts: { app?: string }) => {
      const app = await resolveApp(ctx.cwd, opts.app);
      const user = emailArg(email);
      await (await apiClient(ctx)).request<Collaborator>('DELETE', appPath(app, `/collaborators/${encodeURIComponent(user)}`));
      ctx.out(`Removing ${user} access from the app ${app}... done`);
    });
}
