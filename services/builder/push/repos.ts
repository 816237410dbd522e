import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { assertAppName } from '../../core/names.js';

// Bare repositories, one per app: $STATE/repos/<app>.git, with a pre-receive
// hook that runs the compiled hook script.

export function repoPath(reposDir: string, app: string): string {
  return join(reposDir, `${assertAppName(app)}.git`);
}

/** The hook file's text: runs our hook with node. Paths are checked by loadConfig to hold no quotes. */
export function hookScriptText(nodePath: string, hookScript: string): string {
  return `#!/bin/sh\n# Written by the paas builder; rewritten on every push.\nexec '${nodePath}' '${hookScript}'\n`;
}

export async function ensureRepo(opts: {
  reposDir: string;
  app: string;
  nodePath: string;
  hookScript: string;
}): Promise<string> {
  const dir = repoPath(opts.reposDir, opts.app);
  if (!existsSync(join(dir, 'HEAD'))) {
    await mkdir(opts.reposDir, { recursive: true });
    await git(['init', '--quiet', '--bare', '-b', 'main', dir]);
  }
  // a forced push (git push -f) deploys; git's client refuses a non-fast-forward push without it
  await git(['--git-dir', dir, 'config', 'receive.denyNonFastForwards', 'false']);
  const hooks = join(dir, 'hooks');
  await mkdir(hooks, { recursive: true });
  const tmp = join(hooks, `.pre-receive.${process.pid}.${Date.now()}`);
  await writeFile(tmp, hookScriptText(opts.nodePath, opts.hookScript), { mode: 0o755 });
  await chmod(tmp, 0o755);
  await rename(tmp, join(hooks, 'pre-receive'));
  return dir;
}

function git(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`git ${args[0]} failed (${code}): ${err.trim()}`)),
    );
  });
}
