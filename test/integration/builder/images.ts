import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type Docker from 'dockerode';
import tarfs from 'tar-fs';

// Stand-in app images for the clean-up tests: empty, but labelled and named
// like the builder's, so the clean-up cannot tell them from real ones.

/** An empty image `<cluster>/app-<app>:<tag>` with the builder's labels (plus `extra`); `dir` is scratch space. */
export async function labelledImage(
  docker: Docker,
  dir: string,
  o: { cluster: string; app: string; tag: string; extra?: Record<string, string> },
): Promise<string> {
  const ctx = join(dir, `ctx-${o.app}-${o.tag}`);
  await mkdir(ctx, { recursive: true });
  const labels = { 'paas.cluster': o.cluster, 'paas.app': o.app, ...o.extra };
  await writeFile(
    join(ctx, 'Dockerfile'),
    `FROM scratch\nLABEL ${Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}\n`,
  );
  const ref = `${o.cluster}/app-${o.app}:${o.tag}`;
  const stream = await docker.buildImage(tarfs.pack(ctx) as unknown as NodeJS.ReadableStream, { t: ref });
  await new Promise((resolve, reject) =>
    docker.modem.followProgress(stream, (err) => (err ? reject(err) : resolve(undefined))),
  );
  return ref;
}

export function imageExists(docker: Docker, ref: string): Promise<boolean> {
  return docker
    .getImage(ref)
    .inspect()
    .then(() => true)
    .catch(() => false);
}
