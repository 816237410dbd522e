import { appPath } from '../../api.js';
import { appCommand, type AppCall } from '../../command.js';
import { json } from '../../format.js';
import type { AddonChangeView } from '../../../services/core/api.js';
import { releasesText } from './format.js';

export default appCommand(
  'addons:detach <addon>',
  {
    description: 'detach an add-on from an app (not its owner: destroy it there): a release without its config vars',
    json: true,
    example: [
      '$ paas addons:detach paas-postgresql-aqua -a reports',
      'Detaching paas-postgresql-aqua from reports... done, reports v4',
    ],
  },
  async ({ app, api, args: [name], opts, out }: AppCall<[addon: string]>) => {
    const made = await api.request<AddonChangeView>('DELETE', appPath(app, `/addons/${encodeURIComponent(name)}`));
    out(opts.json ? json(made) : `Detaching ${name} from ${app}... done, ${releasesText(made)}`);
  },
);
