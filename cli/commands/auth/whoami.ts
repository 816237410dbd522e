import { command } from '../../command.js';
import type { AccountView } from '../../../services/core/api.js';

export default command(
  'whoami',
  {
    description: 'show the email of the logged-in account',
    example: ['$ paas whoami', 'me@example.com'],
  },
  async ({ api, out }) => {
    const account = await api.get<AccountView>('/account');
    out(account.email);
  },
);
