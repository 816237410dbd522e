import type Docker from 'dockerode';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { LayerDisks } from '../../core/layerdisk.js';
import { isDiskFull, isForkFailure, LimitExceeded, limitHit, limitMessage, nanoCpus } from './limits.js';
import { lineWriter } from '../output.js';
import { FetchError } from './bpfetch.js';
import { FETCH_SCRIPT, FETCH_TARBALL } from './fetchscript.js';

// The two Docker steps of a build, behind a small interface: run the build
// container, and commit the slug onto the run stack as the app image.

export interface Mount {
  source: string;
  target: string;
  readOnly: boolean;
}

export interface BuildContainerSpec {
  name: string;
  image: string;
  cmd: string[];
  env: string[];
  mounts: Mount[];
  memoryMb: number;
  /** CPUs (0 or absent: no limit), process limit (default 2048), seconds before the build is killed (absent: none). */
  cpus?: number;
  pidsLimit?: number;
  timeoutS?: number;
  /** The container's writable layer (core/layerdisk.ts) and, for the message, the app's cache limit; absent: unbounded. */
  diskMb?: number;
  cacheMb?: number;
  labels: Record<string, string>;
  /** The app's uid/gid it runs as (core/uids.ts; default the stack's app user, 1000). */
  uid?: number;
  onLine: (line: string) => void;
  signal: AbortSignal;
}

export interface AppImageSpec {
  runImage: string;
  slugDir: string;
  repo: string;
  tag: string;
  labels: Record<string, string>;
  /** The app's uid/gid (core/uids.ts; default 1000): owns /app and is the `app` user of the image. */
  uid?: number;
}

export interface BuildDocker {
  /** Runs the container to its end, streaming its output lines; resolves with its exit status. Throws LimitExceeded when a limit stopped it. */
  runBuild(spec: BuildContainerSpec): Promise<number>;
  /** Makes `repo:tag` from the run stack with slugDir's files at /app owned by the app's uid, which is `app`'s in its /etc/passwd. */
  makeAppImage(spec: AppImageSpec): Promise<string>;
  imageExists(ref: string): Promise<boolean>;
  /** Fetches an http(s) buildpack into `into` from inside a container (fetchscript.ts); throws FetchError with the reason. */
  fetchBuildpack(spec: BuildpackFetchSpec, into: string): Promise<void>;
}

export interface BuildpackFetchSpec {
  image: string;
  kind: 'git' | 'tarball';
  url: string;
  ref?: string | undefined;
  timeoutMs: number;
  maxBytes: number;
  labels: Record<string, string>;
  signal: AbortSignal;
}

export const APP_UID = 1000;

export class DockerodeBuilder implements BuildDocker {
  /** `disks`: where build containers' layer filesystems are made (absent: unbounded). */
  constructor(
    private readonly docker: Docker,
    private readonly disks?: LayerDisks,
  ) {}

  async imageExists(ref: string): Promise<boolean> {
    try {
      await this.docker.getImage(ref).inspect();
      return true;
    } catch {
      return false;
    }
  }

  async runBuild(spec: BuildContainerSpec): Promise<number> {
    const container = await this.docker.createContainer({
      name: spec.name,
      Image: spec.image,
      Cmd: spec.cmd,
      Env: spec.env,
      User: `${spec.uid ?? APP_UID}:${spec.uid ?? APP_UID}`,
      WorkingDir: '/tmp/build',
      Labels: spec.labels,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      HostConfig: {
        Mounts: spec.mounts.map((m) => ({ Type: 'bind' as const, Source: m.source, Target: m.target, ReadOnly: m.readOnly })),
        Memory: spec.memoryMb * 1024 * 1024,
        MemorySwap: spec.memoryMb * 1024 * 1024,
        PidsLimit: spec.pidsLimit ?? 2048,
        ...(spec.cpus ? { NanoCpus: nanoCpus(spec.cpus) } : {}),
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
      },
    });
    if (this.disks && spec.diskMb) {
      const upper = ((await container.inspect()).GraphDriver as { Name?: string; Data?: Record<string, string> }).Data?.UpperDir;
      try {
        if (upper) await this.disks.attach(container.id, upper, spec.diskMb);
      } catch (err) {
        await container.remove({ force: true }).catch(() => undefined);
        await this.disks.release(container.id, undefined);
        throw err;
      }
    }
    const kill = () => void container.kill().catch(() => undefined);
    spec.signal.addEventListener('abort', kill, { once: true });
    let timedOut = false;
    let forkFailed = false;
    let diskFull = false;
    const timer = spec.timeoutS
      ? setTimeout(() => {
          timedOut = true;
          kill();
        }, spec.timeoutS * 1000)
      : undefined;
    try {
      const stream = await container.attach({ stream: true, stdout: true, stderr: true });
      const lines = lineWriter((line) => {
        if (isForkFailure(line)) forkFailed = true;
        if (isDiskFull(line)) diskFull = true;
        spec.onLine(line);
      });
      const out = new PassThrough();
      out.pipe(lines);
      this.docker.modem.demuxStream(stream, out, out);
      const ended = new Promise<void>((resolve) => {
        stream.on('end', resolve);
        stream.on('close', resolve);
        stream.on('error', () => resolve());
      });
      await container.start();
      const result = (await container.wait()) as { StatusCode: number };
      await ended;
      out.end();
      await new Promise<void>((resolve) => lines.on('finish', resolve));
      clearTimeout(timer);
      const state = (await container.inspect().catch(() => undefined))?.State;
      const hit = limitHit({ timedOut, oomKilled: state?.OOMKilled === true, forkFailed, diskFull, exitCode: result.StatusCode });
      const limits = { memoryMb: spec.memoryMb, cpus: spec.cpus ?? 0, pids: spec.pidsLimit ?? 2048, timeoutS: spec.timeoutS ?? 0, diskMb: spec.diskMb ?? 0, cacheMb: spec.cacheMb ?? 0 };
      if (hit && !spec.signal.aborted) throw new LimitExceeded(hit, limitMessage(hit, limits));
      return result.StatusCode;
    } finally {
      clearTimeout(timer);
      spec.signal.removeEventListener('abort', kill);
      await container.remove({ force: true }).catch(() => undefined); // Docker unmounts its layer filesystem
      await this.disks?.release(container.id, undefined);
    }
  }

  async fetchBuildpack(spec: BuildpackFetchSpec, into: string): Promise<void> {
    const container = await this.docker.createContainer({
      Image: spec.image,
      Cmd: ['bash', '-c', FETCH_SCRIPT, 'bpfetch', spec.kind, spec.url, spec.ref ?? '', String(spec.maxBytes), FETCH_TARBALL],
      Env: ['HOME=/tmp', 'GIT_TERMINAL_PROMPT=0', 'GIT_CONFIG_NOSYSTEM=1'],
      User: `${APP_UID}:${APP_UID}`,
      WorkingDir: '/tmp',
      Labels: { ...spec.labels, 'paas.buildpack-fetch': 'true' },
      HostConfig: {
        NetworkMode: 'bridge', // Docker's default bridge, as builds: none of the host's loopback
        Memory: 512 * 1024 * 1024,
        MemorySwap: 512 * 1024 * 1024,
        PidsLimit: 128,
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
      },
    });
    const kill = () => void container.kill().catch(() => undefined);
    const timer = setTimeout(kill, spec.timeoutMs);
    spec.signal.addEventListener('abort', kill, { once: true });
    try {
      if (this.disks) {
        const upper = ((await container.inspect()).GraphDriver as { Data?: Record<string, string> }).Data?.UpperDir;
        if (upper) await this.disks.attach(container.id, upper, Math.ceil((spec.maxBytes * 2) / 1024 / 1024) + 64); // the download and what it unpacks to
      }
      await container.start();
      const { StatusCode } = (await container.wait()) as { StatusCode: number };
      if (spec.signal.aborted) throw new FetchError('cancelled');
      if (StatusCode !== 0) {
        const log = demuxed((await container.logs({ stdout: false, stderr: true })) as unknown as Buffer);
        const why = log.trim().split('\n').pop()?.trim();
        throw new FetchError(StatusCode === 137 ? `timed out after ${Math.round(spec.timeoutMs / 1000)} s` : why || `the fetch exited with status ${StatusCode}`);
      }
      const archive = await container.getArchive({ path: '/tmp/bp' });
      await untar(archive, into, spec.maxBytes * 2);
    } finally {
      clearTimeout(timer);
      spec.signal.removeEventListener('abort', kill);
      await container.remove({ force: true }).catch(() => undefined);
      await this.disks?.release(container.id, undefined);
    }
  }

  async makeAppImage(spec: AppImageSpec): Promise<string> {
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
      return withoutEnd(await tarBytes(['-c', '-b', '1', '-C', dir, '--owner=0', '--group=0', '--numeric-owner', 'etc/passwd', 'etc/group']));
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
    tar.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`tar failed (exit ${code}): ${err.trim()}`))));
    if (input && tar.stdin) {
      input.on('error', reject);
      input.pipe(tar.stdin);
    }
  });
}

/** A tar archive written with one-block records, less its end (two zero blocks), so another archive can follow it. Pure. */
export function withoutEnd(archive: Buffer): Buffer {
  const end = archive.length - 1024;
  if (end < 0 || archive.length % 512 !== 0 || archive.subarray(end).some((b) => b !== 0)) throw new Error('not a tar archive with one-block records');
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
  const tar = spawn('tar', ['-c', '-C', dir, `--owner=${uid}`, `--group=${uid}`, '--numeric-owner', ...names, '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  tar.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<void>((resolve, reject) => {
    tar.on('error', reject);
    tar.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`tar of the slug failed (exit ${code}): ${stderr.trim().slice(0, 300)}`))));
  });
  done.catch(() => tar.stdout.destroy()); // ends putArchive's upload too
  if (!head) return { stream: tar.stdout, done };
  const stream = new PassThrough();
  stream.write(head);
  tar.stdout.pipe(stream);
  done.catch((err: Error) => stream.destroy(err));
  return { stream, done };
}

/** Unpacks Docker's archive of a folder (its name the top entry) into `into`, refusing more than maxBytes. */
function untar(archive: NodeJS.ReadableStream, into: string, maxBytes: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const tar = spawn('tar', ['-x', '-C', into, '--strip-components=1', '--no-same-owner', '--no-same-permissions'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let seen = 0;
    let stderr = '';
    tar.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    archive.on('data', (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > maxBytes) {
        tar.kill();
        reject(new FetchError(`it is larger than ${Math.round(maxBytes / 2 / 1024 / 1024)} MB`));
      }
    });
    archive.on('error', reject);
    tar.on('error', reject);
    tar.on('close', (code) => (code === 0 ? resolve() : reject(new FetchError(`cannot unpack it: ${stderr.trim().split('\n').pop() ?? code}`))));
    archive.pipe(tar.stdin);
  });
}

/** The text of a non-TTY container's log answer: frames of an 8-byte header (stream, 0, 0, 0, size) and the payload. */
export function demuxed(buf: Buffer): string {
  const parts: Buffer[] = [];
  for (let i = 0; i + 8 <= buf.length; ) {
    const size = buf.readUInt32BE(i + 4);
    parts.push(buf.subarray(i + 8, i + 8 + size));
    i += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}
