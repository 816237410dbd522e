import { appPath } from '../../api.js';
import { appCommand, type AppCall } from '../../command.js';
import { json } from '../../format.js';
import type { AddonChangeView, AddonCreateRequest } from '../../../services/core/api.js';
import { releasesText } from './format.js';

interface CreateOpts {
  plan?: string;
  as?: string;
  json?: boolean;
}

/** The request of addons:create; pure (the API checks the kind, plan and name). */
export function createRequest(kind: string, opts: CreateOpts): AddonCreateRequest {
  return { kind, ...(opts.plan && { plan: opts.plan }), ...(opts.as && { as: opts.as }) };
}

export default appCommand(
  'addons:create <kind>',
  {
    description:
      'create an add-on (postgresql or redis) and attach it to the app: DATABASE_URL / REDIS_URL, <NAME>_URL',
    options: [
      ['--plan <plan>', 'small (256 MB, 1/4 CPU; the default) or standard (1 GB, 1 CPU)'],
      ['--as <name>', 'the attachment name: its config var is <NAME>_URL (default: the add-on name)'],
    ],
    json: true,
    example: [
      '$ paas addons:create postgresql -a shop',
      'Creating paas-postgresql-aqua (postgresql, small) on shop... done, shop v5',
      'Config vars set: DATABASE_URL, PAAS_POSTGRESQL_AQUA_URL',
    ],
  },
  async ({ app, api, args: [kind], opts, out }: AppCall<[kind: string], CreateOpts>) => {
    const made = await api.post<AddonChangeView>(appPath(app, '/addons'), createRequest(kind, opts));
    if (opts.json) return out(json(made));
    const a = made.addon;
    out(`Creating ${a.name} (${a.kind}, ${a.plan}) on ${app}... done, ${releasesText(made)}`);
    out(`Config vars set: ${a.attachments.flatMap((t) => t.config_vars).join(', ')}`);
    out(`It starts in the background: \`paas addons:info ${a.name}\` shows its state.`);
  },
);
