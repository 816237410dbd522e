import { ApiClient } from '../../api.js';
import { authCommand, type Call } from '../../command.js';
import { CliError } from '../../context.js';
import { credentialsPath, DEFAULT_API, normaliseApiUrl, readCredentials, saveCredentials } from '../../credentials.js';
import type { AccountView } from '../../../services/core/api.js';

export default authCommand(
  'login',
  {
    description: 'log in with an API token (asked for when not given)',
    options: [
      ['--api <url>', 'controller API URL (default: $PAAS_API_URL or http://127.0.0.1:8700)'],
      ['--token <token>', 'API token (default: read from stdin)'],
    ],
    example: ['$ paas login --api http://127.0.0.1:8700', 'API token: ****', 'Logged in as me@example.com'],
  },
  async ({ opts, ctx, out }: Call<[], { api?: string; token?: string }>) => {
    const path = credentialsPath(ctx.env, ctx.home);
    const saved = await readCredentials(path);
    const api = normaliseApiUrl(opts.api || ctx.env.PAAS_API_URL || saved.api || DEFAULT_API);
    const token = (opts.token ?? (await ctx.readLine('API token: '))).trim();
    if (!token) throw new CliError('No token given. Ask your platform admin for one (paas users:create).');
    const account = await new ApiClient(api, token, ctx.fetch).get<AccountView>('/account');
    await saveCredentials(path, { api, token });
    out(`Logged in as ${account.email}`);
  },
);
