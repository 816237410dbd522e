import type { Command } from 'commander';
import { apiClient, appPath } from '../../api.js';
import { CliError, type Ctx } from '../../context.js';
import { json } from '../../format.js';
import { resolveApp } from '../../git.js';

// buildpacks, buildpacks:set, buildpacks:add, buildpacks:remove,
// buildpacks:clear over GET/PUT /apps/:app/buildpack-installations. The list
// is changed here (pure functions below) and PUT whole, as Heroku's CLI does.

export interface Installation {
  ordinal: number;
  buildpack: { url: string; name: string };
}

export type Change = { kind: 'set' | 'add'; url: string; index?: number } | { kind: 'remove'; url?: string; index?: number };

/** Heroku's names of ours (heroku/nodejs) are the same buildpack as ours (nodejs). */
function same(a: string, b: string): boolean {
  const norm = (s: string) => s.trim().replace(/^heroku(-community)?\/(?=[a-z])/, '');
  return norm(a) === norm(b);
}

/** Parses -i/--index: a whole number from 1; pure. */
export function parseIndex(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new CliError(`Invalid index ${JSON.stringify(text)}: use a number from 1`);
  return Number(text);
}

/** The list after a change, as heroku/cli's buildpacks commands make it; pure. Indexes are 1-based. */
export function changeBuildpacks(current: readonly string[], change: Change): string[] {
  const list = [...current];
  if (change.kind === 'remove') {
    if (change.url === undefined && change.index === undefined) throw new CliError('Must specify a buildpack to remove, either by index or URL.');
    if (change.url !== undefined && change.index !== undefined) throw new CliError('Please choose either index or Buildpack, but not both.');
    const at = change.index !== undefined ? change.index - 1 : list.findIndex((u) => same(u, change.url as string));
    if (at < 0 || at >= list.length) {
      if (change.index !== undefined) throw new CliError(list.length ? `Invalid index. Only valid value is ${list.length === 1 ? '1' : `1 to ${list.length}`}.` : 'No buildpacks were found. Next release on this app will detect buildpacks normally.');
      throw new CliError('Buildpack not found. Nothing was removed.');
    }
    list.splice(at, 1);
    return list;
  }
  const existing = list.findIndex((u) => same(u, change.url));
  if (existing >= 0 && !(change.kind === 'set' && existing === (change.index ?? 1) - 1)) throw new CliError(`The buildpack ${change.url} is already set on your app.`);
  if (change.kind === 'set') {
    const at = (change.index ?? 1) - 1;
    if (at > list.length) throw new CliError(`Invalid index. Use 1 to ${list.length + 1}.`);
    list.splice(at, 1, change.url);
    return list;
  }
  const at = change.index === undefined ? list.length : Math.min(change.index - 1, list.length);
  list.splice(at, 0, change.url);
  return list;
}

/** "Buildpack set. Next release on my-app will use nodejs." and the like; pure. */
export function changedText(app: string, verb: 'set' | 'added' | 'removed', list: readonly string[]): string {
  const head = (n: number) => `${n > 1 && verb !== 'removed' ? 'Buildpacks' : 'Buildpack'} ${verb}.`;
  if (list.length === 0) return `${head(1)} Next release on ${app} will detect buildpacks normally.`;
  if (list.length === 1) return `${head(1)} Next release on ${app} will use ${list[0]}.\nRun git push paas main to create a new release using this buildpack.`;
  return [`${head(list.length)} Next release on ${app} will use:`, ...list.map((u, i) => `  ${i + 1}. ${u}`), 'Run git push paas main to create a new release using these buildpacks.'].join('\n');
}

/** The `paas buildpacks` text; pure. */
export function buildpacksText(app: string, list: readonly Installation[]): string {
  if (list.length === 0) return `${app} has no Buildpack URL set.`;
  if (list.length === 1) return `=== ${app} Buildpack URL\n${list[0]?.buildpack.url}`;
  return [`=== ${app} Buildpack URLs`, ...list.map((b) => `${b.ordinal + 1}. ${b.buildpack.url}`)].join('\n');
}

const path = (app: string) => appPath(app, '/buildpack-installations');

async function replace(ctx: Ctx, app: string, change: (current: string[]) => string[]): Promise<string[]> {
  const api = await apiClient(ctx);
  const current = (await api.get<Installation[]>(path(app))).map((b) => b.buildpack.url);
  const next = change(current);
  const saved = await api.request<Installation[]>('PUT', path(app), { updates: next.map((buildpack) => ({ buildpack })) });
  return saved.map((b) => b.buildpack.url);
}

export function registerBuildpacks(program: Command, ctx: Ctx): void {
  const appOption = ['-a, --app <app>', 'app to run the command against'] as const;
  const indexOption = ['-i, --index <index>', 'the 1-based position of the buildpack in the list'] as const;

  program
    .command('buildpacks')
    .description("list an app's buildpacks (none: each build detects one of ours)")
    .option(...appOption)
    .option('--json', 'output as JSON')
    .addHelpText('after', '\nExample:\n  $ paas buildpacks -a my-app\n  === my-app Buildpack URL\n  nodejs')
    .action(async (opts: { app?: string; json?: boolean }) => {
      const app = await resolveApp(ctx.cwd, opts.app);
      const list = await (await apiClient(ctx)).get<Installation[]>(path(app));
      ctx.out(opts.json ? json(list) : buildpacksText(app, list));
    });

  program
    .command('buildpacks:set <buildpack>')
    .description('set the buildpack (ours by name, a git URL with #ref, or a .tgz URL), replacing the one at the index (default 1)')
    .option(...appOption)
    .option(...indexOption)
    .addHelpText('after', '\nExample:\n  $ paas buildpacks:set heroku/nodejs -a my-app\n  Buildpack set. Next release on my-app will use nodejs.\n  $ paas buildpacks:set https://example.com/apt-buildpack.git#v3 -i 1')
    .action(async (url: string, opts: { app?: string; index?: string }) => {
      const app = await resolveApp(ctx.cwd, opts.app);
      const index = parseIndex(opts.index);
      const list = await replace(ctx, app, (current) => changeBuildpacks(current, { kind: 'set', url, ...(index !== undefined && { index }) }));
      ctx.out(changedText(app, 'set', list));
    });

  program
    .command('buildpacks:add <buildpack>')
    .description('add a buildpack: last, or at the index (every buildpack of the list runs, in order)')
    .option(...appOption)
    .option(...indexOption)
    .addHelpText('after', '\nExample:\n  $ paas buildpacks:add https://example.com/buildpacks/apt.tgz -i 1 -a my-app\n  Buildpacks added. Next release on my-app will use:\n    1. https://example.com/buildpacks/apt.tgz\n    2. nodejs')
    .action(async (url: string, opts: { app?: string; index?: string }) => {
      const app = await resolveApp(ctx.cwd, opts.app);
      const index = parseIndex(opts.index);
      const list = await replace(ctx, app, (current) => changeBuildpacks(current, { kind: 'add', url, ...(index !== undefined && { index }) }));
      ctx.out(changedText(app, 'added', list));
    });

  program
    .command('buildpacks:remove [buildpack]')
    .description('remove a buildpack, given by its URL or name or by -i INDEX')
    .option(...appOption)
    .option(...indexOption)
    .addHelpText('after', '\nExample:\n  $ paas buildpacks:remove -i 1 -a my-app\n  Buildpack removed. Next release on my-app will detect buildpacks normally.')
    .action(async (url: string | undefined, opts: { app?: string; index?: string }) => {
      const app = await resolveApp(ctx.cwd, opts.app);
      const index = parseIndex(opts.index);
      const list = await replace(ctx, app, (current) => changeBuildpacks(current, { kind: 'remove', ...(url !== undefined && { url }), ...(index !== undefined && { index }) }));
      ctx.out(changedText(app, 'removed', list));
    });

  program
    .command('buildpacks:clear')
    .description("clear the app's buildpacks: the next build detects one of ours")
    .option(...appOption)
    .addHelpText('after', '\nExample:\n  $ paas buildpacks:clear -a my-app\n  Buildpacks cleared. Next release on my-app will detect buildpacks normally.')
    .action(async (opts: { app?: string }) => {
      const app = await resolveApp(ctx.cwd, opts.app);
      await (await apiClient(ctx)).request('PUT', path(app), { updates: [] });
      ctx.out(`Buildpacks cleared. Next release on ${app} will detect buildpacks normally.`);
    });
}
