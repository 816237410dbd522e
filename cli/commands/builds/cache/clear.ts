import { appPath } from '../../../api.js';
import { appCommand } from '../../../command.js';
import { json } from '../../../format.js';
import type { BuildCacheView } from '../../../../services/core/api.js';

export default appCommand(
  'builds:cache:clear',
  {
    description: "empty the app's build cache: the next build starts cold",
    json: true,
    example: [
      '$ paas builds:cache:clear -a my-app',
      'Clearing the build cache of my-app... done; the next build starts cold',
    ],
  },
  async ({ app, api, opts, out }) => {
    const cleared = await api.request<BuildCacheView>('DELETE', appPath(app, '/build-cache'));
    out(opts.json ? json(cleared) : `Clearing the build cache of ${app}... done; the next build starts cold`);
  },
);
