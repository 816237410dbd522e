import { Command, CommanderError } from 'commander';
import { registerAccess } from './commands/access/index.js';
import { registerApps } from './commands/apps/index.js';
import { registerAppsLifecycle } from './commands/apps/destroy.js';
import { registerAuth } from './commands/auth/login.js';
import { registerBuildpacks } from './commands/buildpacks/change.js';
import { registerBuilds } from './commands/builds/format.js';
import { registerConfig } from './commands/config/format.js';
import { registerDomains } from './commands/domains/index.js';
import { registerDrains } from './commands/drains/index.js';
import { registerGitRemote } from './commands/git/remote.js';
import { registerHosts } from './commands/hosts/format.js';
import { registerKeys } from './commands/keys/index.js';
import { registerLogs } from './commands/logs/index.js';
import { registerMaintenance } from './commands/maintenance/index.js';
import { registerPs } from './commands/ps/format.js';
import { registerReleases } from './commands/releases/format.js';
import { registerRun } from './commands/run/attach.js';
import { registerStatus } from './commands/status/index.js';
import { registerTokens } from './commands/tokens/index.js';
import { registerUsers } from './commands/users/create.js';
import type { Ctx } from './context.js';

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
  registerAuth(program, ctx);
  registerApps(program, ctx);
  registerAppsLifecycle(program, ctx);
  registerKeys(program, ctx);
  registerDomains(program, ctx);
  registerMaintenance(program, ctx);
  registerConfig(program, ctx);
  registerReleases(program, ctx);
  registerBuilds(program, ctx);
  registerPs(program, ctx);
  registerStatus(program, ctx);
  registerUsers(program, ctx);
  registerAccess(program, ctx);
  registerTokens(program, ctx);
  registerGitRemote(program, ctx);
  registerBuildpacks(program, ctx);
  registerHosts(program, ctx);
  registerLogs(program, ctx);
  registerDrains(program, ctx);
  registerRun(program, ctx);
  return program;
}

/** Runs `paas <argv...>`; returns the exit status. */
export async function run(argv: string[], ctx: Ctx): Promise<number> {
  try {
    await buildProgram(ctx).parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    ctx.err(`paas: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

