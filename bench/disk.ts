import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { DockerRuntime } from '../services/agent/docker.js';
import { LayerDisks } from '../services/core/layerdisk.js';
import { flags, median, round, runMain } from './common.js';

// What a dyno's disk limit (core/layerdisk.ts) costs and how it holds, on
// the real Docker engine, with the agent's own DockerRuntime:
// - start: create + start of a container of the run stack until it runs,
//   with a layer filesystem of --disk-mb and without (the floor), --runs each;
// - enforcement: a container with the limit writes zeros until ENOSPC: the
//   time it takes and how much it wrote (the limit holds: at most the limit).
// Flat JSON on stdout.
//
//   node dist/bench/disk.js [--image paas/stack-run:latest] [--runs 10] [--disk-mb 1024]

const USAGE = 'usage: node dist/bench/disk.js [--image IMAGE] [--runs N] [--disk-mb MB]';

async function main(): Promise<void> {
  const f = flags(process.argv.slice(2), USAGE, ['image', 'runs', 'disk-mb']);
  const image = f.one('image') ?? 'paas/stack-run:latest';
  const runs = f.int('runs', 10, 1);
  const diskMb = f.int('disk-mb', 1024, 16);
  const docker = new Docker();
  const dir = await mkdtemp(join(tmpdir(), 'paas-bench-disk-'));
  const log = { warn: (o: object, m: string) => process.stderr.write(`${m} ${JSON.stringify(o)}\n`) };
  const limited = new DockerRuntime(docker, { disks: new LayerDisks(dir), log });
  const plain = new DockerRuntime(docker);
  const label = { 'paas.bench': 'disk' };
  const made: { rt: DockerRuntime; id: string }[] = [];
  try {
    const startMs = async (rt: DockerRuntime, disk?: number): Promise<number> => {
      const t0 = performance.now();
      const id = await rt.create(
        { Image: image, Cmd: ['sleep', '30'], User: '1000:1000', Labels: label, HostConfig: { NetworkMode: 'none' } },
        { diskMb: disk },
      );
      await rt.start(id);
      const ms = performance.now() - t0;
      made.push({ rt, id });
      return ms;
    };
    const floor: number[] = [];
    const withDisk: number[] = [];
    await startMs(plain); // warm the image's layers into the page cache
    for (let i = 0; i < runs; i++) {
      floor.push(await startMs(plain));
      withDisk.push(await startMs(limited, diskMb));
    }
    for (const m of made.splice(0)) await m.rt.remove(m.id);

    // Enforcement: write until the filesystem is full.
    const id = await limited.create(
      {
        Image: image,
        User: '1000:1000',
        Labels: label,
        HostConfig: { NetworkMode: 'none' },
        Cmd: [
          'bash',
          '-c',
          `s=$(date +%s%N); dd if=/dev/zero of=/app/fill bs=1M count=${diskMb * 2} 2>/dev/null; e=$(date +%s%N); echo "$(( (e - s) / 1000000 )) $(stat -c %s /app/fill)"`,
        ],
      },
      { diskMb },
    );
    made.push({ rt: limited, id });
    await limited.start(id);
    await docker.getContainer(id).wait();
    const out = (await docker.getContainer(id).logs({ stdout: true, stderr: true })).toString('utf8');
    const m = /(\d+) (\d+)\s*$/.exec(out);
    if (!m) throw new Error(`the filling container printed no result: ${out}`);
    const result = {
      runs,
      disk_mb: diskMb,
      start_ms_plain_median: round(median(floor), 1),
      start_ms_limited_median: round(median(withDisk), 1),
      start_ms_added_median: round(median(withDisk) - median(floor), 1),
      fill_ms_to_enospc: Number(m[1]),
      fill_mb_written: round(Number(m[2]) / 1024 / 1024, 1),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    for (const m of made) await m.rt.remove(m.id).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

runMain(main);
