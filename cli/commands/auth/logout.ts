import { authCommand } from '../../command.js';
import { credentialsPath, deleteCredentials } from '../../credentials.js';

export default authCommand(
  'logout',
  {
    description: 'forget the saved API token',
    example: ['$ paas logout', 'Logged out'],
  },
  async ({ ctx, out }) => {
    const had = await deleteCredentials(credentialsPath(ctx.env, ctx.home));
    out(had ? 'Logged out' : 'Not logged in');
  },
);
