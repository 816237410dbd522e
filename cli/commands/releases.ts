import type { Command } from 'commander';
import { apiClient, appPath } from '../api.js';
import type { Ctx } from '../context.js';
import { formatDate, json, table } from '../format.js';
import { resolveApp } from '../git.js';

// releases.

export interface ReleaseView {
  id: string;
  version: number;
  description: string;
  commit: string | null;
  created_at: string;
  user: { id: string; email: string | null };
}

/** Newest first, as Heroku lists them. */
export function releasesTable(releases: readonly ReleaseView[]): string {
  const rows = [...releases]
    .sort((a, b) => b.version - a.version)
    .map((r) => [`v${r.version}`, r.description, r.user.email ?? r.user.id, formatDate(r.created_at)]);
  return table(rows, ['Version', 'Description', 'User', 'Date']);
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
}
