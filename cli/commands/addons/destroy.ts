import { command, type ApiCall } from '../../command.js';
import { CliError } from '../../context.js';
import { json } from '../../format.js';
import type { AddonChangeView } from '../../../services/core/api.js';
import { releasesText } from './format.js';

interface DestroyOpts {
  confirm?: string;
  force?: boolean;
  json?: boolean;
}

/** The DELETE path of addons:destroy; --confirm is required here, and checked against the owner app by the API. */
export function destroyPath(name: string, opts: DestroyOpts): string {
  if (!opts.confirm)
    throw new CliError(
      `This destroys ${name} and its data. To proceed, type paas addons:destroy ${name} --confirm <its app>`,
    );
  const q = new URLSearchParams({ confirm: opts.confirm, ...(opts.force && { force: 'true' }) });
  return `/addons/${encodeURIComponent(name)}?${q.toString()}`;
}

export default command(
  'addons:destroy <addon>',
  {
    description: 'destroy an add-on and detach it everywhere (refused while attached to other apps, unless --force)',
    options: [
      ['--confirm <app>', 'the name of the app that owns it, to confirm'],
      ['--force', 'destroy it even while other apps have it attached (they lose its config vars)'],
    ],
    json: true,
    example: [
      '$ paas addons:destroy paas-postgresql-aqua --confirm shop',
      'Destroying paas-postgresql-aqua... done, shop v6',
    ],
  },
  async ({ api, args: [name], opts, out }: ApiCall<[addon: string], DestroyOpts>) => {
    const done = await api.request<AddonChangeView>('DELETE', destroyPath(name, opts));
    out(opts.json ? json(done) : `Destroying ${name}... done${done.releases.length ? `, ${releasesText(done)}` : ''}`);
  },
);
