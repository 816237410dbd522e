import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseApiUrls } from '../services/core/apiurls.js';
import { CliError } from './context.js';

// $PAAS_CONFIG_DIR/credentials.json (default ~/.config/paas), mode 0600:
// {api, token}. PAAS_API_URL and PAAS_TOKEN in the environment win over it.

export const DEFAULT_API = 'http://127.0.0.1:8700';

export interface Credentials {
  api: string;
  token: string;
}

type Env = Record<string, string | undefined>;

export function credentialsPath(env: Env, home: string): string {
  const dir = env.PAAS_CONFIG_DIR || join(home, '.config', 'paas');
  return join(dir, 'credentials.json');
}

/**
 * "http://host:port/" -> "http://host:port"; several, comma-separated, each so (any controller answers: the client
 * fails over, core/apiurls.ts); anything but http(s) URLs is refused.
 */
export function normaliseApiUrl(url: string): string {
  try {
    return parseApiUrls(url).join(',');
  } catch (err) {
    throw new CliError((err as Error).message);
  }
}

/** The API and token to use: the environment first, then the file, then the default API. */
export function effectiveCredentials(file: Partial<Credentials>, env: Env): { api: string; token: string | undefined } {
  return {
    api: normaliseApiUrl(env.PAAS_API_URL || file.api || DEFAULT_API),
    token: env.PAAS_TOKEN || file.token || undefined,
  };
}

export async function readCredentials(path: string): Promise<Partial<Credentials>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
  try {
    const v = JSON.parse(text) as Record<string, unknown>;
    return {
      ...(typeof v.api === 'string' && { api: v.api }),
      ...(typeof v.token === 'string' && { token: v.token }),
    };
  } catch {
    throw new CliError(`${path} is not valid JSON; run \`paas login\` again`);
  }
}

/** Writes the file readable only by its owner, atomically (temp file, then rename). */
export async function saveCredentials(path: string, creds: Credentials): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(creds, null, 2) + '\n', { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}

/** Removes the file; false if there was none. */
export async function deleteCredentials(path: string): Promise<boolean> {
  try {
    await rm(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
