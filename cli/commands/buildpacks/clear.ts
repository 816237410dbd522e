import { appCommand } from '../../command.js';
import { installationsPath } from './change.js';

export default appCommand(
  'buildpacks:clear',
  {
    description: "clear the app's buildpacks: the next build detects one of ours",
    example: [
      '$ paas buildpacks:clear -a my-app',
      'Buildpacks cleared. Next release on my-app will detect buildpacks normally.',
    ],
  },
  async ({ app, api, out }) => {
    await api.request('PUT', installationsPath(app), { updates: [] });
    out(`Buildpacks cleared. Next release on ${app} will detect buildpacks normally.`);
  },
);
