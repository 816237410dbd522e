import type { Command } from 'commander';
import { apiClient, appPath } from '../../api.js';
import type { Ctx } from '../../context.js';
import { formatDate, json, keyValues } from '../../format.js';
import { gitRoot, REMOTE, resolveApp, setRemote } from '../../git.js';

// apps, apps:create, apps:info.

export interface AppInfo {
  id: string;
  name: string;
  owner: { id: string; email: string | null };
  created_at: string;
  web_url: string;
  git_url: string;
  release: { version: number } | null;
}

/** The apps:info block. */
export function appInfoText(app: AppInfo): string {
  return [
    `=== ${app.name}`,
    keyValues([
      ['Git URL', app.git_url],
      ['Owner', app.owner.email ?? app.owner.id],
      ['Web URL', app.web_url],
      ['Release', app.release ? `v${app.release.version}` : 'none yet (git push paas main)'],
      ['Created', formatDate(app.created_at)],
    ]),
  ].join('\n');
}

export function registerApps(program: Command, ctx: Ctx): void {
  program
    .command('apps')
    .description('list your apps')
    .option('--json', 'output as JSON')
    .addHelpText('after', '\nExample:\n  $ paas apps\n  === Apps\n  sunny-falcon-4821')
    .action(async (opts: { json?: boolean }) => {
      const apps = await (await apiClient(ctx)).get<AppInfo[]>('/apps');
      if (opts.json) return ctx.out(json(apps));
      if (apps.length === 0) return ctx.out('You have no apps. Create one with `paas apps:create`.');
      ctx.out(['=== Apps', ...apps.map((a) => a.name)].join('\n'));
    });

  program
    .command('apps:create [name]')
    .description('create an app (a name is generated when none is given)')
    .option('--no-remote', 'do not add a `paas` git remote')
    .option('--json', 'output as JSON')
    .addHelpText(
      'after',
      '\nExample:\n  $ paas apps:create my-app\n  Creating my-app... done\n  http://my-app.localhost/ | ssh://git@127.0.0.1:2222/my-app.git\n  Git remote paas added',
    )
    .action(async (name: string | undefined, opts: { remote: boolean; json?: boolean }) => {
      const app = await (await apiClient(ctx)).post<AppInfo>('/apps', name ? { name } : {});
      const root = opts.remote ? await gitRoot(ctx.cwd) : undefined;
      const remote = root ? await setRemote(root, app.git_url) : undefined;
      if (opts.json) return ctx.out(json(app));
      ctx.out(`Creating ${app.name}... done`);
      ctx.out(`${app.web_url} | ${app.git_url}`);
      if (remote && remote !== 'unchanged') ctx.out(`Git remote ${REMOTE} ${remote}`);
    });

  program
    .command('apps:info')
    .description('show an app: URLs, owner, current release')
    .option('-a, --app <app>', 'app to run the command against')
    .option('--json', 'output as JSON')
    .addHelpText('after', '\nExample:\n  $ paas apps:info -a my-app\n  === my-app\n  Git URL:  ssh://git@127.0.0.1:2222/my-app.git\n  ...')
    .action(async (opts: { app?: string; json?: boolean }) => {
      const name = await resolveApp(ctx.cwd, opts.app);
      const app = await (await apiClient(ctx)).get<AppInfo>(appPath(name));
      ctx.out(opts.json ? json(app) : appInfoText(app));
    });
}
