import { command, type ApiCall } from '../../command.js';
import { json } from '../../format.js';
import type { AddonView } from '../../../services/core/api.js';
import { addonInfoText } from './format.js';

export default command(
  'addons:info <addon>',
  {
    description: 'show an add-on: its kind, plan, owner, state (provisioning, starting, up, crashed) and attachments',
    json: true,
    example: ['$ paas addons:info paas-postgresql-aqua', '=== paas-postgresql-aqua', 'Kind:  postgresql'],
  },
  async ({ api, args: [name], opts, out }: ApiCall<[addon: string]>) => {
    const a = await api.get<AddonView>(`/addons/${encodeURIComponent(name)}`);
    out(opts.json ? json(a) : addonInfoText(a));
  },
);
