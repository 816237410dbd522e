import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Docker from 'dockerode';
import { startAgent, type RunningAgent } from '../../../services/agent/agent.js';
import { DockerRuntime } from '../../../services/agent/docker.js';
import {
  appsBridgeName,
  appsNetworkName,
  iptables,
  ourLines,
  removeRules,
  startIsolation,
} from '../../../services/agent/isolation/network.js';
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

// Network isolation (services/agent/isolation/network.ts), tried from inside a real dyno
// as a hostile tenant would: one connection attempt to each target.
// The link-local "metadata" address is one this test gives a network
// namespace of its own (169.254.77.77 behind a veth pair), so nothing leaves
// the machine.

const run = promisify(execFile);
const cluster = uniqueCluster();
const other = uniqueCluster();
const hostId = `host-${cluster}`;
const NS = `pm-${cluster}`;
const VETH = `vm${cluster.slice(1, 8)}`;
const META = '169.254.77.77';
let store: Store;
let agent: RunningAgent | undefined;
const stops: Array<() => void> = [];
const servers: Server[] = [];
let metaServer: ChildProcess | undefined;
let gateway = '';
let routerPort = 0;
let otherPort = 0;

const assignment = (app: string, type: string, command: string, env: Record<string, string> = {}): Assignment => ({
  id: `${app}.${type}.1.v1`,
  host: hostId,
  app,
  release: 1,
  type,
  index: 1,
  image: RUN_IMAGE,
  command,
  env,
  port: 5000,
  memoryMb: 256,
  cpuShares: 256,
  createdAt: new Date().toISOString(),
});

const up = (app: string, type: string) =>
  waitFor(`${app} ${type} up`, async () => {
    const i = await store.get<Instance>(store.keys.instance(app, `${app}.${type}.1.v1`));
    return i?.state === 'up' ? i : undefined;
  });

/** A TCP listener on the host's every address that answers "hi". */
async function listen(): Promise<number> {
  const s = createServer((c) => {
    c.on('error', () => undefined); // a probe that connects and goes
    c.end('hi\n');
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '0.0.0.0', r));
  return (s.address() as { port: number }).port;
}

/** A bash line that tries one connection to each NAME=host:port and prints NAME open|closed. */
const PROBE = `for t in $TARGETS; do n=\${t%%=*}; a=\${t#*=}; if timeout 2 bash -c "exec 3<>/dev/tcp/\${a%:*}/\${a##*:}" 2>/dev/null; then echo "$n open"; else echo "$n closed"; fi; done; echo probe-done; sleep 3600`;

async function probeOutput(containerId: string): Promise<Record<string, string>> {
  const text = await waitFor('probe output', async () => {
    const out = (await docker.getContainer(containerId).logs({ stdout: true, stderr: true })).toString('utf8');
    return out.includes('probe-done') ? out : undefined;
  });
  return Object.fromEntries([...text.matchAll(/(\w+) (open|closed)/g)].map((m) => [m[1] as string, m[2] as string]));
}

beforeAll(async () => {
  store = Store.connect(etcdEndpoints(), uniquePrefix('isolation'));
  routerPort = await listen();
  otherPort = await listen();
  // The "metadata service": 169.254.77.77:80 in a namespace of ours, routed from the host.
  await run('ip', ['netns', 'add', NS]);
  await run('ip', ['link', 'add', VETH, 'type', 'veth', 'peer', 'name', `${VETH}p`]);
  await run('ip', ['link', 'set', `${VETH}p`, 'netns', NS]);
  await run('ip', ['addr', 'add', '10.213.77.1/30', 'dev', VETH]);
  await run('ip', ['link', 'set', VETH, 'up']);
  for (const args of [
    ['addr', 'add', '10.213.77.2/30', 'dev', `${VETH}p`],
    ['addr', 'add', `${META}/32`, 'dev', 'lo'],
    ['link', 'set', 'lo', 'up'],
    ['link', 'set', `${VETH}p`, 'up'],
    ['route', 'add', 'default', 'via', '10.213.77.1'],
  ])
    await run('ip', ['netns', 'exec', NS, 'ip', ...args]);
  await run('ip', ['route', 'add', `${META}/32`, 'via', '10.213.77.2']);
  metaServer = spawn(
    'ip',
    [
      'netns',
      'exec',
      NS,
      process.execPath,
      '-e',
      `require('net').createServer((c) => c.end('meta\\n')).listen(80, '${META}')`,
    ],
    { stdio: 'ignore' },
  );
  await waitFor('the metadata stand-in', async () => {
    try {
      await run('ip', ['netns', 'exec', NS, 'bash', '-c', `exec 3<>/dev/tcp/${META}/80`]);
      return true;
    } catch {
      return undefined;
    }
  });

  const iso = await startIsolation({ docker, cluster, routerPorts: [routerPort], log });
  stops.push(iso.stop);
  const net = await docker.getNetwork(iso.network).inspect();
  gateway = (net.IPAM?.Config?.[0] as { Gateway?: string } | undefined)?.Gateway ?? '';
  agent = startAgent({
    store,
    runtime: new DockerRuntime(new Docker()),
    log,
    config: agentSettings(cluster, hostId),
    network: iso.network,
  });
});

afterAll(async () => {
  await agent?.stop();
  for (const s of stops) s();
  await forgetCluster(cluster);
  await store.etcd.delete().prefix(`${store.keys.prefix}/`);
  store.close();
  for (const c of [cluster, other]) {
    await removeRules(iptables, c).catch(() => undefined);
    await docker
      .getNetwork(appsNetworkName(c))
      .remove()
      .catch(() => undefined);
  }
  metaServer?.kill();
  await run('ip', ['route', 'del', `${META}/32`]).catch(() => undefined);
  await run('ip', ['link', 'del', VETH]).catch(() => undefined);
  await run('ip', ['netns', 'del', NS]).catch(() => undefined);
  for (const s of servers) s.close();
});

describe('network isolation between apps', () => {
  it('lets a dyno reach the router, and refuses other apps, its own app, the host and link-local addresses', async () => {
    await store.put(store.keys.assignment(hostId, 'bob.web.1.v1'), assignment('bob', 'web', webCommand('bob')));
    await store.put(store.keys.assignment(hostId, 'alice.web.1.v1'), assignment('alice', 'web', webCommand('alice')));
    const bob = await up('bob', 'web');
    const alice = await up('alice', 'web');
    expect(bob.bridge).toBeDefined();
    const info = await docker.getContainer(bob.containerId).inspect();
    expect(Object.keys(info.NetworkSettings.Networks)).toEqual([appsNetworkName(cluster)]);
    // The host (the router's side) still reaches every dyno at its bridge address.
    expect(await httpBody(bob.bridge as string)).toBe('bob web.1');
    expect(await httpBody(alice.bridge as string)).toBe('alice web.1');

    const targets = [
      `otherapp=${bob.bridge}`,
      `ownapp=${alice.bridge}`,
      `router=${gateway}:${routerPort}`,
      `hostport=${gateway}:${otherPort}`,
      `metadata=${META}:80`,
    ].join(' ');
    await store.put(
      store.keys.assignment(hostId, 'alice.worker.1.v1'),
      assignment('alice', 'worker', PROBE, { TARGETS: targets }),
    );
    const prober = await up('alice', 'worker');
    expect(await probeOutput(prober.containerId)).toEqual({
      otherapp: 'closed',
      ownapp: 'closed',
      router: 'open',
      hostport: 'closed',
      metadata: 'closed',
    });
  });

  it('refuses link-local addresses to builds on the default bridge too', async () => {
    const c = await docker.createContainer({
      Image: RUN_IMAGE,
      Cmd: [
        'bash',
        '-c',
        `timeout 2 bash -c "exec 3<>/dev/tcp/${META}/80" 2>/dev/null && echo metadata open || echo metadata closed`,
      ],
      Labels: { 'paas.cluster': cluster },
    });
    await c.start();
    await c.wait();
    expect((await c.logs({ stdout: true })).toString('utf8')).toContain('metadata closed');
  });

  it('puts back a rule removed by hand, and keeps two clusters apart', async () => {
    const bridge = appsBridgeName(cluster);
    const before = ourLines(await iptables(['-S', 'INPUT']), cluster);
    expect(before).toHaveLength(3);
    // Someone deletes the DROP rule: a new agent (or the next pass) puts it back in order.
    await iptables(['-D', 'INPUT', '-i', bridge, '-j', 'DROP', '-m', 'comment', '--comment', `paas:${cluster}`]);
    expect(ourLines(await iptables(['-S', 'INPUT']), cluster)).toHaveLength(2);
    const again = await startIsolation({ docker, cluster, routerPorts: [routerPort], log });
    stops.push(again.stop);
    expect(ourLines(await iptables(['-S', 'INPUT']), cluster)).toEqual(before);

    const second = await startIsolation({ docker, cluster: other, routerPorts: [routerPort], log });
    stops.push(second.stop);
    expect(ourLines(await iptables(['-S', 'INPUT']), other)).toHaveLength(3);
    expect(ourLines(await iptables(['-S', 'INPUT']), cluster)).toEqual(before);
    expect(ourLines(await iptables(['-S', 'DOCKER-USER']), cluster)).toHaveLength(2);
    expect(ourLines(await iptables(['-S', 'DOCKER-USER']), other)).toHaveLength(2);
  });
});
