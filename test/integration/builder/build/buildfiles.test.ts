import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBuildFile, writeEnvDir } from '../../../../services/builder/build/files.js';
import { readdir, readFile } from 'node:fs/promises';
import { must } from '../harness.js';

// Files a build leaves behind are read by the builder (as root) without
// following links that the build's code could have planted.

describe('readBuildFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'paas-buildfile-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a regular file and says undefined for a missing one', async () => {
    await writeFile(join(dir, 'Procfile'), 'web: npm start\n');
    expect(await readBuildFile(join(dir, 'Procfile'))).toBe('web: npm start\n');
    expect(await readBuildFile(join(dir, 'nope'))).toBeUndefined();
  });

  it('refuses a symlink to a host file, a fifo and a huge file', async () => {
    await writeFile(join(dir, 'secret'), 'root:hash\n');
    await symlink(join(dir, 'secret'), join(dir, 'link'));
    await expect(readBuildFile(join(dir, 'link'))).rejects.toThrow(/not a symlink/);
    await must('mkfifo', [join(dir, 'fifo')]);
    await expect(readBuildFile(join(dir, 'fifo'))).rejects.toThrow(/regular file/);
    await writeFile(join(dir, 'big'), 'x'.repeat(70 * 1024));
    await expect(readBuildFile(join(dir, 'big'))).rejects.toThrow(/64 KB/);
  });

  it('writes one env file per valid config var name', async () => {
    const env = join(dir, 'env');
    await writeEnvDir(env, { GREETING: 'hi', '../evil': 'x', DATABASE_URL: 'postgres://a' });
    expect((await readdir(env)).sort()).toEqual(['DATABASE_URL', 'GREETING']);
    expect(await readFile(join(env, 'GREETING'), 'utf8')).toBe('hi');
  });
});
