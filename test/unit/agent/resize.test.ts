import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../services/core/logger.js';
import { loopDeviceOf } from '../../../services/core/layerdisk.js';
import { limitsOf, sizeByName, type Limits } from '../../../services/core/sizes.js';
import type { Assignment } from '../../../services/core/types.js';
import type { ContainerState, Runtime } from '../../../services/agent/docker.js';
import type { Rates } from '../../../services/agent/isolation/bandwidth.js';
import { assignedRates, resizedLine, resizeSteps, Resizer } from '../../../services/agent/resize.js';
import { LABEL, type ContainerRef } from '../../../services/agent/spec.js';

// A resize in place as the agent applies it (agent/resize.ts): what changes
// between what a container has and what its assignment asks, the dyno's
// line, and the calls made on the runtime, once.

const eco = limitsOf(sizeByName('eco'));
const big = limitsOf(sizeByName('standard-2x'));

describe('resizeSteps', () => {
  it('changes Docker limits, rates and disk only where they differ', () => {
    expect(resizeSteps(eco, eco)).toEqual({ limits: false, rates: false, disk: false });
    expect(resizeSteps(eco, big)).toEqual({ limits: true, rates: true, disk: true });
    // a container seen first (the agent restarted): its disk is looked at
    expect(resizeSteps({ memoryMb: 256, cpuShares: 256, egressMbit: 50, ingressMbit: 50 }, eco)).toEqual({
      limits: false,
      rates: false,
      disk: true,
    });
    // an assignment without rates or disk (made before they existed): neither is touched
    expect(resizeSteps(eco, { memoryMb: 1024, cpuShares: 2048 })).toEqual({ limits: true, rates: false, disk: false });
  });

  it('reads the rates an assignment asks for', () => {
    expect(assignedRates(big)).toEqual({ egressMbit: 400, ingressMbit: 400 });
    expect(assignedRates({ egressMbit: 400 })).toBeUndefined();
  });
});

describe('resizedLine', () => {
  it('names the size and its limits, the disk when it grew, and what it keeps when it could not', () => {
    expect(resizedLine(big)).toBe('Resized in place to standard-2x (memory 1024 MB, CPU shares 2048)');
    expect(resizedLine(big, 4096, true)).toBe(
      'Resized in place to standard-2x (memory 1024 MB, CPU shares 2048, disk 4096 MB)',
    );
    expect(resizedLine(big, 1024)).toBe(
      'Resized in place to standard-2x (memory 1024 MB, CPU shares 2048); its disk stays 1024 MB until it is replaced',
    );
    expect(resizedLine(eco, 4096)).toBe(
      'Resized in place to eco (memory 256 MB, CPU shares 256); its disk stays 4096 MB until it is replaced',
    );
  });
});

describe('loopDeviceOf', () => {
  it("reads the device of losetup -j's answer", () => {
    expect(loopDeviceOf('/dev/loop12: [65024]:2443531 (/var/lib/paas/agent/h-disks/abc.img)\n')).toBe('/dev/loop12');
    expect(loopDeviceOf('')).toBeUndefined();
  });
});

/** A runtime that records the resize calls (the rest is never called here). */
function recording(docker: { memoryMb: number; cpuShares: number }, diskMb = 1024) {
  const calls: string[] = [];
  const runtime = {
    inspect: async (): Promise<ContainerState> => {
      calls.push('inspect');
      return { id: 'c1', running: true, exitCode: 0, finishedAt: '', startedAt: '', ...docker };
    },
    update: async (_id: string, l: Pick<Limits, 'memoryMb' | 'cpuShares'>) => {
      calls.push(`update ${l.memoryMb} ${l.cpuShares}`);
      Object.assign(docker, { memoryMb: l.memoryMb, cpuShares: l.cpuShares });
    },
    reshape: async (_id: string, r: Rates) => void calls.push(`reshape ${r.egressMbit}/${r.ingressMbit}`),
    growDisk: async (_id: string, mb: number) => {
      calls.push(`grow ${mb}`);
      return Math.max(diskMb, mb);
    },
  } as unknown as Runtime;
  return { runtime, calls };
}

const assignment = (l: Limits): Assignment => ({
  id: 'shop.web.1.v1',
  host: 'h1',
  app: 'shop',
  release: 1,
  type: 'web',
  index: 1,
  image: 'i',
  command: 'c',
  env: {},
  port: 5000,
  ...l,
  createdAt: '',
});
const container: ContainerRef = {
  id: 'c1',
  labels: { [LABEL.egress]: '50', [LABEL.ingress]: '50' },
  running: true,
  created: 0,
};

describe('Resizer', () => {
  const log = createLogger('test', 'silent');

  it('applies new limits to a container it made once, says so in the dyno log, and does nothing more after', async () => {
    const { runtime, calls } = recording({ memoryMb: 256, cpuShares: 256 });
    const said: string[] = [];
    const r = new Resizer({ runtime, log, say: (_c, line) => said.push(line) });
    r.created('c1', assignment(eco));
    await r.apply(assignment(eco), container);
    expect(calls).toEqual([]);
    await r.apply(assignment(big), container);
    expect(calls).toEqual(['update 1024 2048', 'reshape 400/400', 'grow 4096']);
    expect(said).toEqual(['Resized in place to standard-2x (memory 1024 MB, CPU shares 2048, disk 4096 MB)']);
    await r.apply(assignment(big), container);
    expect(calls).toHaveLength(3);
  });

  it('looks at a container it did not make (an agent restarted) once, and changes only what differs', async () => {
    const { runtime, calls } = recording({ memoryMb: 256, cpuShares: 256 });
    const said: string[] = [];
    const r = new Resizer({ runtime, log, say: (_c, line) => said.push(line) });
    await r.apply(assignment(eco), container);
    expect(calls).toEqual(['inspect', 'grow 1024']);
    expect(said).toEqual([]);
    await r.apply(assignment(eco), container);
    expect(calls).toHaveLength(2);
    // down again from a larger disk: the disk is kept, and told
    const { runtime: rt2, calls: calls2 } = recording({ memoryMb: 1024, cpuShares: 2048 }, 4096);
    const r2 = new Resizer({ runtime: rt2, log, say: (_c, line) => said.push(line) });
    await r2.apply(assignment(eco), { ...container, running: false });
    expect(calls2).toEqual(['inspect', 'update 256 256', 'grow 1024']); // not running: shaped at its next start
    expect(said).toEqual([
      'Resized in place to eco (memory 256 MB, CPU shares 256); its disk stays 4096 MB until it is replaced',
    ]);
  });

  it('tries again at the next pass when Docker refuses', async () => {
    const { runtime, calls } = recording({ memoryMb: 256, cpuShares: 256 });
    let refuse = true;
    const update = runtime.update.bind(runtime);
    runtime.update = async (id, l) => {
      if (refuse) throw new Error('no');
      return update(id, l);
    };
    const r = new Resizer({ runtime, log });
    r.created('c1', assignment(eco));
    await r.apply(assignment(big), container);
    refuse = false;
    await r.apply(assignment(big), container);
    expect(calls).toEqual(['update 1024 2048', 'reshape 400/400', 'grow 4096']);
  });
});
