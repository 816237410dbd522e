import { command } from '../../command.js';
import type { Account } from './login.js';

export default command(
  'whoami',
  {
    description: 'show the email of the logged-in account',
    example: ['$ paas whoami', 'me@example.com'],
  },
  async ({ api, out }) => {
    const account = await api.get<Account>('/account');
    out(account.email);
  },
);
