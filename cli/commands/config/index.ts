import { appPath } from '../../api.js';
import { appCommand, type AppCall } from '../../command.js';
import { json } from '../../format.js';
import type { ConfigVars } from '../../../services/core/api.js';
import { configLines, shellLines } from './format.js';

export default appCommand(
  'config',
  {
    description: 'show the config vars of an app',
    options: [['-s, --shell', 'output as KEY=value lines for a shell or .env file']],
    json: true,
    example: ['$ paas config -a my-app', '=== my-app Config Vars', 'LANG:     en_US.UTF-8', 'NODE_ENV: production'],
  },
  async ({ app, api, opts, out }: AppCall<[], { shell?: boolean; json?: boolean }>) => {
    const config = await api.get<ConfigVars>(appPath(app, '/config-vars'));
    if (opts.json) return out(json(config));
    if (opts.shell) return out(shellLines(config));
    out([`=== ${app} Config Vars`, configLines(config)].filter((s) => s !== '').join('\n'));
  },
);
