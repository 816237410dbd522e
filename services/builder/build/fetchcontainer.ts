import type Docker from 'dockerode';
import { spawn } from 'node:child_process';
import type { LayerDisks } from '../../core/layerdisk.js';
import { FetchError } from './bpfetch.js';
import { APP_UID, type BuildpackFetchSpec } from './docker.js';
import { FETCH_SCRIPT, FETCH_TARBALL } from './fetchscript.js';

// A buildpack given by URL, fetched from inside a short-lived container of
// the build stack (fetchscript.ts runs in it), so the URL reaches only what
// an app's container may reach; its /tmp/bp is then copied out to the host.

/** Fetches an http(s) buildpack into `into`; throws FetchError with the reason. */
export async function fetchInContainer(
  docker: Docker,
  spec: BuildpackFetchSpec,
  into: string,
  disks?: LayerDisks,
): Promise<void> {
  const container = await docker.createContainer({
    Image: spec.image,
    Cmd: [
      'bash',
      '-c',
      FETCH_SCRIPT,
      'bpfetch',
      spec.kind,
      spec.url,
      spec.ref ?? '',
      String(spec.maxBytes),
      FETCH_TARBALL,
    ],
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
    if (disks) {
      const upper = ((await container.inspect()).GraphDriver as { Data?: Record<string, string> }).Data?.UpperDir;
      if (upper) await disks.attach(container.id, upper, Math.ceil((spec.maxBytes * 2) / 1024 / 1024) + 64); // the download and what it unpacks to
    }
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    if (spec.signal.aborted) throw new FetchError('cancelled');
    if (StatusCode !== 0) {
      const log = demuxed((await container.logs({ stdout: false, stderr: true })) as unknown as Buffer);
      const why = log.trim().split('\n').pop()?.trim();
      throw new FetchError(
        StatusCode === 137
          ? `timed out after ${Math.round(spec.timeoutMs / 1000)} s`
          : why || `the fetch exited with status ${StatusCode}`,
      );
    }
    const archive = await container.getArchive({ path: '/tmp/bp' });
    await untar(archive, into, spec.maxBytes * 2);
  } finally {
    clearTimeout(timer);
    spec.signal.removeEventListener('abort', kill);
    await container.remove({ force: true }).catch(() => undefined);
    await disks?.release(container.id, undefined);
  }
}

/** Unpacks Docker's archive of a folder (its name the top entry) into `into`, refusing more than maxBytes. */
function untar(archive: NodeJS.ReadableStream, into: string, maxBytes: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const tar = spawn('tar', ['-x', '-C', into, '--strip-components=1', '--no-same-owner', '--no-same-permissions'], {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
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
    tar.on('close', (code) =>
      code === 0 ? resolve() : reject(new FetchError(`cannot unpack it: ${stderr.trim().split('\n').pop() ?? code}`)),
    );
    archive.pipe(tar.stdin);
  });
}

/** The text of a non-TTY container's log answer: frames of an 8-byte header (stream, 0, 0, 0, size) and the payload. */
export function demuxed(buf: Buffer): string {
  const parts: Buffer[] = [];
  for (let i = 0; i + 8 <= buf.length;) {
    const size = buf.readUInt32BE(i + 4);
    parts.push(buf.subarray(i + 8, i + 8 + size));
    i += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}
