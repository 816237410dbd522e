import type { Command } from 'commander';
import { apiClient, appPath } from '../../api.js';
import type { Ctx } from '../../context.js';
import { json } from '../../format.js';
import { resolveApp } from '../../git.js';

// drains, drains:add, drains:remove: where an app's log lines are forwarded.

export interface DrainView {
  id: string;
  url: string;
  token: string;
  created_at: string;
}

/** Heroku's listing: `=== Drains` then `<url> (<token>)` per drain. Pure. */
export function drainsText(app: string, drains: readonly DrainView[]): string {
  if (drains.length === 0) return `${app} has no drains.`;
  return ['=== Drains', ...drains.map((d) => `${d.url} (${d.token})`)].join('\n');
}

export function registerDrains(program: Command, ctx: Ctx): void {
  program
    .command('drains')
    .description("list an app's log drains")
    .option('-a, --app <app>', 'app to run the command against')
    .option('--json', 'output as JSON')
    .addHelpText('after', '\nExample:\n  $ paas drains -a my-app\n  === Drains\n  syslog+tls://logs.example.com:6514 (d.6f1c...)')
    .action(async (opts: { app?: string; json?: boolean }) => {
      const app = await resolveApp(ctx.cwd, opts.app);
      const drains = await (await apiClient(ctx)).get<DrainView[]>(appPath(app, '/log-drains'));
      ctx.out(opts.json ? json(drains) : drainsText(app, drains));
    });

  program
    .command('drains:add <url>')
    .description('forward the app\'s log lines to a syslog (RFC 5424 over TCP or TLS) or https endpoint')
    .option('-a, --app <app>', 'app to run the command against')
    .option('--json', 'output as JSON')
    .addHelpText('after', '\nExample:\n  $ paas drains:add syslog+tls://logs.example.com:6514 -a my-app\n  Successfully added drain syslog+tls://logs.example.com:6514')
    .action(async (url: string, opts: { app?: string; json?: boolean }) => {
      const app = await resolveApp(ctx.cwd, opts.app);
      const d = await (await apiClient(ctx)).post<DrainView>(appPath(app, '/log-drains'), { url });
      ctx.out(opts.json ? json(d) : `Successfully added drain ${d.url}`);
    });

  program
    .command('drains:remove <url-or-id>')
    .description('stop forwarding to a drain')
    .option('-a, --app <app>', 'app to run the command against')
    .addHelpText('after', '\nExample:\n  $ paas drains:remove syslog+tls://logs.example.com:6514 -a my-app\n  Successfully removed drain syslog+tls://logs.example.com:6514')
    .action(async (target: string, opts: { app?: string }) => {
      const app = await resolveApp(ctx.cwd, opts.app);
      const d = await (await apiClient(ctx)).request<DrainView>('DELETE', appPath(app, `/log-drains/${encodeURIComponent(target)}`));
      ctx.out(`Successfully removed drain ${d.url}`);
    });

}
