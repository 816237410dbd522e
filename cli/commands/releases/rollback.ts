import { appPath } from '../../api.js';
import { appCommand } from '../../command.js';
import { json } from '../../format.js';
import type { ReleaseInfo } from '../../../services/core/api.js';
import { latestVersion, parseVersionArg, previousVersion } from './version.js';

export default appCommand(
  'rollback [release]',
  {
    description: 'make a new release with the code and config of an earlier one (default: the one before the latest)',
    json: 'output the new release as JSON',
    example: ['$ paas rollback v4 -a my-app', 'Rolling back my-app to v4... done, v7'],
    parse: ([release]: [string | undefined]) => (release === undefined ? undefined : parseVersionArg(release)),
  },
  async ({ app, api, input: wanted, opts, out }) => {
    const target = wanted ?? previousVersion(app, await latestVersion(api, app));
    const made = await api.post<ReleaseInfo>(appPath(app, '/releases'), { release: target });
    if (opts.json) return out(json(made));
    out(`Rolling back ${app} to v${target}... done, v${made.version}`);
  },
);
