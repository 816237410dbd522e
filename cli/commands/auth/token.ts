import { authCommand } from '../../command.js';
import { CliError } from '../../context.js';
import { credentialsPath, effectiveCredentials, readCredentials } from '../../credentials.js';

// Heroku's `auth:token`: the token the CLI uses (PAAS_TOKEN, else the saved
// one), for scripts (`curl -H "Authorization: Bearer $(paas auth:token)"`, or
// scripts/up logging the CLI in again at new API URLs with the same token).
export default authCommand(
  'auth:token',
  {
    description: 'print the API token the CLI uses',
    example: ['$ paas auth:token', 'o1sp…'],
  },
  async ({ ctx, out }) => {
    const { token } = effectiveCredentials(await readCredentials(credentialsPath(ctx.env, ctx.home)), ctx.env);
    if (!token) throw new CliError('Not logged in. Run `paas login` first.');
    out(token);
  },
);
