import { appPath } from '../../api.js';
import { appCommand } from '../../command.js';
import { json } from '../../format.js';
import type { ReleaseListEntry } from '../../../services/core/api.js';
import { releasesTable } from './format.js';

export default appCommand(
  'releases',
  {
    description: 'list the releases of an app, newest first',
    json: true,
    example: [
      '$ paas releases -a my-app',
      '=== my-app Releases',
      'v1  Deploy 1a2b3c4  me@example.com  2024/05/01 10:20:30 UTC',
    ],
  },
  async ({ app, api, opts, out }) => {
    const releases = await api.get<ReleaseListEntry[]>(appPath(app, '/releases'));
    if (opts.json) return out(json(releases));
    if (releases.length === 0) return out(`${app} has no releases yet. Deploy with: git push paas main`);
    out(`=== ${app} Releases\n${releasesTable(releases)}`);
  },
);
