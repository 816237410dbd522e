import { appPath } from '../../api.js';
import { APP_OPTION, command } from '../../command.js';
import { json } from '../../format.js';
import { resolveApp } from '../../git.js';
import type { AddonView } from '../../../services/core/api.js';
import { addonsText } from './format.js';

// addons: the add-ons attached to an app, or with --all those of every app you can see.

export default command(
  'addons',
  {
    description: "list an app's add-ons (attached to it, its own among them), or with --all every one you can see",
    options: [APP_OPTION, ['--all', 'the add-ons of every app you can see']],
    json: true,
    example: [
      '$ paas addons -a shop',
      'Add-on                Kind (plan)         Owner  State  Attached as',
      'paas-postgresql-aqua  postgresql (small)  shop   up     shop::PAAS_POSTGRESQL_AQUA',
    ],
  },
  async ({ api, opts, ctx, out }) => {
    const o = opts as { app?: string; all?: boolean; json?: boolean };
    const app = o.all ? undefined : await resolveApp(ctx.cwd, o.app);
    const addons = await api.get<AddonView[]>(app ? appPath(app, '/addons') : '/addons');
    out(o.json ? json(addons) : addonsText(addons, app ?? 'your apps'));
  },
);
