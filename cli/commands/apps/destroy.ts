import * as fs from 'node:fs';
import git from 'isomorphic-git';
import { appPath } from '../../api.js';
import { APP_OPTION, command } from '../../command.js';
import { CliError } from '../../context.js';
import { appFromGitUrl, gitRoot, NO_APP, REMOTE, remoteIsApp, remoteUrl } from '../../git.js';
import type { AppInfo } from '../../../services/core/api.js';

/** The app apps:destroy deletes: the argument, else --app, else the git remote's; it must match --confirm. Pure. */
export function destroyTarget(
  arg: string | undefined,
  flag: string | undefined,
  fromRemote: string | undefined,
  confirm: string | undefined,
): string {
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

// Not an appCommand: the app may also be the argument, and it is checked against --confirm before anything else.
export default command(
  'apps:destroy [app]',
  {
    description: 'permanently destroy an app: releases, domains, containers, repository and images (owner or admin)',
    options: [APP_OPTION, ['--confirm <app>', 'the app name again, to confirm']],
    example: [
      '$ paas apps:destroy my-app --confirm my-app',
      'Destroying my-app (including all its releases and domains)... done',
    ],
    parse: async ([arg]: [string | undefined], opts: { app?: string; confirm?: string }, ctx) => {
      const url = await remoteUrl(ctx.cwd);
      const fromRemote = url === undefined ? undefined : appFromGitUrl(url);
      return { url, app: destroyTarget(arg, opts.app, fromRemote, opts.confirm) };
    },
  },
  async ({ api, input: { url, app }, ctx, out }) => {
    await api.request<AppInfo>('DELETE', appPath(app));
    out(`Destroying ${app} (including all its releases and domains)... done`);
    const root = await gitRoot(ctx.cwd);
    if (root && remoteIsApp(url, app)) {
      await git.deleteRemote({ fs, dir: root, remote: REMOTE });
      out(`Git remote ${REMOTE} removed`);
    }
  },
);
