import type Docker from 'dockerode';
import { PassThrough, Writable } from 'node:stream';
import type { LayerDisks } from '../../core/layerdisk.js';
import { sanitizeLine } from '../output.js';
import { APP_UID, type BuildContainerSpec } from './docker.js';
import { isDiskFull, isForkFailure, LimitExceeded, limitHit, limitMessage, nanoCpus } from './limits.js';

// The build container: the buildpacks run in it as the app's uid with the
// build's limits (limits.ts), its output streamed line by line; a limit it
// ran into is told as LimitExceeded rather than as a failed buildpack.

/** Runs the container to its end, streaming its output lines; resolves with its exit status. */
export async function runBuildContainer(docker: Docker, spec: BuildContainerSpec, disks?: LayerDisks): Promise<number> {
  const container = await docker.createContainer({
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
      Mounts: spec.mounts.map((m) => ({
        Type: 'bind' as const,
        Source: m.source,
        Target: m.target,
        ReadOnly: m.readOnly,
      })),
      Memory: spec.memoryMb * 1024 * 1024,
      MemorySwap: spec.memoryMb * 1024 * 1024,
      PidsLimit: spec.pidsLimit ?? 2048,
      ...(spec.cpus ? { NanoCpus: nanoCpus(spec.cpus) } : {}),
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
    },
  });
  if (disks && spec.diskMb) {
    const upper = ((await container.inspect()).GraphDriver as { Name?: string; Data?: Record<string, string> }).Data
      ?.UpperDir;
    try {
      if (upper) await disks.attach(container.id, upper, spec.diskMb);
    } catch (err) {
      await container.remove({ force: true }).catch(() => undefined);
      await disks.release(container.id, undefined);
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
    docker.modem.demuxStream(stream, out, out);
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
    const hit = limitHit({
      timedOut,
      oomKilled: state?.OOMKilled === true,
      forkFailed,
      diskFull,
      exitCode: result.StatusCode,
    });
    const limits = {
      memoryMb: spec.memoryMb,
      cpus: spec.cpus ?? 0,
      pids: spec.pidsLimit ?? 2048,
      timeoutS: spec.timeoutS ?? 0,
      diskMb: spec.diskMb ?? 0,
      cacheMb: spec.cacheMb ?? 0,
    };
    if (hit && !spec.signal.aborted) throw new LimitExceeded(hit, limitMessage(hit, limits));
    return result.StatusCode;
  } finally {
    clearTimeout(timer);
    spec.signal.removeEventListener('abort', kill);
    await container.remove({ force: true }).catch(() => undefined); // Docker unmounts its layer filesystem
    await disks?.release(container.id, undefined);
  }
}

/** A writable that calls onLine for every complete line, and the rest at the end. */
export function lineWriter(onLine: (line: string) => void): Writable {
  let buf = '';
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      buf += chunk.toString('utf8');
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        onLine(sanitizeLine(buf.slice(0, i)));
        buf = buf.slice(i + 1);
      }
      done();
    },
    final(done) {
      if (buf !== '') onLine(sanitizeLine(buf));
      buf = '';
      done();
    },
  });
}
