import { appPath } from '../../api.js';
import { appCommand, type AppCall } from '../../command.js';
import { json } from '../../format.js';
import { gitRoot, REMOTE, remoteIsApp, remoteUrl, setRemote } from '../../git.js';
import type { AppInfo } from '../../../services/core/api.js';

export default appCommand(
  'apps:rename <newname>',
  {
    description: 'rename an app; its URLs change and the `paas` git remote follows (owner or admin)',
    json: true,
    example: [
      '$ paas apps:rename new-name -a old-name',
      'Renaming old-name to new-name... done',
      'http://new-name.localhost/ | ssh://git@127.0.0.1:2222/new-name.git',
      'Git remote paas updated',
    ],
  },
  async ({ app, api, args: [newName], opts, ctx, out }: AppCall<[newName: string]>) => {
    const info = await api.request<AppInfo>('PATCH', appPath(app), { name: newName });
    const root = await gitRoot(ctx.cwd);
    const follows = root !== undefined && remoteIsApp(await remoteUrl(ctx.cwd), app);
    const remote = follows ? await setRemote(root, info.git_url) : undefined;
    if (opts.json) return out(json(info));
    out(`Renaming ${app} to ${info.name}... done`);
    out(`${info.web_url} | ${info.git_url}`);
    if (remote && remote !== 'unchanged') out(`Git remote ${REMOTE} ${remote}`);
    else if (!follows) out(`Don't forget to update git remotes for all other local checkouts of the app.`);
  },
);
