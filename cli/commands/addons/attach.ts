import { appCommand, type AppCall } from '../../command.js';
import { json } from '../../format.js';
import type { AddonAttachRequest, AddonChangeView } from '../../../services/core/api.js';
import { releasesText } from './format.js';

export default appCommand(
  'addons:attach <addon>',
  {
    description:
      'attach an existing add-on to another app: a release with its <NAME>_URL (and DATABASE_URL if it has none)',
    appHelp: 'the app to attach it to',
    options: [['--as <name>', 'the attachment name: its config var is <NAME>_URL']],
    json: true,
    example: [
      '$ paas addons:attach paas-postgresql-aqua -a reports --as main',
      'Attaching paas-postgresql-aqua to reports as MAIN... done, reports v3',
    ],
  },
  async ({ app, api, args: [name], opts, out }: AppCall<[addon: string], { as?: string; json?: boolean }>) => {
    const body: AddonAttachRequest = { app, ...(opts.as && { as: opts.as }) };
    const made = await api.post<AddonChangeView>(`/addons/${encodeURIComponent(name)}/attachments`, body);
    if (opts.json) return out(json(made));
    const mine = made.addon.attachments.find((t) => t.app === app);
    out(`Attaching ${name} to ${app} as ${mine?.name ?? '?'}... done, ${releasesText(made)}`);
  },
);
