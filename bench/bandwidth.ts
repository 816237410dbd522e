import Docker from 'dockerode';
import { Bandwidth, ratesOf } from '../services/agent/isolation/bandwidth.js';
import { DockerRuntime } from '../services/agent/docker.js';
import { LABEL } from '../services/agent/spec.js';
import { sizeByName } from '../services/core/sizes.js';
import { startProbe } from './bandwidthprobe.js';
import { flags, median, round, runMain } from './common.js';

// Bandwidth per dyno (services/agent/isolation/bandwidth.ts) on the real engine, with the
// agent's own DockerRuntime (which shapes each container after its start):
// for each size asked, a container of the run stack (on Docker's default
// bridge) pushes data out to a server on the host for --seconds (egress) and
// pulls data in from it (ingress); the achieved rate against the size's limit.
// The floor: the same from a container with no limit. --runs each; medians.
// Flat JSON on stdout.
//
//   node dist/bench/bandwidth.js [--image paas/stack-run:latest] [--sizes eco,standard-2x] [--seconds 3] [--runs 3]

const USAGE = 'usage: node dist/bench/bandwidth.js [--image IMAGE] [--sizes a,b] [--seconds S] [--runs N]';

async function main(): Promise<void> {
  const f = flags(process.argv.slice(2), USAGE, ['image', 'sizes', 'seconds', 'runs']);
  const image = f.one('image') ?? 'paas/stack-run:latest';
  const sizes = (f.one('sizes') ?? 'eco,standard-2x').split(',').map((n) => sizeByName(n.trim()));
  const seconds = f.int('seconds', 3, 1);
  const runs = f.int('runs', 3, 1);
  const docker = new Docker();
  const log = { warn: (o: object, m: string) => process.stderr.write(`${m} ${JSON.stringify(o)}\n`) };
  const rt = new DockerRuntime(docker, undefined, new Bandwidth(docker, log));

  const probe = await startProbe(docker, rt, image, seconds);
  const medians = async (labels: Record<string, string>) => {
    const all: { egress: number; ingress: number }[] = [];
    for (let i = 0; i < runs; i++) all.push(await probe.measure(labels));
    return { egress: round(median(all.map((r) => r.egress)), 1), ingress: round(median(all.map((r) => r.ingress)), 1) };
  };

  try {
    const result: Record<string, number | string> = { runs, seconds };
    const floor = await medians({});
    result.unlimited_egress_mbit = floor.egress;
    result.unlimited_ingress_mbit = floor.ingress;
    for (const s of sizes) {
      const labels = { [LABEL.egress]: String(s.egressMbit), [LABEL.ingress]: String(s.ingressMbit) };
      if (!ratesOf(labels)) throw new Error(`size ${s.name} has no rates`);
      const r = await medians(labels);
      const k = s.name.replace(/-/g, '_');
      result[`${k}_egress_limit_mbit`] = s.egressMbit;
      result[`${k}_egress_mbit`] = r.egress;
      result[`${k}_ingress_limit_mbit`] = s.ingressMbit;
      result[`${k}_ingress_mbit`] = r.ingress;
    }
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await probe.close();
  }
}

runMain(main);
