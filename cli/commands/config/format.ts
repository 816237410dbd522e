import type { Command } from 'commander';
import { apiClient, appPath, type ApiClient } from '../../api.js';
import { CliError, type Ctx } from '../../context.js';
import { json } from '../../format.js';
import { resolveApp } from '../../git.js';

// config, config:get, config:set, config:unset.

export type ConfigVars = Record<string, string>;

/** The header in which the API names the release a config change made. */
export const RELEASE_VERSION_HEADER = 'paas-release-version';

/**
 * `K=V` arguments as [key, value] pairs, in order; the first `=` splits, so a
 * value may contain `=` and may be empty. Refuses an argument without a key or `=`.
 */
export function parseAssignments(args: readonly string[]): [string, string][] {
  if (args.length === 0) throw new CliError('Usage: paas config:set KEY1=VALUE1 [KEY2=VALUE2 ...]. Must specify KEY and VALUE to set.');
  return args.map((arg) => {
    const i = arg.indexOf('=');
    if (i <= 0) throw new CliError(`${arg} is invalid. Must be in the format FOO=bar.`);
    return [arg.slice(0, i), arg.slice(i + 1)];
  });
}

/** A PATCH body; later assignments of a key win, as the shell would have it. Built with fromEntries so no key is special. */
export function patchBody(pairs: readonly (readonly [string, string | null])[]): Record<string, string | null> {
  return Object.fromEntries(pairs);
}

/** "KEY: value" lines, values aligned one space after the longest key, as Heroku prints them. */
export function configLines(config: Readonly<ConfigVars>): string {
  const keys = Object.keys(config);
  const w = Math.max(0, ...keys.map((k) => k.length + 1));
  return keys.map((k) => `${(k + ':').padEnd(w)} ${config[k]}`).join('\n');
}

/** A value as one shell word: bare when it is plainly safe, else single-quoted. */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** KEY=value lines a shell (or a .env reader) can take back. */
export function shellLines(config: Readonly<ConfigVars>): string {
  return Object.keys(config)
    .map((k) => `${k}=${shellQuote(config[k] ?? '')}`)
    .join('\n');
}

/** ", v5" from the API's header, or nothing if it did not send one. */
function versionSuffix(headers: Headers): string {
  const v = headers.get(RELEASE_VERSION_HEADER);
  return v ? `, v${v}` : '';
}

async function patchConfig(client: ApiClient, app: string, body: Record<string, string | null>): Promise<{ config: ConfigVars; done: string }> {
  const { body: config, headers } = await client.exchange<ConfigVars>('PATCH', appPath(app, '/config-vars'), body);
  return { config, done: `done${versionSuffix(headers)}` };
}

export function registerConfig(program: Command, ctx: Ctx): void {
  program
    .command('config')
    .description('show the config vars of an app')
    .option('-a, --app <app>', 'app to run the command against')
    .option('-s, --shell', 'output as KEY=value lines for a shell or .env file')
    .option('--json', 'output as JSON')
    .addHelpText('after', '\nExample:\n  $ paas config -a my-app\n  === my-app Config Vars\n  LANG:     en_US.UTF-8\n  NODE_ENV: production')
    .action(async (opts: { app?: string; shell?: boolean; json?: boolean }) => {
      const app = await resolveApp(ctx.cwd, opts.app);
      const config = await (await apiClient(ctx)).get<ConfigVars>(appPath(app, '/config-vars'));
      if (opts.json) return ctx.out(json(config));
      if (opts.shell) return ctx.out(shellLines(config));
      ctx.out([`=== ${app} Config Vars`, configLines(config)].filter((s) => s !== '').join('\n'));
    });

  program
    .command('config:get <key>')
    .description('print the value of one config var (an empty line when it is not set)')
    .option('-a, --app <app>', 'app to run the command against')
    .option('-s, --shell', 'output as KEY=value')
    .addHelpText('after', '\nExample:\n  $ paas config:get NODE_ENV -a my-app\n  production')
    .action(async (key: string, opts: { app?: string; shell?: boolean }) => {
      const app = await resolveApp(ctx.cwd, opts.app);
      const config = await (await apiClient(ctx)).get<ConfigVars>(appPath(app, '/config-vars'));
      const value = Object.hasOwn(config, key) ? (config[key] ?? '') : '';
      ctx.out(opts.shell ? `${key}=${shellQuote(value)}` : value);
    });

  program
    .command('config:set <assignments...>')
    .description('set one or more config vars; makes a new release and restarts the app')
    .option('-a, --app <app>', 'app to run the command against')
    .addHelpText('after', '\nExample:\n  $ paas config:set NODE_ENV=production GREETING="hello world" -a my-app\n  Setting NODE_ENV, GREETING and restarting my-app... done, v5\n  GREETING: hello world\n  NODE_ENV: production')
    .action(async (args: string[], opts: { app?: string }) => {
      const pairs = parseAssignments(args);
      const app = await resolveApp(ctx.cwd, opts.app);
      const body = patchBody(pairs);
      const keys = Object.keys(body);
      const { config, done } = await patchConfig(await apiClient(ctx), app, body);
      ctx.out(`Setting ${keys.join(', ')} and restarting ${app}... ${done}`);
      ctx.out(configLines(Object.fromEntries(keys.sort().map((k) => [k, config[k] ?? '']))));
    });

  program
    .command('config:unset <keys...>')
    .description('remove one or more config vars; makes a new release and restarts the app')
    .option('-a, --app <app>', 'app to run the command against')
    .addHelpText('after', '\nExample:\n  $ paas config:unset GREETING -a my-app\n  Unsetting GREETING and restarting my-app... done, v6')
    .action(async (keys: string[], opts: { app?: string }) => {
      const app = await resolveApp(ctx.cwd, opts.app);
      const { done } = await patchConfig(await apiClient(ctx), app, patchBody(keys.map((k) => [k, null])));
      ctx.out(`Unsetting ${[...new Set(keys)].join(', ')} and restarting ${app}... ${done}`);
    });
}
