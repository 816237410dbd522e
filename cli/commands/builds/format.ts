import type { Command } from 'commander';
import { apiClient, appPath } from '../../api.js';
import { CliError, type Ctx } from '../../context.js';
import { formatDate, json, table } from '../../format.js';
import { resolveApp } from '../../git.js';

// builds, builds:output, builds:cache:clear.

export interface BuildView {
  id: string;
  status: string;
  source_blob: { version: string };
  user: { id: string; email: string };
  created_at: string;
  updated_at: string;
  release: { version: number } | null;
  phases: Record<string, number>;
  failure: string | null;
}

export interface BuildOutputView {
  id: string;
  status: string;
  lines: string[];
  truncated_bytes: number;
}

/** 83_456 -> "1m 23s", 4_200 -> "4.2s"; a build still going has no duration. */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
}

function durationOf(b: BuildView): string {
  if (b.status === 'pending' || b.status === 'building') return '';
  const ms = Object.values(b.phases).reduce((a, x) => a + x, 0);
  return ms > 0 ? formatDuration(ms) : '';
}

/** Newest first, as the API answers. */
export function buildsTable(builds: readonly BuildView[]): string {
  const rows = builds.map((b) => [
    b.id,
    b.release ? `${b.status} (v${b.release.version})` : b.status,
    b.source_blob.version.slice(0, 7),
    b.user.email || b.user.id,
    formatDate(b.created_at),
    durationOf(b),
  ]);
  return table(rows, ['Id', 'Status', 'Commit', 'User', 'Date', 'Duration']);
}

/** The output as the pusher saw it, with a note when its start was not kept. */
export function outputText(out: BuildOutputView): string {
  const note = out.truncated_bytes > 0 ? [`(the first ${out.truncated_bytes} bytes of output were not kept)`] : [];
  return [...note, ...out.lines].join('\n');
}

/** An id as the builder makes them (20240501-102030-a1b2c3); the API checks the rest. */
export function parseBuildId(arg: string): string {
  const id = arg.trim();
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(id)) throw new CliError(`${arg} is not a build id; see \`paas builds\``);
  return id;
}

export function registerBuilds(program: Command, ctx: Ctx): void {
  program
    .command('builds')
    .description('list the builds of an app, newest first')
    .option('-a, --app <app>', 'app to run the command against')
    .option('--json', 'output as JSON')
    .addHelpText(
      'after',
      '\nExample:\n  $ paas builds -a my-app\n  === my-app Builds\n  Id                      Status          Commit   User            Date                     Duration\n  20240501-102030-a1b2c3  succeeded (v3)  1a2b3c4  me@example.com  2024/05/01 10:20:30 UTC  12.3s',
    )
    .action(async (opts: { app?: string; json?: boolean }) => {
      const app = await resolveApp(ctx.cwd, opts.app);
      const builds = await (await apiClient(ctx)).get<BuildView[]>(appPath(app, '/builds'));
      if (opts.json) return ctx.out(json(builds));
      if (builds.length === 0) return ctx.out(`${app} has no builds yet. Deploy with: git push paas main`);
      ctx.out(`=== ${app} Builds\n${buildsTable(builds)}`);
    });

  program
    .command('builds:output [id]')
    .description('show the output of a build (default: the latest)')
    .option('-a, --app <app>', 'app to run the command against')
    .option('--json', 'output as JSON')
    .addHelpText('after', '\nExample:\n  $ paas builds:output -a my-app\n  -----> Building my-app (commit 1a2b3c4, build 20240501-102030-a1b2c3)\n  ...')
    .action(async (id: string | undefined, opts: { app?: string; json?: boolean }) => {
      const wanted = id === undefined ? undefined : parseBuildId(id);
      const app = await resolveApp(ctx.cwd, opts.app);
      const client = await apiClient(ctx);
      let target = wanted;
      if (target === undefined) {
        const [latest] = await client.get<BuildView[]>(appPath(app, '/builds'));
        if (!latest) throw new CliError(`${app} has no builds yet. Deploy with: git push paas main`);
        target = latest.id;
      }
      const out = await client.get<BuildOutputView>(appPath(app, `/builds/${encodeURIComponent(target)}/output`));
      ctx.out(opts.json ? json(out) : outputText(out));
    });

  program
    .command('builds:cache:clear')
    .description("empty the app's build cache: the next build starts cold")
    .option('-a, --app <app>', 'app to run the command against')
    .option('--json', 'output as JSON')
    .addHelpText('after', '\nExample:\n  $ paas builds:cache:clear -a my-app\n  Clearing the build cache of my-app... done; the next build starts cold')
    .action(async (opts: { app?: string; json?: boolean }) => {
      const app = await resolveApp(ctx.cwd, opts.app);
      const cleared = await (await apiClient(ctx)).request<{ generation: number }>('DELETE', appPath(app, '/build-cache'));
      ctx.out(opts.json ? json(cleared) : `Clearing the build cache of ${app}... done; the next build starts cold`);
    });
}
