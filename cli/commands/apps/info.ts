import { appPath } from '../../api.js';
import { appCommand } from '../../command.js';
import { formatDate, json, keyValues } from '../../format.js';
import type { AppInfo } from '../../../services/core/api.js';

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

export default appCommand(
  'apps:info',
  {
    description: 'show an app: URLs, owner, current release',
    json: true,
    example: ['$ paas apps:info -a my-app', '=== my-app', 'Git URL:  ssh://git@127.0.0.1:2222/my-app.git', '...'],
  },
  async ({ app, api, opts, out }) => {
    const info = await api.get<AppInfo>(appPath(app));
    out(opts.json ? json(info) : appInfoText(info));
  },
);
