import type { Command } from 'commander';
import { apiClient, appPath } from '../../api.js';
import type { Ctx } from '../../context.js';
import { json, table } from '../../format.js';
import { resolveApp } from '../../git.js';

// domains, domains:add, domains:remove.

export interface DomainView {
  id: string;
  hostname: string;
  kind: 'default' | 'custom';
  created_at: string;
}

/** The `paas domains` text: the default name, then the custom domains in a table. */
export function domainsText(app: string, domains: readonly DomainView[]): string {
  const fallback = domains.filter((d) => d.kind === 'default').map((d) => d.hostname);
  const custom = domains.filter((d) => d.kind !== 'default');
  const lines = [`=== ${app} Default Domain`, ...fallback, ''];
  if (custom.length === 0) lines.push(`=== ${app} has no custom domains`, 'Add one with `paas domains:add www.example.com`.');
  else lines.push(`=== ${app} Custom Domains`, table(custom.map((d) => [d.hostname]), ['Domain Name']));
  return lines.join('\n');
}

/** A path segment for a hostname given on the command line (the API validates it). */
export function domainPath(app: string, hostname: string): string {
  return appPath(app, `/domains/${encodeURIComponent(hostname.trim().toLowerCase())}`);
}

export function registerDomains(program: Command, ctx: Ctx): void {
  program
    .command('domains')
    .description("list an app's domains: its default name and custom domains")
    .option('-a, --app <app>', 'app to run the command against')
    .option('--json', 'output as JSON')
    .addHelpText('after', '\nExample:\n  $ paas domains -a my-app\n  === my-app Default Domain\n  my-app.localhost')
    .action(async (opts: { app?: string; json?: boolean }) => {
      const app = await resolveApp(ctx.cwd, opts.app);
      const domains = await (await apiClient(ctx)).get<DomainView[]>(appPath(app, '/domains'));
      ctx.out(opts.json ? json(domains) : domainsText(app, domains));
    });

  program
    .command('domains:add <hostname>')
    .description('add a custom domain to an app (point its DNS at the platform)')
    .option('-a, --app <app>', 'app to run the command against')
    .option('--json', 'output as JSON')
    .addHelpText('after', '\nExample:\n  $ paas domains:add www.example.com -a my-app\n  Adding www.example.com to my-app... done')
    .action(async (hostname: string, opts: { app?: string; json?: boolean }) => {
      const app = await resolveApp(ctx.cwd, opts.app);
      const domain = await (await apiClient(ctx)).post<DomainView>(appPath(app, '/domains'), { hostname });
      ctx.out(opts.json ? json(domain) : `Adding ${domain.hostname} to ${app}... done`);
    });

  program
    .command('domains:remove <hostname>')
    .description('remove a custom domain from an app')
    .option('-a, --app <app>', 'app to run the command against')
    .addHelpText('after', '\nExample:\n  $ paas domains:remove www.example.com -a my-app\n  Removing www.example.com from my-app... done')
    .action(async (hostname: string, opts: { app?: string }) => {
      const app = await resolveApp(ctx.cwd, opts.app);
      const domain = await (await apiClient(ctx)).request<DomainView>('DELETE', domainPath(app, hostname));
      ctx.out(`Removing ${domain.hostname} from ${app}... done`);
    });
}
