import type { Command } from 'commander';
import { apiClient, appPath } from '../../api.js';
import type { Ctx } from '../../context.js';
import { resolveApp } from '../../git.js';

// maintenance, maintenance:on, maintenance:off.

interface AppMaintenance {
  name: string;
  maintenance: boolean;
}

export function maintenanceText(on: boolean): string {
  return on ? 'on' : 'off';
}

export function registerMaintenance(program: Command, ctx: Ctx): void {
  program
    .command('maintenance')
    .description('show whether an app is in maintenance mode (on or off)')
    .option('-a, --app <app>', 'app to run the command against')
    .addHelpText('after', '\nExample:\n  $ paas maintenance -a my-app\n  off')
    .action(async (opts: { app?: string }) => {
      const app = await resolveApp(ctx.cwd, opts.app);
      const info = await (await apiClient(ctx)).get<AppMaintenance>(appPath(app));
      ctx.out(maintenanceText(info.maintenance === true));
    });

  const toggle = (on: boolean) => async (opts: { app?: string }) => {
    const app = await resolveApp(ctx.cwd, opts.app);
    await (await apiClient(ctx)).request<AppMaintenance>('PATCH', appPath(app), { maintenance: on });
    ctx.out(`${on ? 'Enabling' : 'Disabling'} maintenance mode for ${app}... done`);
  };

  program
    .command('maintenance:on')
    .description('put an app in maintenance mode: its web traffic gets a 503 maintenance page')
    .option('-a, --app <app>', 'app to run the command against')
    .addHelpText('after', '\nExample:\n  $ paas maintenance:on -a my-app\n  Enabling maintenance mode for my-app... done')
    .action(toggle(true));

  program
    .command('maintenance:off')
    .description('take an app out of maintenance mode')
    .option('-a, --app <app>', 'app to run the command against')
    .addHelpText('after', '\nExample:\n  $ paas maintenance:off -a my-app\n  Disabling maintenance mode for my-app... done')
    .action(toggle(false));
}
