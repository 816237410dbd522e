import type { Command } from 'commander';
import { apiClient } from '../../api.js';
import { CliError, type Ctx } from '../../context.js';
import { formatDate, json, table } from '../../format.js';

// tokens, tokens:create, tokens:revoke: the caller's own API tokens.

export interface TokenInfo {
  id: string;
  description: string;
  created_at: string;
  last4?: string;
}

export function tokensText(tokens: readonly TokenInfo[]): string {
  if (tokens.length === 0) return 'You have no API tokens listed. Create one with `paas tokens:create`.';
  return table(
    tokens.map((t) => [t.id, t.last4 ? `…${t.last4}` : '', t.description, formatDate(t.created_at)]),
    ['ID', 'Token', 'Description', 'Created'],
  );
}

/** A token id as tokens prints it (a UUID); refused before any request otherwise. */
export function tokenIdArg(id: string): string {
  const v = id.trim().toLowerCase();
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(v)) throw new CliError(`Not a token id: ${id} (see \`paas tokens\`)`);
  return v;
}

export function registerTokens(program: Command, ctx: Ctx): void {
  program
    .command('tokens')
    .description('list your API tokens (never the tokens themselves)')
    .option('--json', 'output as JSON')
    .addHelpText('after', '\nExample:\n  $ paas tokens\n  ID                                    Token  Description  Created\n  ───  ...\n  0b1c...                               …x3Fq  ci           2024/05/01 10:20:30 UTC')
    .action(async (opts: { json?: boolean }) => {
      const tokens = await (await apiClient(ctx)).get<TokenInfo[]>('/account/tokens');
      ctx.out(opts.json ? json(tokens) : tokensText(tokens));
    });

  program
    .command('tokens:create')
    .description('create an API token (for scripts and CI: PAAS_TOKEN); it is shown only once')
    .option('-d, --description <text>', 'what the token is for')
    .option('--json', 'output as JSON')
    .addHelpText('after', '\nExample:\n  $ paas tokens:create --description ci\n  Created token 0b1c... (ci)\n  Token: 3q2-...\n  (it is not shown again)')
    .action(async (opts: { description?: string; json?: boolean }) => {
      const body = opts.description === undefined ? {} : { description: opts.description };
      const created = await (await apiClient(ctx)).post<TokenInfo & { token: string }>('/account/tokens', body);
      if (opts.json) return ctx.out(json(created));
      ctx.out(`Created token ${created.id}${created.description ? ` (${created.description})` : ''}`);
      ctx.out(`Token: ${created.token}`);
      ctx.out('(it is not shown again)');
    });

  program
    .command('tokens:revoke <id>')
    .description('revoke one of your API tokens: it stops working at once')
    .addHelpText('after', '\nExample:\n  $ paas tokens:revoke 0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0\n  Revoking token 0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0... done')
    .action(async (idArg: string) => {
      const id = tokenIdArg(idArg);
      await (await apiClient(ctx)).request<TokenInfo>('DELETE', `/account/tokens/${id}`);
      ctx.out(`Revoking token ${id}... done`);
    });
}
