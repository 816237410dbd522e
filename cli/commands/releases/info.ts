import { appPath } from '../../api.js';
import { appCommand } from '../../command.js';
import { json } from '../../format.js';
import type { ConfigVars, ReleaseInfo } from '../../../services/core/api.js';
import { releaseInfoText } from './format.js';
import { latestVersion, parseVersionArg } from './version.js';

export default appCommand(
  'releases:info [release]',
  {
    description: 'show one release (default: the latest) and its config vars',
    options: [['-s, --shell', 'config vars as KEY=value lines']],
    json: true,
    example: [
      '$ paas releases:info v3 -a my-app',
      '=== Release v3',
      'Change:  Set NODE_ENV config var',
      'By:      me@example.com',
      '...',
    ],
    parse: ([release]: [string | undefined], _opts: { shell?: boolean; json?: boolean }) =>
      release === undefined ? undefined : parseVersionArg(release),
  },
  async ({ app, api, input: wanted, opts, out }) => {
    const version = wanted ?? (await latestVersion(api, app));
    const info = await api.get<ReleaseInfo>(appPath(app, `/releases/${version}`));
    if (opts.json) return out(json(info));
    const config = await api.get<ConfigVars>(appPath(app, `/releases/${version}/config-vars`));
    out(releaseInfoText(info, config, opts.shell));
  },
);
