import type { Command } from 'commander';
import { apiClient, type ApiClient } from './api.js';
import type { Ctx } from './context.js';
import { json } from './format.js';
import { resolveApp } from './git.js';

// How a command is declared: its name and arguments as commander writes them
// ('domains:add <hostname>'), its help, and what it does. appCommand adds
// -a/--app and hands the app (--app, else the `paas` git remote) and the API
// client to the command; command hands it the API client only; authCommand
// (login, logout) neither. What was typed is checked first (`parse`), then
// the app is found, then the credentials are read, then the command runs.

/** An option as commander's .option() takes it: flags, help, default value. */
export type OptionSpec = readonly [flags: string, description: string, defaultValue?: string];

/** The options of a command whose only option (besides -a/--app) is --json. */
export interface JsonOpts {
  json?: boolean;
}

export interface Spec<A extends unknown[], O, I> {
  description: string;
  alias?: string;
  /** Its options in the order help lists them: after -a/--app, before --json. */
  options?: readonly OptionSpec[];
  /** Adds --json: true for "output as JSON", or the help text of the option. */
  json?: true | string;
  /** The lines of help's Example section: `$ paas ...` lines and what they print. */
  example: readonly string[];
  /** Checks and shapes the arguments and options before anything is looked up; its result is `input`. */
  parse?: (args: A, opts: O, ctx: Ctx) => I | Promise<I>;
  /** Anything else to tell commander (an argument's help, unknown options allowed). */
  configure?: (cmd: Command) => void;
}

export interface AppSpec<A extends unknown[], O, I> extends Spec<A, O, I> {
  /** The help of -a/--app, when not "app to run the command against". */
  appHelp?: string;
}

/** What a command runs with: its positional arguments (in order), its options, what `parse` made of them. */
export interface Call<A extends unknown[] = [], O = JsonOpts, I = undefined> {
  args: A;
  opts: O;
  input: I;
  ctx: Ctx;
  /** Prints on stdout (ctx.out). */
  out: (text: string) => void;
}

export interface ApiCall<A extends unknown[] = [], O = JsonOpts, I = undefined> extends Call<A, O, I> {
  api: ApiClient;
}

export interface AppCall<A extends unknown[] = [], O = JsonOpts, I = undefined> extends ApiCall<A, O, I> {
  app: string;
}

/** A declared command; the registry (commands/index.ts) adds it to the program. */
export type Definition = (program: Command, ctx: Ctx) => Command;

export const APP_OPTION: OptionSpec = ['-a, --app <app>', 'app to run the command against'];

/** A command of one app: -a/--app; the app and the API client. */
export function appCommand<A extends unknown[] = [], O = JsonOpts, I = undefined>(
  name: string,
  spec: AppSpec<A, O, I>,
  run: (call: AppCall<A, O, I>) => Promise<void>,
): Definition {
  const options: OptionSpec[] = [[APP_OPTION[0], spec.appHelp ?? APP_OPTION[1]], ...(spec.options ?? [])];
  return declare(name, { ...spec, options }, async (call) => {
    const app = await resolveApp(call.ctx.cwd, (call.opts as { app?: string }).app);
    await run({ ...call, app, api: await apiClient(call.ctx) });
  });
}

/** A command of the logged-in user, not of one app: the API client. */
export function command<A extends unknown[] = [], O = JsonOpts, I = undefined>(
  name: string,
  spec: Spec<A, O, I>,
  run: (call: ApiCall<A, O, I>) => Promise<void>,
): Definition {
  return declare(name, spec, async (call) => run({ ...call, api: await apiClient(call.ctx) }));
}

/** What an app's listing shows: the API path it reads, and the text of what it read. */
export interface AppListing<T> {
  path: (app: string) => string;
  text: (app: string, value: T) => string;
}

/** An app command that shows what one GET answers: as text, or as it came with --json. */
export function appListing<T>(name: string, spec: AppSpec<[], JsonOpts, undefined> & AppListing<T>): Definition {
  return appCommand(name, { ...spec, json: spec.json ?? true }, async ({ app, api, opts, out }) => {
    const value = await api.get<T>(spec.path(app));
    out(opts.json ? json(value) : spec.text(app, value));
  });
}

/** The same for a command of the logged-in user (no app): GET `path`, printed by `text`. */
export function listing<T>(
  name: string,
  spec: Spec<[], JsonOpts, undefined> & { path: string; text: (value: T) => string },
): Definition {
  return command(name, { ...spec, json: spec.json ?? true }, async ({ api, opts, out }) => {
    const value = await api.get<T>(spec.path);
    out(opts.json ? json(value) : spec.text(value));
  });
}

/** A command about the login itself (login, logout): no saved credentials needed. */
export function authCommand<A extends unknown[] = [], O = JsonOpts, I = undefined>(
  name: string,
  spec: Spec<A, O, I>,
  run: (call: Call<A, O, I>) => Promise<void>,
): Definition {
  return declare(name, spec, run);
}

function declare<A extends unknown[], O, I>(
  name: string,
  spec: Spec<A, O, I>,
  run: (call: Call<A, O, I>) => Promise<void>,
): Definition {
  return (program, ctx) => {
    const cmd = program.command(name).description(spec.description);
    if (spec.alias) cmd.alias(spec.alias);
    for (const [flags, description, defaultValue] of spec.options ?? []) cmd.option(flags, description, defaultValue);
    if (spec.json) cmd.option('--json', spec.json === true ? 'output as JSON' : spec.json);
    spec.configure?.(cmd);
    cmd.addHelpText('after', `\nExample:\n${spec.example.map((line) => `  ${line}`).join('\n')}`);
    // commander calls the action with the positional arguments, then the options, then the command.
    return cmd.action(async (...values: unknown[]) => {
      const args = values.slice(0, -2) as A;
      const opts = values.at(-2) as O;
      const input = (spec.parse ? await spec.parse(args, opts, ctx) : undefined) as I;
      await run({ args, opts, input, ctx, out: (text) => ctx.out(text) });
    });
  };
}
