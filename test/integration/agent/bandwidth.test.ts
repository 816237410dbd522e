import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bandwidth } from '../../../services/agent/isolation/bandwidth.js';
import { DockerRuntime } from '../../../services/agent/docker.js';
import { LABEL } from '../../../services/agent/spec.js';
import { sizeByName } from '../../../services/core/sizes.js';
import { startProbe, type Probe } from '../../../bench/bandwidthprobe.js';
import { RUN_IMAGE, docker, log } from './support.js';

// Bandwidth per dyno (agent/isolation/bandwidth.ts) on the real engine, through the
// agent's DockerRuntime: a container of the smallest size pushes data out and
// pulls data in for 2 s each and achieves about its size's rates, not more;
// shaped again after a restart (a new veth); an unlabelled container is not
// shaped (the measure is not the machine's ceiling).

const eco = sizeByName('eco');
const labels = { [LABEL.egress]: String(eco.egressMbit), [LABEL.ingress]: String(eco.ingressMbit) };
const rt = new DockerRuntime(docker, undefined, new Bandwidth(docker, log));
let probe: Probe;
const made: string[] = [];

beforeAll(async () => {
  probe = await startProbe(docker, rt, RUN_IMAGE, 2);
});

afterAll(async () => {
  await probe?.close();
  for (const id of made) await rt.remove(id).catch(() => undefined);
});

const qdiscs = (args: string[]) => execFileSync(args[0] as string, args.slice(1), { encoding: 'utf8' });

describe('bandwidth per dyno', () => {
  it(`holds an ${eco.name} dyno to ${eco.egressMbit} Mbit/s out and ${eco.ingressMbit} in; an unshaped one goes far past`, async () => {
    const shaped = await probe.measure(labels);
    expect(shaped.egress).toBeLessThanOrEqual(eco.egressMbit * 1.1);
    expect(shaped.egress).toBeGreaterThan(eco.egressMbit * 0.5);
    expect(shaped.ingress).toBeLessThanOrEqual(eco.ingressMbit * 1.1);
    expect(shaped.ingress).toBeGreaterThan(eco.ingressMbit * 0.5);
    const free = await probe.measure({});
    expect(free.egress).toBeGreaterThan(eco.egressMbit * 3);
    expect(free.ingress).toBeGreaterThan(eco.ingressMbit * 3);
  });

  it('shapes both ends again after a restart (a new veth each start)', async () => {
    const id = await rt.create({
      Image: RUN_IMAGE,
      User: '1000:1000',
      Cmd: ['sleep', '300'],
      Labels: { 'paas.bench': 'bandwidth', ...labels },
      HostConfig: { NetworkMode: 'bridge' },
    });
    made.push(id);
    const check = async () => {
      const info = await docker.getContainer(id).inspect();
      const pid = String(info.State.Pid);
      const eth0 = qdiscs(['nsenter', '-t', pid, '-n', 'tc', 'qdisc', 'show', 'dev', 'eth0']);
      expect(eth0).toMatch(new RegExp(`qdisc tbf .* rate ${eco.egressMbit}Mbit`));
      const peer = /@if(\d+):/.exec(
        qdiscs(['nsenter', '-t', pid, '-n', 'ip', '-o', 'link', 'show', 'dev', 'eth0']),
      )?.[1];
      const host = qdiscs(['ip', '-o', 'link'])
        .split('\n')
        .find((l) => l.startsWith(`${peer}: `));
      const dev = /^\d+: ([^@:]+)/.exec(host ?? '')?.[1] as string;
      expect(qdiscs(['tc', 'qdisc', 'show', 'dev', dev])).toMatch(
        new RegExp(`qdisc tbf .* rate ${eco.ingressMbit}Mbit`),
      );
      return dev;
    };
    await rt.start(id);
    const first = await check();
    await rt.stop(id, 0);
    await rt.start(id);
    const second = await check();
    expect(second).not.toBe(first);
  });

  it("starts a command that ends at once (a release phase's echo) without calling it a failure", async () => {
    // 30 times: whether the container has ended when its shaping fails is a matter of milliseconds
    for (let i = 0; i < 30; i++) {
      const id = await rt.create({
        Image: RUN_IMAGE,
        User: '1000:1000',
        Cmd: ['true'],
        Labels: { 'paas.bench': 'bandwidth', ...labels },
        HostConfig: { NetworkMode: 'bridge' },
      });
      made.push(id);
      await rt.start(id);
      expect((await docker.getContainer(id).wait()).StatusCode).toBe(0);
    }
  });
});
