import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CONFIG_KEY } from '../../core/names.js';
import { BuildFailure } from '../failures.js';

// The build's folder as the builder (root) writes and reads it around the
// build container: the env dir going in, the small files the build leaves
// coming out. What the build wrote is the app's to choose, so nothing here
// follows a link it left.

/** The env dir: one file per config var, as Heroku's ENV_DIR. */
export async function writeEnvDir(dir: string, config: Record<string, string>): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [name, value] of Object.entries(config)) {
    if (!CONFIG_KEY.test(name)) continue; // the controller validates names; never let one make a path
    await writeFile(join(dir, name), value, { mode: 0o600 });
  }
}

/** The buildpack index the driver wrote to /tmp/out/current. */
export async function readIndex(path: string): Promise<number | undefined> {
  const text = await readBuildFile(path).catch(() => undefined);
  return text !== undefined && /^\d{1,3}$/.test(text) ? Number(text) : undefined;
}

const MAX_BUILD_FILE = 64 * 1024;

/**
 * Reads a small file the build wrote (release.yml, Procfile) without
 * following a symlink: the build's code chooses what is there, and a link to
 * a host file must not make the builder (root) show that file to the pusher.
 * undefined when there is no such file.
 */
export async function readBuildFile(path: string): Promise<string | undefined> {
  let fh;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw new BuildFailure(`${path.split('/').pop()} must be a regular file, not a symlink`);
    throw err;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new BuildFailure(`${path.split('/').pop()} must be a regular file`);
    if (st.size > MAX_BUILD_FILE) throw new BuildFailure(`${path.split('/').pop()} is larger than 64 KB`);
    return await fh.readFile('utf8');
  } finally {
    await fh.close();
  }
}

/** -P -h: never follow a symlink the source or an earlier build left (it could point at a host file). */
export function chownApp(paths: string[], uid: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('chown', ['-R', '-P', '-h', `${uid}:${uid}`, '--', ...paths], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`chown failed: ${err.trim()}`))));
  });
}
