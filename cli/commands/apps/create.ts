import { command, type ApiCall } from '../../command.js';
import { json } from '../../format.js';
import { gitRoot, REMOTE, setRemote } from '../../git.js';
import type { AppInfo } from '../../../services/core/api.js';

export default command(
  'apps:create [name]',
  {
    description: 'create an app (a name is generated when none is given)',
    options: [['--no-remote', 'do not add a `paas` git remote']],
    json: true,
    example: [
      '$ paas apps:create my-app',
      'Creating my-app... done',
      'http://my-app.localhost/ | ssh://git@127.0.0.1:2222/my-app.git',
      'Git remote paas added',
    ],
  },
  async ({ api, args: [name], opts, ctx, out }: ApiCall<[name?: string], { remote: boolean; json?: boolean }>) => {
    const app = await api.post<AppInfo>('/apps', name ? { name } : {});
    const root = opts.remote ? await gitRoot(ctx.cwd) : undefined;
    const remote = root ? await setRemote(root, app.git_url) : undefined;
    if (opts.json) return out(json(app));
    out(`Creating ${app.name}... done`);
    out(`${app.web_url} | ${app.git_url}`);
    if (remote && remote !== 'unchanged') out(`Git remote ${REMOTE} ${remote}`);
  },
);
