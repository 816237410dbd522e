import { command, type ApiCall } from '../../command.js';
import { CliError } from '../../context.js';
import { formatDate, json } from '../../format.js';
import { durationSeconds } from '../../../services/core/durations.js';
import type { CreatedTokenView } from '../../../services/core/api.js';

/** `--expires-in` as typed (`12h`, `30d`, `3600`) in seconds; the API checks the range (1 minute to a year). Pure. */
export function expiresInArg(text: string): number {
  const s = durationSeconds(text);
  if (s === undefined || s === 0) throw new CliError(`Not a duration: ${text} (say 12h, 30d or 3600)`);
  return s;
}

interface Opts {
  description?: string;
  expiresIn?: string;
  json?: boolean;
}

export default command(
  'tokens:create',
  {
    description: 'create an API token (for scripts and CI: PAAS_TOKEN); it is shown only once',
    options: [
      ['-d, --description <text>', 'what the token is for'],
      ['--expires-in <duration>', 'stop working after this long (1m to 365d, e.g. 12h, 30d); default never'],
    ],
    json: true,
    example: [
      '$ paas tokens:create --description ci --expires-in 30d',
      'Created token 0b1c... (ci), expires 2024/05/31 10:20:30 UTC',
      'Token: 3q2-...',
      '(it is not shown again)',
    ],
    parse: (_args: [], opts: Opts) => (opts.expiresIn === undefined ? undefined : expiresInArg(opts.expiresIn)),
  },
  async ({ api, opts, input: expiresIn, out }: ApiCall<[], Opts, number | undefined>) => {
    const body = {
      ...(opts.description !== undefined && { description: opts.description }),
      ...(expiresIn !== undefined && { expires_in: expiresIn }),
    };
    const created = await api.post<CreatedTokenView>('/account/tokens', body);
    if (opts.json) return out(json(created));
    const expiry = created.expires_at ? `, expires ${formatDate(created.expires_at)}` : '';
    out(`Created token ${created.id}${created.description ? ` (${created.description})` : ''}${expiry}`);
    out(`Token: ${created.token}`);
    out('(it is not shown again)');
  },
);
