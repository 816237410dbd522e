import type Docker from 'dockerode';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { APP_UID, type AppImageSpec } from './docker.js';

// The app image: the run stack with the slug at /app, owned by the app's
// uid, committed as <cluster>/app-<app>:<build id>. An app with a uid of its
// own also gets its `app` user renumbered in the image's /etc/passwd and
// /etc/group, in the same archive as the slug.

export class AppImages {
  constructor(private readonly docker: Docker) {}

  /**
   * Makes `repo:tag` from the run stack with slugDir's files at /app owned by the app's uid, which is `app`'s in its
   * /etc/passwd.
   */
  async make(spec: AppImageSpec): Promise<string> {
    const uid = spec.uid ?? APP_UID;
    const container = await this.docker.createContainer({
      Image: spec.runImage,
      User: `${uid}:${uid}`,
      WorkingDir: '/app',
      Labels: spec.labels,
      Cmd: ['bash', '-c', 'exit 0'],
    });
    try {
      // Another uid than the stack's: /etc/passwd, /etc/group and /app itself go in the same archive as
      // the slug (one putArchive: each costs a mount of the container's filesystem, ~0.5 s here).
      const head = uid === APP_UID ? undefined : await this.appUserFiles(container, spec.runImage, uid);
      const slug = packSlug(spec.slugDir, uid, head);
      await container.putArchive(slug.stream, { path: head ? '/' : '/app' });
      await slug.done; // tar may fail after writing part of the archive
      await container.commit({ repo: spec.repo, tag: spec.tag, comment: 'paas build', pause: false });
      return `${spec.repo}:${spec.tag}`;
    } finally {
      await container.remove({ force: true }).catch(() => undefined);
    }
  }

  /** The run stack's /etc/passwd and /etc/group, read once per image (they do not change under a tag's id). */
  private readonly stackFiles = new Map<string, Promise<{ passwd: string; group: string }>>();

  /**
   * The start of a tar archive (no end blocks) that gives the image's `app`
   * user and group the app's uid/gid: its /etc/passwd and /etc/group (owned
   * by root), renumbered from the run stack's.
   */
  private async appUserFiles(container: Docker.Container, runImage: string, uid: number): Promise<Buffer> {
    let files = this.stackFiles.get(runImage);
    if (!files) {
      files = (async () => ({
        passwd: await readArchivedFile(await container.getArchive({ path: '/etc/passwd' })),
        group: await readArchivedFile(await container.getArchive({ path: '/etc/group' })),
      }))();
      files.catch(() => this.stackFiles.delete(runImage));
      this.stackFiles.set(runImage, files);
    }
    const { passwd, group } = await files;
    const dir = await mkdtemp(join(tmpdir(), 'paas-passwd-'));
    try {
      await mkdir(join(dir, 'etc'));
      await writeFile(join(dir, 'etc', 'passwd'), renumberApp(passwd, uid, true), { mode: 0o644 });
      await writeFile(join(dir, 'etc', 'group'), renumberApp(group, uid, false), { mode: 0o644 });
      return withoutEnd(
        await tarBytes([
          '-c',
          '-b',
          '1',
          '-C',
          dir,
          '--owner=0',
          '--group=0',
          '--numeric-owner',
          'etc/passwd',
          'etc/group',
        ]),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

/** What `tar ARGS` writes to stdout, fed `input` (if given) on its stdin. */
function tarBytes(args: string[], input?: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tar = spawn('tar', args, { stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    tar.stdout?.on('data', (d: Buffer) => out.push(d));
    tar.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    tar.on('error', reject);
    tar.on('close', (code) =>
      code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`tar failed (exit ${code}): ${err.trim()}`)),
    );
    if (input && tar.stdin) {
      input.on('error', reject);
      input.pipe(tar.stdin);
    }
  });
}

/**
 * A tar archive written with one-block records, less its end (two zero blocks), so another archive can follow it. Pure.
 */
export function withoutEnd(archive: Buffer): Buffer {
  const end = archive.length - 1024;
  if (end < 0 || archive.length % 512 !== 0 || archive.subarray(end).some((b) => b !== 0))
    throw new Error('not a tar archive with one-block records');
  return archive.subarray(0, end);
}

/** The `app` entry of an /etc/passwd (or /etc/group) with the uid (and gid) given; the other lines unchanged. Pure. */
export function renumberApp(text: string, uid: number, passwd: boolean): string {
  return text
    .split('\n')
    .map((line) => {
      const f = line.split(':');
      if (f[0] !== 'app') return line;
      if (passwd && f.length >= 7) return [f[0], f[1], String(uid), String(uid), ...f.slice(4)].join(':');
      if (!passwd && f.length >= 4) return [f[0], f[1], String(uid), ...f.slice(3)].join(':');
      return line;
    })
    .join('\n');
}

/** The content of the one file in a Docker archive (getArchive of a file). */
async function readArchivedFile(archive: NodeJS.ReadableStream): Promise<string> {
  return (await tarBytes(['-x', '-O'], archive)).toString('utf8');
}

/**
 * The slug as a tar stream, every entry owned by the app user. GNU tar, not
 * tar-fs: a slug holds thousands of small files (node_modules, the vendored
 * npm), which tar-fs packs in 1-2 s and tar in under 0.1 s. `done` settles
 * when tar exits and rejects when it failed, even after a partial archive.
 */
function packSlug(dir: string, uid: number, head?: Buffer): { stream: NodeJS.ReadableStream; done: Promise<void> } {
  // With a head (appUserFiles), the slug's entries are named app/... (put at /) and app itself is the app's too.
  const names = head ? ['--transform', 's,^\\.,app,'] : [];
  const tar = spawn('tar', ['-c', '-C', dir, `--owner=${uid}`, `--group=${uid}`, '--numeric-owner', ...names, '.'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  tar.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<void>((resolve, reject) => {
    tar.on('error', reject);
    tar.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`tar of the slug failed (exit ${code}): ${stderr.trim().slice(0, 300)}`)),
    );
  });
  done.catch(() => tar.stdout.destroy()); // ends putArchive's upload too
  if (!head) return { stream: tar.stdout, done };
  const stream = new PassThrough();
  stream.write(head);
  tar.stdout.pipe(stream);
  done.catch((err: Error) => stream.destroy(err));
  return { stream, done };
}
