import { appPath } from '../../api.js';
import { appCommand } from '../../command.js';
import { json } from '../../format.js';
import type { BuildView } from '../../../services/core/api.js';
import { buildsTable } from './format.js';

export default appCommand(
  'builds',
  {
    description: 'list the builds of an app, newest first',
    json: true,
    example: [
      '$ paas builds -a my-app',
      '=== my-app Builds',
      'Id                      Status          Commit   User            Date                     Duration',
      '20240501-102030-a1b2c3  succeeded (v3)  1a2b3c4  me@example.com  2024/05/01 10:20:30 UTC  12.3s',
    ],
  },
  async ({ app, api, opts, out }) => {
    const builds = await api.get<BuildView[]>(appPath(app, '/builds'));
    if (opts.json) return out(json(builds));
    if (builds.length === 0) return out(`${app} has no builds yet. Deploy with: git push paas main`);
    out(`=== ${app} Builds\n${buildsTable(builds)}`);
  },
);
