import type { Command } from 'commander';
import { ApiClient, apiClient } from '../../api.js';
import { CliError, type Ctx } from '../../context.js';
import { credentialsPath, deleteCredentials, DEFAULT_API, normaliseApiUrl, readCredentials, saveCredentials } from '../../credentials.js';

// login, logout, whoami.

interface Account {
  id: string;
  email: string;
  admin: boolean;
}

export function registerAuth(program: Command, ctx: Ctx): void {
  program
    .command('login')
    .description('log in with an API token (asked for when not given)')
    .option('--api <url>', 'controller API URL (default: $PAAS_API_URL or http://127.0.0.1:8700)')
    .option('--token <token>', 'API token (default: read from stdin)')
    .addHelpText('after', '\nExample:\n  $ paas login --api http://127.0.0.1:8700\n  API token: ****\n  Logged in as me@example.com')
    .action(async (opts: { api?: string; token?: string }) => {
      const path = credentialsPath(ctx.env, ctx.home);
      const saved = await readCredentials(path);
      const api = normaliseApiUrl(opts.api || ctx.env.PAAS_API_URL || saved.api || DEFAULT_API);
      const token = (opts.token ?? (await ctx.readLine('API token: '))).trim();
      if (!token) throw new CliError('No token given. Ask your platform admin for one (paas users:create).');
      const account = await new ApiClient(api, token, ctx.fetch).get<Account>('/account');
      await saveCredentials(path, { api, token });
      ctx.out(`Logged in as ${account.email}`);
    });

  program
    .command('logout')
    .description('forget the saved API token')
    .addHelpText('after', '\nExample:\n  $ paas logout\n  Logged out')
    .action(async () => {
      const had = await deleteCredentials(credentialsPath(ctx.env, ctx.home));
      ctx.out(had ? 'Logged out' : 'Not logged in');
    });

  program
    .command('whoami')
    .description('show the email of the logged-in account')
    .addHelpText('after', '\nExample:\n  $ paas whoami\n  me@example.com')
    .action(async () => {
      const account = await (await apiClient(ctx)).get<Account>('/account');
      ctx.out(account.email);
    });
}
