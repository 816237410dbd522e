import { execFile } from 'node:child_process';
import { mkdir, open, readdir, readFile, rm, stat, truncate } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

// A bounded writable layer for a container. Docker's overlay2 driver can only
// limit a container's writable layer on XFS with project quotas, which this
// kernel (and ext4) lacks; so the container's layer folder
// (<data root>/overlay2/<id>/, holding diff/ and work/, the overlay's upper
// and work dirs) is moved onto a filesystem of its own before the container
// first starts: a sparse file of the limit's size, made ext4 (no journal) with
// the folder's files in it, loop-mounted over the folder. Everything the
// container writes anywhere in its root filesystem lands there, and a write
// past the limit fails inside the container with ENOSPC while the host's disk
// and the other containers are untouched. The file stays beside the others
// under `root` (named by the container id), so a reboot only needs it mounted
// again; it is unmounted and deleted when the container is removed (or,
// should Docker remove the container itself, Docker unmounts it and the next
// sweep deletes the file). A dyno resized in place to a larger disk gets its
// filesystem grown while mounted (`grow`); it never shrinks. The builder makes the same filesystems for a
// build's folder and an app's build cache (builder/build/disks.ts).

const run = promisify(execFile);
const MB = 1024 * 1024;

/**
 * `mkfs.ext4` arguments for a filesystem holding the files of `contents` (ext4 without a journal: nothing to replay,
 * nothing to write twice).
 */
export function mkfsArgs(image: string, contents?: string): string[] {
  return [
    '-q',
    '-F',
    '-t',
    'ext4',
    '-O',
    '^has_journal',
    '-m',
    '0',
    '-E',
    'lazy_itable_init=1,nodiscard',
    '-L',
    'paas-disk',
    ...(contents ? ['-d', contents] : []),
    image,
  ];
}

/** The mount points of /proc/self/mountinfo text (field 5, octal escapes undone). */
export function mountPoints(mountinfo: string): Set<string> {
  const out = new Set<string>();
  for (const line of mountinfo.split('\n')) {
    const f = line.split(' ');
    if (f.length > 4 && f[4])
      out.add(f[4].replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
  }
  return out;
}

/** The loop device `losetup -j <image>` names first ("/dev/loop3: [2049]:1234 (/x.img)" -> /dev/loop3). Pure. */
export function loopDeviceOf(losetupOutput: string): string | undefined {
  return /^(\/dev\/loop\d+):/m.exec(losetupOutput)?.[1];
}

/** The image files under root that belong to no container in `live` (ids). */
export function strayImages(files: readonly string[], live: ReadonlySet<string>): string[] {
  return files.filter((f) => f.endsWith('.img') && !live.has(f.slice(0, -'.img'.length)));
}

export async function isMountPoint(dir: string): Promise<boolean> {
  return mountPoints(await readFile('/proc/self/mountinfo', 'utf8')).has(dir);
}

/** Loop-mounts the filesystem in `image` at `at`. */
export async function mountFs(image: string, at: string): Promise<void> {
  await run('mount', ['-o', 'loop,nodev,nosuid', image, at]);
}

/**
 * Makes `image` a sparse file of `sizeMb` holding an ext4 filesystem with
 * the files of `contents` (if given), and mounts it at `at` (which must
 * exist). The image is deleted again when anything fails (e.g. `contents`
 * holds more than fits: the caller says what that means).
 */
export async function mountNewFs(o: { image: string; sizeMb: number; contents?: string; at: string }): Promise<void> {
  const fh = await open(o.image, 'w', 0o600);
  try {
    await fh.truncate(o.sizeMb * 1024 * 1024); // sparse: only what is written takes room
  } finally {
    await fh.close();
  }
  try {
    const args = mkfsArgs(o.image, o.contents);
    await run('mkfs.ext4', args);
    await mountFs(o.image, o.at);
  } catch (err) {
    await rm(o.image, { force: true });
    throw err;
  }
}

/** Unmounts `at` if something is mounted there and deletes `image` (if given). */
export async function unmountFs(at: string, image?: string): Promise<void> {
  if (await isMountPoint(at)) await run('umount', [at]);
  if (image) await rm(image, { force: true });
}

export class LayerDisks {
  constructor(private readonly root: string) {}

  private image(id: string): string {
    if (!/^[0-9a-f]{12,64}$/.test(id)) throw new Error(`not a container id: ${id}`);
    return join(this.root, `${id}.img`);
  }

  /**
   * Puts a `limitMb` filesystem under the container's layer folder (the
   * parent of its overlay upper dir), before its first start. Idempotent:
   * a folder mounted already is left as it is.
   */
  async attach(id: string, upperDir: string, limitMb: number): Promise<void> {
    const dir = dirname(upperDir);
    if (await isMountPoint(dir)) return;
    await mkdir(this.root, { recursive: true, mode: 0o700 });
    await mountNewFs({ image: this.image(id), sizeMb: limitMb, contents: dir, at: dir });
  }

  /** Mounts the container's filesystem again if it has one and it is not mounted (after a reboot). */
  async ensure(id: string, upperDir: string): Promise<void> {
    const image = this.image(id);
    if (!(await exists(image))) return;
    const dir = dirname(upperDir);
    if (await isMountPoint(dir)) return;
    await mountFs(image, dir);
  }

  /** The size of the container's filesystem (MB), or undefined when it has none. */
  async sizeMb(id: string): Promise<number | undefined> {
    const st = await stat(this.image(id)).catch(() => undefined);
    return st ? Math.floor(st.size / MB) : undefined;
  }

  /**
   * Grows the container's filesystem to `limitMb` while it is mounted (a
   * resize in place): the file made longer, its loop device told, then
   * `resize2fs`, which grows a mounted ext4 online. A filesystem never
   * shrinks: one as large or larger is left as it is. Returns its size now
   * (MB), undefined when it has none. When the kernel refuses (online growth
   * needs CAP_SYS_RESOURCE, which an agent in a container may lack) the file
   * is cut back to the filesystem's size and the error thrown.
   */
  async grow(id: string, upperDir: string, limitMb: number): Promise<number | undefined> {
    const had = await this.sizeMb(id);
    if (had === undefined || had >= limitMb) return had;
    await this.ensure(id, upperDir); // mounted (it is, but after a reboot until the container starts)
    const image = this.image(id);
    const dev = loopDeviceOf((await run('losetup', ['-j', image])).stdout);
    if (!dev) throw new Error(`no loop device holds ${image}`);
    await truncate(image, limitMb * MB);
    try {
      await run('losetup', ['-c', dev]);
      await run('resize2fs', [dev]);
    } catch (err) {
      await truncate(image, had * MB);
      await run('losetup', ['-c', dev]).catch(() => undefined);
      throw err;
    }
    return limitMb;
  }

  /** Whether the container has a filesystem of its own. */
  has(id: string): Promise<boolean> {
    return exists(this.image(id));
  }

  /** Unmounts and deletes the container's filesystem (its container must not run). */
  async release(id: string, upperDir: string | undefined): Promise<void> {
    const image = this.image(id);
    if (upperDir) {
      const dir = dirname(upperDir);
      if (await isMountPoint(dir)) await run('umount', [dir]);
    }
    await rm(image, { force: true });
  }

  /** Deletes the files of containers that no longer exist (removed behind the agent's back). */
  async sweep(live: ReadonlySet<string>): Promise<string[]> {
    let files: string[];
    try {
      files = await readdir(this.root);
    } catch {
      return [];
    }
    const stray = strayImages(files, live);
    for (const f of stray) await rm(join(this.root, f), { force: true });
    return stray;
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
