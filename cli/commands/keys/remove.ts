import { command, type ApiCall } from '../../command.js';
import { CliError } from '../../context.js';
import type { KeyView } from '../../../services/core/api.js';

/** The fingerprint keys:remove deletes: the argument if it is one, else the one key with that comment. */
export function keyToRemove(keys: readonly Pick<KeyView, 'fingerprint' | 'comment'>[], arg: string): string {
  if (/^SHA256:[A-Za-z0-9+/]{43}=?$/.test(arg)) return arg;
  const matches = keys.filter((k) => k.comment !== '' && k.comment === arg);
  if (matches.length === 1) return matches[0]!.fingerprint;
  if (matches.length > 1) {
    throw new CliError(
      `Several of your keys have the comment ${arg}; remove one by its fingerprint (see \`paas keys\`).`,
    );
  }
  throw new CliError(`No SSH key of yours has the fingerprint or comment ${arg} (see \`paas keys\`).`);
}

export default command(
  'keys:remove <key>',
  {
    description: 'remove one of your SSH keys, by its fingerprint (SHA256:...) or its comment',
    example: [
      '$ paas keys:remove SHA256:uJ0F2mUTGx7BEyQ8mOvkSuvnWLb/PNNozbazVeA5iHk',
      'Removing SHA256:uJ0F2mUTGx7BEyQ8mOvkSuvnWLb/PNNozbazVeA5iHk SSH key... done',
      '$ paas keys:remove me@laptop',
    ],
  },
  async ({ api, args: [arg], out }: ApiCall<[key: string]>) => {
    const fingerprint = keyToRemove(arg.startsWith('SHA256:') ? [] : await api.get<KeyView[]>('/account/keys'), arg);
    await api.request<KeyView>('DELETE', `/account/keys/${encodeURIComponent(fingerprint)}`);
    out(`Removing ${fingerprint} SSH key... done`);
  },
);
