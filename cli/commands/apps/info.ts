import { appPath } from '../../api.js';
import { appCommand } from '../../command.js';
import { formatDate, json, keyValues } from '../../format.js';
import type { AppInfo } from '../../../services/core/api.js';
import { ago } from '../ps/format.js';

/** `sleeping since 2026/12/07 01:00:00 UTC (~ 5m ago)`, `waking`, `crashed`, `awake`: the web dynos' state; pure. */
export function dynoStateText(app: Pick<AppInfo, 'dyno_state' | 'sleeping_since'>, now: number): string {
  if (app.dyno_state === 'sleeping' && app.sleeping_since)
    return `sleeping since ${formatDate(app.sleeping_since)} (${ago(app.sleeping_since, now)})`;
  return app.dyno_state ?? 'awake';
}

/** The apps:info block. */
export function appInfoText(app: AppInfo, now = Date.now()): string {
  return [
    `=== ${app.name}`,
    keyValues([
      ['Git URL', app.git_url],
      ['Owner', app.owner.email ?? app.owner.id],
      ['Web URL', app.web_url],
      ...(app.https_url ? [['HTTPS URL', app.https_url] as [string, string]] : []),
      ['Release', app.release ? `v${app.release.version}` : 'none yet (git push paas main)'],
      ['Dynos', dynoStateText(app, now)],
      ...(app.state ? [['State', app.state] as [string, string]] : []),
      ['Created', formatDate(app.created_at)],
    ]),
  ].join('\n');
}

export default appCommand(
  'apps:info',
  {
    description: 'show an app: URLs, owner, current release, whether its dynos sleep',
    json: true,
    example: ['$ paas apps:info -a my-app', '=== my-app', 'Git URL:  ssh://git@127.0.0.1:2222/my-app.git', '...'],
  },
  async ({ app, api, opts, out }) => {
    const info = await api.get<AppInfo>(appPath(app));
    out(opts.json ? json(info) : appInfoText(info));
  },
);
