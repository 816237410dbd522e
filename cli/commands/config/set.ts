import { appCommand } from '../../command.js';
import { parseAssignments, patchBody, patchConfig } from './change.js';
import { configLines } from './format.js';

export default appCommand(
  'config:set <assignments...>',
  {
    description: 'set one or more config vars; makes a new release and restarts the app',
    example: [
      '$ paas config:set NODE_ENV=production GREETING="hello world" -a my-app',
      'Setting NODE_ENV, GREETING and restarting my-app... done, v5',
      'GREETING: hello world',
      'NODE_ENV: production',
    ],
    parse: ([assignments]: [string[]]) => patchBody(parseAssignments(assignments)),
  },
  async ({ app, api, input: body, out }) => {
    const keys = Object.keys(body);
    const { config, done } = await patchConfig(api, app, body);
    out(`Setting ${keys.join(', ')} and restarting ${app}... ${done}`);
    out(configLines(Object.fromEntries(keys.sort().map((k) => [k, config[k] ?? '']))));
  },
);
