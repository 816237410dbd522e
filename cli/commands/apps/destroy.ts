import * as fs from 'node:fs';
import type { Command } from 'commander';
import git from 'isomorphic-git';
import { apiClient, appPath } from '../../api.js';
import { CliError, type Ctx } from '../../context.js';
import { json } from '../../format.js';
import { appFromGitUrl, gitRoot, NO_APP, REMOTE, remoteUrl, resolveApp, setRemote } from '../../git.js';
import type { AppInfo } from './index.js';

// apps:destroy and apps:rename.

/** The app apps:destroy deletes: the argument, else --app, else the git remote's; it must match --confirm. Pure. */
export function destroyTarget(arg: string | undefined, flag: string | undefined, fromRemote: string | undefined, confirm: string | undefined): string {
  const app = arg ?? flag ?? fromRemote;
  if (!app) throw new CliError(NO_APP);
  if (confirm !== app) {
    throw new CliError(
      `This will delete ${app}, its releases, domains, repository and running processes; it cannot be undone. ` +
        `To proceed, type paas apps:destroy ${app} --confirm ${app}`,
    );
  }
  return app;
}

/** Whether the `paas` remote at `url` is the one of `app` (and so follows it). Pure. */
export function remoteIsApp(url: string | undefined, app: string): boolean {
  return url !== undefined && appFromGitUrl(url) === app;
}

export function registerAppsLifecycle(program: Command, ctx: Ctx): void {
  program
    .command('apps:destroy [app]')
    .description('permanently destroy an app: releases, domains, containers, repository and images (owner or admin)')
    .option('-a, --app <app>', 'app to run the command against')
    .option('--confirm <app>', 'the app name again, to confirm')
    .addHelpText('after', '\nExample:\n  $ paas apps:destroy my-app --confirm my-app\n  Destroying my-app (including all its releases and domains)... done')
    .action(async (arg: string | undefined, opts: { app?: string; confirm?: string }) => {
      const url = await remoteUrl(ctx.cwd);
      const fromRemote = url === undefined ? undefined : appFromGitUrl(url);
      const app = destroyTarget(arg, opts.app, fromRemote, opts.confirm);
      await (await apiClient(ctx)).request<AppInfo>('DELETE', appPath(app));
      ctx.out(`Destroying ${app} (including all its releases and domains)... done`);
      const root = await gitRoot(ctx.cwd);
      if (root && remoteIsApp(url, app)) {
        await git.deleteRemote({ fs, dir: root, remote: REMOTE });
        ctx.out(`Git remote ${REMOTE} removed`);
      }
    });

  program
    .command('apps:rename <newname>')
    .description('rename an app; its URLs change and the `paas` git remote follows (owner or admin)')
    .option('-a, --app <app>', 'app to run the command against')
    .option('--json', 'output as JSON')
    .addHelpText(
      'after',
      '\nExample:\n  $ paas apps:rename new-name -a old-name\n  Renaming old-name to new-name... done\n  http://new-name.localhost/ | ssh://git@127.0.0.1:2222/new-name.git\n  Git remote paas updated',
    )
    .action(async (newName: string, opts: { app?: string; json?: boolean }) => {
      const app = await resolveApp(ctx.cwd, opts.app);
      const info = await (await apiClient(ctx)).request<AppInfo>('PATCH', appPath(app), { name: newName });
      const root = await gitRoot(ctx.cwd);
      const follows = root !== undefined && remoteIsApp(await remoteUrl(ctx.cwd), app);
      const remote = follows ? await setRemote(root, info.git_url) : undefined;
      if (opts.json) return ctx.out(json(info));
      ctx.out(`Renaming ${app} to ${info.name}... done`);
      ctx.out(`${info.web_url} | ${info.git_url}`);
      if (remote && remote !== 'unchanged') ctx.out(`Git remote ${REMOTE} ${remote}`);
      else if (!follows) ctx.out(`Don't forget to update git remotes for all other local checkouts of the app.`);
    });
}
