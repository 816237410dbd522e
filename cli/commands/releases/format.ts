import type { Command } from 'commander';
import { apiClient, appPath, type ApiClient } from '../../api.js';
import { CliError, type Ctx } from '../../context.js';
import { formatDate, json, keyValues, table } from '../../format.js';
import { resolveApp } from '../../git.js';
import { configLines, shellLines, type ConfigVars } from '../config/format.js';
import type { AppInfo } from '../apps/index.js';

// releases, releases:info, rollback.

export interface ReleaseView {
  id: string;
  version: number;
  description: string;
  commit: string | null;
  created_at: string;
  user: { id: string; email: string | null };
  /** pending (the latest, not serving yet), succeeded or failed. */
  status?: string;
  /** Why it failed; null otherwise. */
  failure?: string | null;
}

/** The description column: a failed release says why, as Heroku's does. */
export function releaseDescription(r: Pick<ReleaseView, 'description' | 'status' | 'failure'>): string {
  return r.status === 'failed' ? `${r.description}  failed: ${r.failure ?? 'unknown reason'}` : r.description;
}

/** Newest first, as Heroku lists them. */
export function releasesTable(releases: readonly ReleaseView[]): string {
  const rows = [...releases]
    .sort((a, b) => b.version - a.version)
    .map((r) => [`v${r.version}`, releaseDescription(r), r.user.email ?? r.user.id, formatDate(r.created_at)]);
  return table(rows, ['Version', 'Description', 'User', 'Date']);
}

export interface ReleaseInfo extends ReleaseView {
  status: string;
  current: boolean;
  slug: { id: string } | null;
}

/** "v12" or "12" -> 12; anything else is refused. */
export function parseVersionArg(arg: string): number {
  const m = /^v?(\d{1,10})$/.exec(arg.trim());
  if (!m || Number(m[1]) < 1) throw new CliError(`${arg} is not a release version; use one such as v12`);
  return Number(m[1]);
}

/** The release rollback goes to without an argument: the one before the latest (Heroku's default). */
export function previousVersion(app: string, latest: number): number {
  if (latest < 2) throw new CliError(`${app} has no earlier release to roll back to`);
  return latest - 1;
}

/** The releases:info block, with the release's config vars as Heroku shows them. */
export function releaseInfoText(r: ReleaseInfo, config: ConfigVars, shell = false): string {
  const head = [
    `=== Release v${r.version}`,
    keyValues([
      ['Change', r.description],
      ['By', r.user.email ?? r.user.id],
      ['When', formatDate(r.created_at)],
      ['Commit', r.commit ?? ''],
      ['Status', r.current ? `${r.status} (current)` : r.status],
      ...(r.failure ? ([['Failure', r.failure]] as [string, string][]) : []),
    ]),
  ];
  const vars = shell ? shellLines(config) : configLines(config);
  return [...head, '', `=== v${r.version} Config vars`, ...(vars ? [vars] : [])].join('\n');
}

async function latestVersion(client: ApiClient, app: string): Promise<number> {
  const info = await client.get<AppInfo>(appPath(app));
  if (!info.release) throw new CliError(`${app} has no releases yet. Deploy with: git push paas main`);
  return info.release.version;
}

export function registerReleases(program: Command, ctx: Ctx): void {
  program
    .command('releases')
    .description('list the releases of an app, newest first')
    .option('-a, --app <app>', 'app to run the command against')
    .option('--json', 'output as JSON')
    .addHelpText('after', '\nExample:\n  $ paas releases -a my-app\n  === my-app Releases\n  v1  Deploy 1a2b3c4  me@example.com  2024/05/01 10:20:30 UTC')
    .action(async (opts: { app?: string; json?: boolean }) => {
      const app = await resolveApp(ctx.cwd, opts.app);
      const releases = await (await apiClient(ctx)).get<ReleaseView[]>(appPath(app, '/releases'));
      if (opts.json) return ctx.out(json(releases));
      if (releases.length === 0) return ctx.out(`${app} has no releases yet. Deploy with: git push paas main`);
      ctx.out(`=== ${app} Releases\n${releasesTable(releases)}`);
    });

  program
    .command('releases:info [release]')
    .description('show one release (default: the latest) and its config vars')
    .option('-a, --app <app>', 'app to run the command against')
    .option('-s, --shell', 'config vars as KEY=value lines')
    .option('--json', 'output as JSON')
    .addHelpText('after', '\nExample:\n  $ paas releases:info v3 -a my-app\n  === Release v3\n  Change:  Set NODE_ENV config var\n  By:      me@example.com\n  ...')
    .action(async (release: string | undefined, opts: { app?: string; shell?: boolean; json?: boolean }) => {
      const wanted = release === undefined ? undefined : parseVersionArg(release);
      const app = await resolveApp(ctx.cwd, opts.app);
      const client = await apiClient(ctx);
      const version = wanted ?? (await latestVersion(client, app));
      const info = await client.get<ReleaseInfo>(appPath(app, `/releases/${version}`));
      if (opts.json) return ctx.out(json(info));
      const config = await client.get<ConfigVars>(appPath(app, `/releases/${version}/config-vars`));
      ctx.out(releaseInfoText(info, config, opts.shell));
    });

  program
    .command('rollback [release]')
    .description('make a new release with the code and config of an earlier one (default: the one before the latest)')
    .option('-a, --app <app>', 'app to run the command against')
    .option('--json', 'output the new release as JSON')
    .addHelpText('after', '\nExample:\n  $ paas rollback v4 -a my-app\n  Rolling back my-app to v4... done, v7')
    .action(async (release: string | undefined, opts: { app?: string; json?: boolean }) => {
      const wanted = release === undefined ? undefined : parseVersionArg(release);
      const app = await resolveApp(ctx.cwd, opts.app);
      const client = await apiClient(ctx);
      const target = wanted ?? previousVersion(app, await latestVersion(client, app));
      const made = await client.post<ReleaseInfo>(appPath(app, '/releases'), { release: target });
      if (opts.json) return ctx.out(json(made));
      ctx.out(`Rolling back ${app} to v${target}... done, v${made.version}`);
    });
}
