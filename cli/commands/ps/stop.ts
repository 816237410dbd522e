import { appPath } from '../../api.js';
import { appCommand, type AppCall } from '../../command.js';

export default appCommand(
  'ps:stop <dyno>',
  {
    alias: 'stop',
    description:
      'stop a one-off dyno (run.1234): its container is stopped and removed; another dyno (web.1) is restarted',
    example: ['$ paas ps:stop run.4821 -a my-app', 'Stopping run.4821 dyno on my-app... done'],
  },
  async ({ app, api, args: [dyno], out }: AppCall<[dyno: string]>) => {
    await api.request('POST', appPath(app, `/dynos/${encodeURIComponent(dyno)}/actions/stop`));
    out(`Stopping ${dyno} dyno on ${app}... done`);
  },
);
