import { Command, CommanderError } from 'commander';
import { COMMANDS } from './commands/index.js';
import { ExitStatus, type Ctx } from './context.js';

// The `paas` program: topic:verb commands over the controller's HTTP API.
// run() never exits the process; it returns the exit status, so tests run it in-process.

export const VERSION = '0.1.0';

export function buildProgram(ctx: Ctx): Command {
  const program = new Command('paas')
    .description('paas: git push to deploy, Heroku style')
    .version(VERSION)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.out(s.replace(/\n$/, '')),
      writeErr: (s) => ctx.err(s.replace(/\n$/, '')),
    })
    .addHelpText('after', '\nExample:\n  $ paas login\n  $ paas apps:create my-app\n  $ git push paas main');
  for (const define of COMMANDS) define(program, ctx);
  return program;
}

/** Runs `paas <argv...>`; returns the exit status. */
export async function run(argv: string[], ctx: Ctx): Promise<number> {
  try {
    await buildProgram(ctx).parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof ExitStatus) return err.code;
    ctx.err(`paas: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}
