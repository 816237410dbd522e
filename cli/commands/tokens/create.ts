import { command, type ApiCall } from '../../command.js';
import { json } from '../../format.js';
import type { CreatedTokenView } from '../../../services/core/api.js';

export default command(
  'tokens:create',
  {
    description: 'create an API token (for scripts and CI: PAAS_TOKEN); it is shown only once',
    options: [['-d, --description <text>', 'what the token is for']],
    json: true,
    example: [
      '$ paas tokens:create --description ci',
      'Created token 0b1c... (ci)',
      'Token: 3q2-...',
      '(it is not shown again)',
    ],
  },
  async ({ api, opts, out }: ApiCall<[], { description?: string; json?: boolean }>) => {
    const body = opts.description === undefined ? {} : { description: opts.description };
    const created = await api.post<CreatedTokenView>('/account/tokens', body);
    if (opts.json) return out(json(created));
    out(`Created token ${created.id}${created.description ? ` (${created.description})` : ''}`);
    out(`Token: ${created.token}`);
    out('(it is not shown again)');
  },
);
