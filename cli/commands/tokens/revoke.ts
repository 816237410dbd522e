import { command } from '../../command.js';
import { CliError } from '../../context.js';
import type { TokenView } from '../../../services/core/api.js';

/** A token id as tokens prints it (a UUID); refused before any request otherwise. */
export function tokenIdArg(id: string): string {
  const v = id.trim().toLowerCase();
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(v)) {
    throw new CliError(`Not a token id: ${id} (see \`paas tokens\`)`);
  }
  return v;
}

export default command(
  'tokens:revoke <id>',
  {
    description: 'revoke one of your API tokens: it stops working at once',
    example: [
      '$ paas tokens:revoke 0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0',
      'Revoking token 0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0... done',
    ],
    parse: ([id]: [string]) => tokenIdArg(id),
  },
  async ({ api, input: id, out }) => {
    await api.request<TokenView>('DELETE', `/account/tokens/${id}`);
    out(`Revoking token ${id}... done`);
  },
);
