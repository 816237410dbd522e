import { listing } from '../../command.js';
import { formatDate, table } from '../../format.js';
import type { TokenView } from '../../../services/core/api.js';

// tokens: your own API tokens (tokens:create, tokens:revoke change them).

/** When the token stops working: `never`, its date, or `expired <date>`; pure. */
export function expiryText(expiresAt: string | null | undefined, now: number): string {
  if (!expiresAt) return 'never';
  return Date.parse(expiresAt) <= now ? `expired ${formatDate(expiresAt)}` : formatDate(expiresAt);
}

export function tokensText(tokens: readonly TokenView[], now = Date.now()): string {
  if (tokens.length === 0) return 'You have no API tokens listed. Create one with `paas tokens:create`.';
  return table(
    tokens.map((t) => [
      t.id,
      t.last4 ? `…${t.last4}` : '',
      t.description,
      formatDate(t.created_at),
      expiryText(t.expires_at, now),
    ]),
    ['ID', 'Token', 'Description', 'Created', 'Expires'],
  );
}

export default listing<TokenView[]>('tokens', {
  description: 'list your API tokens (never the tokens themselves)',
  example: [
    '$ paas tokens',
    'ID                                    Token  Description  Created                  Expires',
    '───  ...',
    '0b1c...                               …x3Fq  ci           2024/05/01 10:20:30 UTC  never',
  ],
  path: '/account/tokens',
  text: (tokens) => tokensText(tokens),
});
