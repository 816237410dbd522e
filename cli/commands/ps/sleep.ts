import { appPath } from '../../api.js';
import { appCommand } from '../../command.js';
import { json } from '../../format.js';
import type { SleepRequestView } from '../../../services/core/api.js';

export default appCommand(
  'ps:sleep',
  {
    description: "put an app's dynos to sleep now (those kept awake go on); the next web request wakes it",
    json: 'output the sleep request as JSON',
    example: ['$ paas ps:sleep -a my-app', 'Putting my-app to sleep... done; the next request wakes it'],
  },
  async ({ app, api, opts, out }) => {
    const asked = await api.post<SleepRequestView>(appPath(app, '/sleep'), {});
    out(opts.json ? json(asked) : `Putting ${app} to sleep... done; the next request wakes it`);
  },
);
