import { constants } from 'node:fs';
import { open, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

// `paas builds:cache:clear` bumps the app's build-cache generation in the
// controller; before a build the builder compares it with the one it wrote
// into the cache dir last time, and empties the cache when they differ.

export const GENERATION_FILE = '.paas-cache-generation';

/** Empties cacheDir when its recorded generation is not `generation`; returns whether it did. */
export async function syncCacheGeneration(cacheDir: string, generation: number): Promise<boolean> {
  const file = join(cacheDir, GENERATION_FILE);
  const seen = await readGeneration(file);
  if (seen === generation) return false;
  for (const name of await readdir(cacheDir)) await rm(join(cacheDir, name), { recursive: true, force: true });
  await writeFile(file, `${generation}\n`);
  return true;
}

/** The build may have put anything there: never follow a link, never block on a fifo, read a few bytes. */
async function readGeneration(file: string): Promise<number> {
  const fh = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(() => undefined);
  if (!fh) return 0;
  try {
    const buf = Buffer.alloc(32);
    const { bytesRead } = (await fh.stat()).isFile() ? await fh.read(buf, 0, 32, 0) : { bytesRead: 0 };
    return Number(buf.subarray(0, bytesRead).toString('utf8').trim()) || 0;
  } finally {
    await fh.close();
  }
}
