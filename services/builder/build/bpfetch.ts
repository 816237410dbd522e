import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { entryLabel, type BuildpackEntry } from '../../core/buildpacks.js';

// Fetches a buildpack given by URL, before the build container runs: a
// tarball or a git repository over http(s) from inside a container of its
// own on Docker's default bridge (`remote`, fetchcontainer.ts with fetchscript.ts),
// so a URL reaches only what an app's container may reach, never the host's
// loopback (the platform's API, etcd) nor link-local addresses; file:// (when
// the operator allows it) read on the host. Into
// $STATE/buildpacks-cache/<sha256 of the entry>, once per entry; later builds
// reuse it. Every command gets an argument array.

export class FetchError extends Error {
  override name = 'FetchError';
}

/** Fetches an http(s) entry into `into` from inside a container; throws FetchError with the reason. */
export type RemoteFetch = (
  e: { kind: 'git' | 'tarball'; url: string; ref?: string | undefined },
  into: string,
  limits: { timeoutMs: number; maxBytes: number; signal: AbortSignal },
) => Promise<void>;

export interface FetchOptions {
  cacheRoot: string;
  signal: AbortSignal;
  timeoutMs?: number;
  maxBytes?: number;
  /** How http(s) entries are fetched (absent: they are refused). */
  remote?: RemoteFetch;
}

const DEFAULT_TIMEOUT_MS = 120_000;
const DEFAULT_MAX_BYTES = 200 * 1024 * 1024;

export function cacheKey(e: BuildpackEntry): string {
  return createHash('sha256')
    .update(`${e.kind} ${entryLabel(e)}`)
    .digest('hex');
}

/** The host folder holding the buildpack (its bin/ inside); fetched unless cached. */
export async function fetchBuildpack(
  e: Exclude<BuildpackEntry, { kind: 'builtin' }>,
  opts: FetchOptions,
): Promise<string> {
  const dir = join(opts.cacheRoot, cacheKey(e));
  if (await isDir(dir)) return buildpackRoot(dir);
  await mkdir(opts.cacheRoot, { recursive: true });
  const tmp = `${dir}.tmp-${randomBytes(4).toString('hex')}`;
  await mkdir(tmp);
  try {
    if (!e.url.startsWith('file:')) {
      if (!opts.remote) throw new FetchError('this builder has no container to fetch it from');
      await opts.remote(e, tmp, {
        timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        maxBytes: opts.maxBytes ?? DEFAULT_MAX_BYTES,
        signal: opts.signal,
      });
    } else if (e.kind === 'tarball') await fetchTarball(e.url, tmp, opts);
    else await fetchGit(e.url, e.ref, tmp, opts);
    await run('chmod', ['-R', 'u+rwX,go+rX,go-w', '--', tmp], opts);
    const root = await buildpackRoot(tmp);
    if (!(await isDir(join(root, 'bin'))))
      throw new FetchError('it has no bin/ folder (a buildpack needs bin/detect, bin/compile and bin/release)');
    try {
      await rename(tmp, dir);
    } catch (err) {
      if (!(await isDir(dir))) throw err; // another build fetched it meanwhile: keep theirs
      await rm(tmp, { recursive: true, force: true });
    }
    return buildpackRoot(dir);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** A tarball made from a folder (GitHub's, `git archive --prefix`) has one top folder: the buildpack is inside it. */
async function buildpackRoot(dir: string): Promise<string> {
  if (await isDir(join(dir, 'bin'))) return dir;
  const names = await readdir(dir);
  if (names.length === 1 && (await isDir(join(dir, names[0] as string)))) return join(dir, names[0] as string);
  return dir;
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** A file:// tarball (the operator allowed them), read on the host. */
async function fetchTarball(url: string, into: string, opts: FetchOptions): Promise<void> {
  const path = fileURLToPath(url);
  const st = await stat(path).catch(() => undefined);
  if (!st?.isFile()) throw new FetchError('no such file');
  const max = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  if (st.size > max) throw new FetchError(`it is larger than ${Math.round(max / 1024 / 1024)} MB`);
  // GNU tar refuses absolute names and `..` members by default; never as the archive's owners.
  await run('tar', ['-xzf', path, '-C', into, '--no-same-owner', '--no-same-permissions'], opts).catch((err: Error) => {
    throw new FetchError(`not a gzip tarball (${err.message})`);
  });
}

async function fetchGit(url: string, ref: string | undefined, into: string, opts: FetchOptions): Promise<void> {
  const git = (args: string[]) =>
    run('git', ['-c', 'advice.detachedHead=false', '-c', 'protocol.ext.allow=never', ...args], opts);
  await git(['init', '-q', into]);
  await git(['-C', into, 'fetch', '-q', '--depth', '1', '--no-tags', '--', url, ref ?? 'HEAD']).catch((err: Error) => {
    throw new FetchError(`git fetch failed: ${err.message}`);
  });
  await git(['-C', into, 'checkout', '-q', 'FETCH_HEAD']);
  await rm(join(into, '.git'), { recursive: true, force: true });
}

/** Runs a command (argument array, no shell, no prompt); rejects with its last stderr line. */
function run(cmd: string, args: string[], opts: FetchOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        GIT_TERMINAL_PROMPT: '0',
        GIT_CONFIG_NOSYSTEM: '1',
        HOME: '/nonexistent',
      },
      signal: AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS)]),
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
    child.on('error', (e) => reject(new FetchError(e.name === 'AbortError' ? 'timed out or cancelled' : e.message)));
    child.on('close', (code) => {
      const last = err.trim().split('\n').pop() ?? '';
      if (code === 0) resolve();
      else reject(new FetchError(last.replace(/^fatal: /, '') || `${cmd} exited with status ${code}`));
    });
  });
}
