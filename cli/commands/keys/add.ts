import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { command } from '../../command.js';
import { CliError } from '../../context.js';
import type { KeyView } from '../../../services/core/api.js';

/** The public keys keys:add tries, in order, when no file is given. */
export function defaultKeyFiles(home: string): string[] {
  return [join(home, '.ssh', 'id_ed25519.pub'), join(home, '.ssh', 'id_rsa.pub')];
}

/** The first of the files that exists, and its text. */
async function readKey(files: string[]): Promise<{ file: string; text: string } | undefined> {
  for (const file of files) {
    try {
      return { file, text: await readFile(file, 'utf8') };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        throw new CliError(`Cannot read ${file}: ${(err as Error).message}`);
    }
  }
  return undefined;
}

export default command(
  'keys:add [file]',
  {
    description: 'add an SSH public key (default ~/.ssh/id_ed25519.pub, then ~/.ssh/id_rsa.pub)',
    example: ['$ paas keys:add ~/.ssh/id_ed25519.pub', 'Uploading /home/me/.ssh/id_ed25519.pub SSH key... done'],
    parse: async ([file]: [string | undefined], _opts, ctx) => {
      const key = await readKey(file ? [file] : defaultKeyFiles(ctx.home));
      if (key) return key;
      const tried = defaultKeyFiles(ctx.home).join(', ');
      throw new CliError(
        file ? `No such file: ${file}` : `No SSH public key found (${tried}). Create one with: ssh-keygen -t ed25519`,
      );
    },
  },
  async ({ api, input: key, out }) => {
    const added = await api.post<KeyView>('/account/keys', { public_key: key.text });
    out(`Uploading ${key.file} SSH key... done (${added.fingerprint})`);
  },
);
