import type { ApiClient } from '../../api.js';
import { command, type ApiCall } from '../../command.js';
import { CliError, type Ctx } from '../../context.js';
import { json } from '../../format.js';

// account:password: sets the password the dashboard logs in with. At a terminal
// it asks twice without echo; --stdin reads the new password from the first
// line of stdin (and, when the account has one already, the current password
// from the second).

/** How the API says it needs the current password (users/login.ts CURRENT_REQUIRED). */
const NEEDS_CURRENT = /^current_password is required/;

interface Opts {
  stdin?: boolean;
  json?: boolean;
}

/** The new password: one line of stdin, or asked twice at the terminal (the two must match). */
export async function newPassword(ctx: Ctx, fromStdin: boolean): Promise<string> {
  let password: string;
  if (fromStdin) password = await ctx.readLine('');
  else {
    if (!ctx.readSecret) throw new CliError('No terminal to ask for the password on: pipe it in with --stdin.');
    password = await ctx.readSecret('New password: ');
    if (password !== '' && (await ctx.readSecret('New password (again): ')) !== password)
      throw new CliError('The two passwords differ; nothing was changed.');
  }
  if (password === '') throw new CliError('No password given; nothing was changed.');
  return password;
}

async function putPassword(api: ApiClient, body: { password: string; current_password?: string }): Promise<void> {
  await api.request<undefined>('PUT', '/account/password', body);
}

export default command(
  'account:password',
  {
    description: 'set your password (10 to 1024 characters), used to log in to the dashboard',
    options: [['--stdin', 'read the new password from stdin (and the current one from the next line when asked)']],
    json: 'output as JSON: {ok: true}',
    example: [
      '$ paas account:password',
      'New password: ',
      'New password (again): ',
      'Password changed.',
      '$ printf \'%s\\n%s\\n\' "$NEW" "$CURRENT" | paas account:password --stdin',
    ],
  },
  async ({ api, ctx, opts, out }: ApiCall<[], Opts>) => {
    const password = await newPassword(ctx, Boolean(opts.stdin));
    try {
      await putPassword(api, { password });
    } catch (err) {
      if (!(err instanceof CliError && NEEDS_CURRENT.test(err.message))) throw err;
      const current = opts.stdin ? await ctx.readLine('') : await ctx.readSecret?.('Current password: ');
      if (!current) throw new CliError('Your account has a password: give the current one to change it.');
      await putPassword(api, { password, current_password: current });
    }
    out(opts.json ? json({ ok: true }) : 'Password changed.');
  },
);
