import { appCommand, type AppCall } from '../../command.js';
import { patchBody, patchConfig } from './change.js';

export default appCommand(
  'config:unset <keys...>',
  {
    description: 'remove one or more config vars; makes a new release and restarts the app',
    example: ['$ paas config:unset GREETING -a my-app', 'Unsetting GREETING and restarting my-app... done, v6'],
  },
  async ({ app, api, args: [keys], out }: AppCall<[keys: string[]]>) => {
    const { done } = await patchConfig(api, app, patchBody(keys.map((k) => [k, null])));
    out(`Unsetting ${[...new Set(keys)].join(', ')} and restarting ${app}... ${done}`);
  },
);
