import { appPath } from '../../api.js';
import { appCommand, type AppCall } from '../../command.js';
import type { ConfigVars } from '../../../services/core/api.js';
import { shellQuote } from './format.js';

export default appCommand(
  'config:get <key>',
  {
    description: 'print the value of one config var (an empty line when it is not set)',
    options: [['-s, --shell', 'output as KEY=value']],
    example: ['$ paas config:get NODE_ENV -a my-app', 'production'],
  },
  async ({ app, api, args: [key], opts, out }: AppCall<[key: string], { shell?: boolean }>) => {
    const config = await api.get<ConfigVars>(appPath(app, '/config-vars'));
    const value = Object.hasOwn(config, key) ? (config[key] ?? '') : '';
    out(opts.shell ? `${key}=${shellQuote(value)}` : value);
  },
);
