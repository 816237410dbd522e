import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type RunningAgent } from '../../../services/agent/agent.js';
import { DockerRuntime } from '../../../services/agent/docker.js';
import { Bandwidth } from '../../../services/agent/isolation/bandwidth.js';
import { LayerDisks } from '../../../services/core/layerdisk.js';
import { limitsOf, sizeByName } from '../../../services/core/sizes.js';
import { Store } from '../../../services/core/store.js';
import type { Assignment, Instance } from '../../../services/core/types.js';
import { etcdEndpoints, uniquePrefix } from '../../support/env.js';
import {
  RUN_IMAGE,
  agentSettings,
  docker,
  httpBody,
  log,
  forgetCluster,
  uniqueCluster,
  waitFor,
  webCommand,
} from './support.js';

// A resize in place as the agent applies it, on the real engine with disk
// and bandwidth limits: the assignment is written again with another size's
// limits and the running container gets them (Docker's memory and CPU
// shares, its veth's buckets, its disk grown where the kernel allows it) as
// it serves: the same container, never reported other than up, its dyno's
// log telling it. A restart after it shapes the new veth to the new rates.

const cluster = uniqueCluster();
const hostId = `host-${cluster}`;
const MB = 1024 * 1024;
let store: Store;
let agent: RunningAgent | undefined;
let diskDir: string;
const said: string[] = [];

const assignment = (size: string): Assignment => ({
  id: 'wide.web.1.v1',
  host: hostId,
  app: 'wide',
  release: 1,
  type: 'web',
  index: 1,
  image: RUN_IMAGE,
  command: webCommand('v1'),
  env: {},
  port: 5000,
  ...limitsOf(sizeByName(size)),
  createdAt: new Date().toISOString(),
});
const key = () => store.keys.assignment(hostId, 'wide.web.1.v1');
const instance = () => store.get<Instance>(store.keys.instance('wide', 'wide.web.1.v1'));

/** Whether this process may grow a mounted ext4 (CAP_SYS_RESOURCE, bit 24): the agent here runs as the test does. */
async function canGrowOnline(): Promise<boolean> {
  const eff = /^CapEff:\s+([0-9a-f]+)/m.exec(await readFile('/proc/self/status', 'utf8'))?.[1] ?? '0';
  return (BigInt(`0x${eff}`) & (1n << 24n)) !== 0n;
}

const sh = (args: string[]) => execFileSync(args[0] as string, args.slice(1), { encoding: 'utf8' });

/** What the container is held to now: Docker's limits, the rates on both ends of its veth, its disk as df sees it. */
async function held(id: string) {
  const info = await docker.getContainer(id).inspect();
  const pid = String(info.State.Pid);
  const rate = (text: string) => Number(/qdisc tbf .* rate (\d+)Mbit/.exec(text)?.[1]);
  const peer = /@if(\d+):/.exec(sh(['nsenter', '-t', pid, '-n', 'ip', '-o', 'link', 'show', 'dev', 'eth0']))?.[1];
  const hostDev = /^\d+: ([^@:]+)/.exec(
    sh(['ip', '-o', 'link'])
      .split('\n')
      .find((l) => l.startsWith(`${peer}: `)) ?? '',
  )?.[1] as string;
  const df = sh(['docker', 'exec', id, 'df', '-m', '/']).trim().split('\n').at(-1) ?? '';
  return {
    memoryMb: (info.HostConfig.Memory ?? 0) / MB,
    swapMb: (info.HostConfig.MemorySwap ?? 0) / MB,
    cpuShares: info.HostConfig.CpuShares,
    egress: rate(sh(['nsenter', '-t', pid, '-n', 'tc', 'qdisc', 'show', 'dev', 'eth0'])),
    ingress: rate(sh(['tc', 'qdisc', 'show', 'dev', hostDev])),
    diskMb: Number(df.split(/\s+/)[1]),
  };
}

/** Polls the instance and the dyno's answer until stopped: every state seen, every answer that was not v1 web.1. */
function watchServing(upstream: string) {
  const states = new Set<string>();
  const failures: string[] = [];
  let on = true;
  const loop = (async () => {
    while (on) {
      const [i, body] = await Promise.all([instance(), httpBody(upstream)]);
      states.add(`${i?.state}:${i?.containerId.slice(0, 12)}`);
      if (body !== 'v1 web.1') failures.push(String(body));
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    stop: async () => {
      on = false;
      await loop;
      return { states: [...states], failures };
    },
  };
}

beforeAll(async () => {
  store = Store.connect(etcdEndpoints(), uniquePrefix('agent-resize'));
  diskDir = await mkdtemp(join(tmpdir(), 'paas-resize-disks-'));
  agent = startAgent({
    store,
    runtime: new DockerRuntime(docker, { disks: new LayerDisks(diskDir), log }, new Bandwidth(docker, log)),
    log,
    config: agentSettings(cluster, hostId),
    say: (c, line) => said.push(`${c.labels['paas.assignment']}: ${line}`),
  });
});

afterAll(async () => {
  await store?.etcd.delete().key(key());
  await waitFor('container removed', async () =>
    (await docker.listContainers({ all: true, filters: { label: [`paas.cluster=${cluster}`] } })).length === 0
      ? true
      : undefined,
  ).catch(() => undefined);
  await agent?.stop();
  await forgetCluster(cluster);
  await store.deletePrefix(`${store.keys.prefix}/`);
  store.close();
  await rm(diskDir, { recursive: true, force: true });
});

describe('agent: resize in place', () => {
  let containerId = '';

  it('gives the running container the new limits as it serves, and tells it in the dyno log', async () => {
    await store.put(key(), assignment('eco'));
    const up = await waitFor('eco dyno up', async () => {
      const i = await instance();
      return i?.state === 'up' ? i : undefined;
    });
    containerId = up.containerId;
    const before = await held(containerId);
    expect(before).toMatchObject({ memoryMb: 256, swapMb: 256, cpuShares: 256, egress: 50, ingress: 50 });
    expect(before.diskMb).toBeGreaterThan(900);
    expect(before.diskMb).toBeLessThanOrEqual(1024);

    const watch = watchServing(`${up.address}:${up.port}`);
    await new Promise((r) => setTimeout(r, 200));
    await store.put(key(), assignment('standard-2x'));
    await waitFor('resized', async () => ((await held(containerId)).memoryMb === 1024 ? true : undefined));
    await waitFor('told', async () => (said.some((l) => l.includes('Resized in place')) ? true : undefined));
    await new Promise((r) => setTimeout(r, 300));
    const seen = await watch.stop();
    expect(seen.failures).toEqual([]);
    expect(seen.states).toEqual([`up:${containerId.slice(0, 12)}`]);

    const after = await held(containerId);
    expect(after).toMatchObject({ memoryMb: 1024, swapMb: 1024, cpuShares: 2048, egress: 400, ingress: 400 });
    if (await canGrowOnline()) {
      expect(after.diskMb).toBeGreaterThan(3900);
      expect(said).toContain(
        'wide.web.1.v1: Resized in place to standard-2x (memory 1024 MB, CPU shares 2048, disk 4096 MB)',
      );
    } else {
      expect(after.diskMb).toBe(before.diskMb); // the kernel refuses an online grow here: the disk stays, told
      expect(said).toContain(
        'wide.web.1.v1: Resized in place to standard-2x (memory 1024 MB, CPU shares 2048); its disk stays 1024 MB until it is replaced',
      );
    }
    expect((await instance())?.restarts ?? 0).toBe(0);
  });

  it("shapes a restart's new veth to the new rates (the assignment's, not the labels' it was created with)", async () => {
    await docker.getContainer(containerId).kill();
    const back = await waitFor('restarted and up', async () => {
      const i = await instance();
      return i?.state === 'up' && (i.restarts ?? 0) >= 1 ? i : undefined;
    });
    expect(back.containerId).toBe(containerId);
    expect(await held(containerId)).toMatchObject({ memoryMb: 1024, cpuShares: 2048, egress: 400, ingress: 400 });
  });

  it('takes the limits back down in place; a larger disk stays', async () => {
    const grown = (await held(containerId)).diskMb;
    await store.put(key(), assignment('eco'));
    await waitFor('resized down', async () => ((await held(containerId)).memoryMb === 256 ? true : undefined));
    const after = await held(containerId);
    expect(after).toMatchObject({ memoryMb: 256, cpuShares: 256, egress: 50, ingress: 50, diskMb: grown });
    const i = await instance();
    expect(i).toMatchObject({ state: 'up', containerId });
    expect(await httpBody(`${i?.address}:${i?.port}`)).toBe('v1 web.1');
    await waitFor('told', async () =>
      said.some((l) => l.startsWith('wide.web.1.v1: Resized in place to eco (memory 256 MB, CPU shares 256)'))
        ? true
        : undefined,
    );
  });
});
