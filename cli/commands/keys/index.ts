import { command } from '../../command.js';
import { formatDate, json, table } from '../../format.js';
import type { KeyView } from '../../../services/core/api.js';

// keys: your SSH keys (keys:add, keys:remove change them).

export default command(
  'keys',
  {
    description: 'list your SSH keys',
    json: true,
    example: ['$ paas keys', 'Fingerprint                                         Comment     Added'],
  },
  async ({ api, opts, out }) => {
    const keys = await api.get<KeyView[]>('/account/keys');
    if (opts.json) return out(json(keys));
    if (keys.length === 0) return out('You have no SSH keys. Add one with `paas keys:add`.');
    const rows = keys.map((k) => [k.fingerprint, k.comment, formatDate(k.created_at)]);
    out(table(rows, ['Fingerprint', 'Comment', 'Added']));
  },
);
