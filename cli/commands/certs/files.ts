import { readFile } from 'node:fs/promises';
import { CliError } from '../../context.js';

// The files certs:add and certs:update upload: read here, checked by the API.

/** The body of an upload: the certificate chain and key files' text, and --force. */
export async function certUpload(
  crt: string,
  key: string,
  force: boolean | undefined,
): Promise<{ certificate_chain: string; private_key: string; force?: boolean }> {
  const read = async (file: string, what: string) => {
    try {
      return await readFile(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new CliError(
        code === 'ENOENT' ? `No such ${what} file: ${file}` : `Cannot read ${file}: ${(err as Error).message}`,
      );
    }
  };
  const [certificate_chain, private_key] = await Promise.all([read(crt, 'certificate'), read(key, 'key')]);
  return { certificate_chain, private_key, ...(force && { force: true }) };
}
