import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { Bandwidth } from '../services/agent/isolation/bandwidth.js';
import { DockerRuntime } from '../services/agent/docker.js';
import { LABEL } from '../services/agent/spec.js';
import { LayerDisks } from '../services/core/layerdisk.js';
import { sizeByName } from '../services/core/sizes.js';
import { flags, median, round, runMain } from './common.js';

// What isolation costs a container's start, on the real engine with the
// agent's own DockerRuntime: create + start of a run-stack container until it
// runs (its size standard-1x), --runs of each, in turn:
//   bare      Docker's default bridge, no limit of ours (the floor: a plain docker run)
//   network   on the cluster's isolated apps network (--network; icc off)
//   disk      + its layer filesystem (core/layerdisk.ts)
//   all       + its bandwidth shaping (agent/isolation/bandwidth.ts): what the agent does
// Flat JSON on stdout.
//
//   node dist/bench/start.js --network paas-apps [--image paas/stack-run:latest] [--runs 10]

const USAGE = 'usage: node dist/bench/start.js --network NAME [--image IMAGE] [--runs N]';

async function main(): Promise<void> {
  const f = flags(process.argv.slice(2), USAGE, ['image', 'runs', 'network']);
  const image = f.one('image') ?? 'paas/stack-run:latest';
  const network = f.one('network');
  if (!network) throw new Error(USAGE);
  const runs = f.int('runs', 10, 1);
  const size = sizeByName('standard-1x');
  const docker = new Docker();
  await docker.getNetwork(network).inspect(); // it exists (the agent made it)
  const dir = await mkdtemp(join(tmpdir(), 'paas-bench-start-'));
  const log = { warn: (o: object, m: string) => process.stderr.write(`${m} ${JSON.stringify(o)}\n`) };
  const disks = { disks: new LayerDisks(dir), log };
  const kinds = {
    bare: { rt: new DockerRuntime(docker), net: 'bridge', disk: false, shaped: false },
    network: { rt: new DockerRuntime(docker), net: network, disk: false, shaped: false },
    disk: { rt: new DockerRuntime(docker, disks), net: network, disk: true, shaped: false },
    all: { rt: new DockerRuntime(docker, disks, new Bandwidth(docker, log)), net: network, disk: true, shaped: true },
  };
  const made: { rt: DockerRuntime; id: string }[] = [];
  const times: Record<string, number[]> = { bare: [], network: [], disk: [], all: [] };
  try {
    const once = async (k: keyof typeof kinds): Promise<number> => {
      const { rt, net, disk, shaped } = kinds[k];
      const labels = {
        'paas.bench': 'start',
        ...(shaped && { [LABEL.egress]: String(size.egressMbit), [LABEL.ingress]: String(size.ingressMbit) }),
      };
      const t0 = performance.now();
      const id = await rt.create(
        {
          Image: image,
          Cmd: ['sleep', '60'],
          User: '1000:1000',
          Labels: labels,
          HostConfig: { NetworkMode: net, CapDrop: ['ALL'] },
        },
        { diskMb: disk ? size.diskMb : undefined },
      );
      await rt.start(id);
      const ms = performance.now() - t0;
      made.push({ rt, id });
      return ms;
    };
    await once('bare'); // warm the image's layers into the page cache
    for (let i = 0; i < runs; i++)
      for (const k of Object.keys(kinds) as (keyof typeof kinds)[]) times[k]?.push(await once(k));
    const m = (k: string) => round(median(times[k] ?? []), 1);
    process.stdout.write(
      `${JSON.stringify({
        runs,
        start_ms_bare_median: m('bare'),
        start_ms_apps_network_median: m('network'),
        start_ms_network_and_disk_median: m('disk'),
        start_ms_network_disk_and_bandwidth_median: m('all'),
        added_ms_all_median: round(m('all') - m('bare'), 1),
      })}\n`,
    );
  } finally {
    for (const x of made) await x.rt.remove(x.id).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

runMain(main);
