import { appPath } from '../../api.js';
import { APP_OPTION, command } from '../../command.js';
import { CliError } from '../../context.js';
import { json } from '../../format.js';
import { resolveApp } from '../../git.js';
import type { AppInfo } from '../../../services/core/api.js';
import { tagsText } from '../hosts/format.js';

// apps:pool over PATCH /apps/:app {pool}: the host tags the app's containers require.

/**
 * apps:pool's arguments: a first one without '=' names the app (else -a or
 * the git remote); the others are key=value, the whole required set; pure.
 */
export function parsePoolArgs(
  args: readonly string[],
  appFlag: string | undefined,
): { app: string | undefined; pool: Record<string, string> } {
  let rest = [...args];
  let app = appFlag;
  const first = rest[0];
  if (first !== undefined && !first.includes('=')) {
    if (appFlag !== undefined && appFlag !== first) throw new CliError(`Two apps given: ${first} and --app ${appFlag}`);
    app = first;
    rest = rest.slice(1);
  }
  const pool: Record<string, string> = {};
  for (const arg of rest) {
    const eq = arg.indexOf('=');
    if (eq <= 0)
      throw new CliError(`${JSON.stringify(arg)} is not key=value. Example: paas apps:pool my-app pool=high`);
    const key = arg.slice(0, eq);
    if (key in pool) throw new CliError(`The tag ${key} is given twice`);
    pool[key] = arg.slice(eq + 1);
  }
  return { app, pool };
}

/** The `paas apps:pool` text; pure. */
export function poolText(app: string, pool: Readonly<Record<string, string>> | null): string {
  if (!pool || Object.keys(pool).length === 0) return `${app} has no pool: its containers may run on any host.`;
  return `=== ${app} Pool\n${tagsText(pool)}`;
}

// Not an appCommand: the first argument may name the app.
export default command(
  'apps:pool [args...]',
  {
    description:
      "show or set the host tags an app's containers require (owner or admin to change); " +
      'the set given replaces the old one',
    options: [APP_OPTION, ['--clear', 'remove the requirement: any host']],
    json: true,
    example: [
      '$ paas apps:pool my-app pool=high',
      'Setting pool of my-app to pool=high... done',
      '$ paas apps:pool -a my-app',
      '=== my-app Pool',
      'pool=high',
      '$ paas apps:pool --clear -a my-app',
    ],
    parse: async ([args]: [string[]], opts: { app?: string; clear?: boolean; json?: boolean }, ctx) => {
      const { app, pool } = parsePoolArgs(args, opts.app);
      const setting = Object.keys(pool).length > 0;
      if (setting && opts.clear) throw new CliError('Give either tags or --clear, not both');
      return { app: await resolveApp(ctx.cwd, app), pool: setting ? pool : undefined };
    },
  },
  async ({ api, input: { app, pool }, opts, out }) => {
    if (!pool && !opts.clear) {
      const info = await api.get<AppInfo>(appPath(app));
      return out(opts.json ? json(info.pool) : poolText(app, info.pool));
    }
    const info = await api.request<AppInfo>('PATCH', appPath(app), { pool: opts.clear ? null : pool });
    if (opts.json) return out(json(info.pool));
    if (opts.clear) return out(`Clearing pool of ${app}... done`);
    out(`Setting pool of ${app} to ${tagsText(info.pool ?? {})}... done`);
  },
);
