import { appPath } from '../../api.js';
import { appCommand } from '../../command.js';
import { CliError } from '../../context.js';
import { gitRoot, REMOTE, setRemote } from '../../git.js';
import type { AppInfo } from '../../../services/core/api.js';

// git:remote: point a git remote (default `paas`) of the current repository at an app.

/** A git remote name: letters, digits, '.', '_', '-'; not starting with '.' or '-', not ending in '.lock'. */
export function remoteNameArg(name: string): string {
  if (!/^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$/.test(name) || name.endsWith('.lock') || name.includes('..')) {
    throw new CliError(`Not a valid git remote name: ${name}`);
  }
  return name;
}

export default appCommand(
  'git:remote',
  {
    description: 'add a git remote for an app to the current repository (or update it)',
    appHelp: 'app to point the remote at',
    options: [['-r, --remote <name>', 'name of the git remote', REMOTE]],
    example: ['$ paas git:remote -a my-app', 'set git remote paas to ssh://git@127.0.0.1:2222/my-app.git'],
    parse: async (_args: [], opts: { remote: string }, ctx) => {
      const remote = remoteNameArg(opts.remote);
      const root = await gitRoot(ctx.cwd);
      if (!root) throw new CliError(`${ctx.cwd} is not inside a git repository. Run \`git init\` first.`);
      return { remote, root };
    },
  },
  async ({ app, api, input: { remote, root }, out }) => {
    const info = await api.get<AppInfo>(appPath(app));
    const change = await setRemote(root, info.git_url, remote);
    out(
      change === 'unchanged'
        ? `git remote ${remote} already points to ${info.git_url}`
        : `set git remote ${remote} to ${info.git_url}`,
    );
  },
);
