import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startImageServer, type RunningImageServer } from '../../../services/builder/imageserver.js';
import { routeUpstreams } from '../../../services/core/routes.js';
import { Store } from '../../../services/core/store.js';
import type { Assignment, Formation, Route } from '../../../services/core/types.js';
import { loadConfig } from '../../../services/scheduler/config.js';
import { startScheduler, type RunningScheduler } from '../../../services/scheduler/scheduler.js';
import { etcdEndpoints, uniquePrefix } from '../../support/env.js';
import { RUN_IMAGE, docker, httpBody, log, uniqueCluster, waitFor, webCommand } from '../agent/support.js';
import { get, startRouter, type RouterHarness } from '../router/helpers.js';

// Two real Docker hosts on this machine, made by scripts/hosts: each its own
// dockerd in a network namespace of its own with its own agent (supervised
// processes, as on a platform), host 1 pool=shared, host 2 pool=high. In this
// process: a scheduler, a builder's image server over the machine's engine (the
// "builder's engine": the hosts' engines start empty, so every image they run
// is fetched from it) and a router with its nginx, all over the real etcd
// under a prefix of this file's. Placement by pool and capacity, the router
// reaching each dyno at its host's address, ports published only there,
// isolation from a dyno of a host, its way out of the machine (masqueraded:
// to a network namespace of this file's standing for the outside), and a host
// lost abruptly (`scripts/hosts kill`) whose dynos the scheduler moves to the
// other.

const run = promisify(execFile);
const HOSTS = fileURLToPath(new URL('../../../scripts/hosts', import.meta.url));
const cluster = uniqueCluster();
const prefix = uniquePrefix('hosts');
const stateDir = `/var/lib/paas-hostsit-${cluster}`;
const token = randomBytes(16).toString('hex');
const spreadImage = `${cluster}/app-spread:t1`; // a release's image by tag, as the builder names them
let runImageId = ''; // the heavy app's release names its image by id
let store: Store;
let scheduler: RunningScheduler | undefined;
let images: RunningImageServer | undefined;
let router: RouterHarness | undefined;
const servers: Server[] = [];
let routerPort = 0;
let otherPort = 0;
/** Host K's agent id, address and engine. */
const hosts = new Map<number, { id: string; address: string; engine: Docker; dir: string }>();

/** "The outside": a namespace of this file's behind a veth, with no route back to the hosts' addresses. */
const ext = {
  netns: `paas-x${cluster.slice(1, 7)}`,
  out: `pxo-${cluster.slice(1, 9)}`,
  in: `pxi-${cluster.slice(1, 9)}`,
  net: `198.18.${parseInt(cluster.slice(1, 3), 16)}`, // 198.18.0.0/15: for benchmarks, never routed
  port: 8099,
};
let extListener: ReturnType<typeof spawn> | undefined;
/** What the outside listener saw: the source address of each connection. */
let extSeen = '';
const sh = (cmd: string, args: string[]) => run(cmd, args, { timeout: 30_000 });

const hostsCmd = (...args: string[]) =>
  run(HOSTS, args, { env: { ...process.env, PAAS_STATE_DIR: stateDir }, timeout: 120_000 });

/** A TCP listener on every address of this namespace answering "hi". */
async function listen(): Promise<number> {
  const s = createServer((c) => {
    c.on('error', () => undefined);
    c.end('hi\n');
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '0.0.0.0', r));
  return (s.address() as { port: number }).port;
}

async function createApp(name: string, image: string, formation: Formation, pool?: Record<string, string>) {
  await store.createApp(
    { name, id: name, owner: 'u1', createdAt: new Date().toISOString(), latestRelease: 0, ...(pool && { pool }) },
    formation,
  );
  await store.createRelease(name, () => ({
    image,
    config: {},
    processTypes: { web: webCommand(name), probe: PROBE },
    description: 'deploy',
    createdBy: 'test',
    createdAt: new Date().toISOString(),
  }));
}

/** A bash line that tries one connection to each NAME=host:port of $TARGETS and prints NAME open|closed. */
const PROBE = `for t in $TARGETS; do n=\${t%%=*}; a=\${t#*=}; if timeout 2 bash -c "exec 3<>/dev/tcp/\${a%:*}/\${a##*:}" 2>/dev/null; then echo "$n open"; else echo "$n closed"; fi; done; echo probe-done; sleep 3600`;

const assignmentsOf = async (app: string) =>
  (await store.list<Assignment>(store.keys.assignments())).filter((a) => a.app === app);

/** The app's route once it lists n upstreams that all answer, each on one of `addresses`. */
const served = (app: string, n: number, addresses: readonly string[]) =>
  waitFor(
    `${app} served by ${n} dynos on ${addresses.join(', ')}`,
    async () => {
      const r = await store.get<Route>(store.keys.route(app));
      const ups = r ? routeUpstreams(r) : [];
      if (ups.length !== n || !ups.every((u) => addresses.includes(u.split(':')[0] as string))) return undefined;
      const bodies = await Promise.all(ups.map(httpBody));
      return bodies.every((b) => b?.startsWith(app)) ? { ups, bodies: bodies as string[] } : undefined;
    },
    90_000,
  );

beforeAll(async () => {
  store = Store.connect(etcdEndpoints(), prefix);
  routerPort = await listen();
  otherPort = await listen();
  await mkdir(stateDir, { recursive: true });
  const env = {
    PAAS_STATE_DIR: stateDir,
    PAAS_CLUSTER: cluster,
    PAAS_ETCD_ENDPOINTS: etcdEndpoints().join(','),
    PAAS_ETCD_PREFIX: prefix,
    PAAS_INTERNAL_TOKEN: token,
    PAAS_API_URL: 'http://127.0.0.1:9', // no controller: the agents' log lines go nowhere
    PAAS_HTTP_PORT: String(routerPort), // the port a dyno may reach (the router's, on the main namespace's side)
    PAAS_HTTPS_PORT: 'off',
    PAAS_AGENT_METRICS_PORT: '0',
    PAAS_AGENT_LEASE_TTL: '4',
    PAAS_AGENT_RESYNC_MS: '1000',
    PAAS_AGENT_STOP_GRACE: '2',
    PAAS_AGENT_ORPHAN_GRACE_MS: '0',
    PAAS_AGENT_FROZEN_MB: '0',
    PAAS_LOG_LEVEL: 'info',
  };
  await writeFile(
    `${stateDir}/paas.env`,
    Object.entries(env)
      .map(([k, v]) => `${k}='${v}'\n`)
      .join(''),
    { mode: 0o600 },
  );
  const run = docker.getImage(RUN_IMAGE);
  runImageId = (await run.inspect()).Id;
  await run.tag({ repo: `${cluster}/app-spread`, tag: 't1' });
  images = await startImageServer({ docker, store, log, internalToken: token, listen: { host: '127.0.0.1', port: 0 } });
  scheduler = startScheduler({
    store,
    log,
    config: { ...loadConfig({}), name: 's1', electionTtlSeconds: 3, drainMs: 500, resyncMs: 1000 },
  });
  router = await startRouter('hosts', { prefix });
  await sh('ip', ['netns', 'add', ext.netns]);
  await sh('ip', ['link', 'add', ext.out, 'type', 'veth', 'peer', 'name', ext.in]);
  await sh('ip', ['link', 'set', ext.in, 'netns', ext.netns]);
  await sh('ip', ['addr', 'add', `${ext.net}.1/30`, 'dev', ext.out]);
  await sh('ip', ['link', 'set', ext.out, 'up']);
  await sh('ip', ['-n', ext.netns, 'addr', 'add', `${ext.net}.2/30`, 'dev', ext.in]);
  await sh('ip', ['-n', ext.netns, 'link', 'set', ext.in, 'up']);
  extListener = spawn(
    'ip',
    [
      'netns',
      'exec',
      ext.netns,
      process.execPath,
      '-e',
      `require('net').createServer((c) => { console.log(c.remoteAddress); c.end(c.remoteAddress + '\\n'); }).listen(${ext.port}, '${ext.net}.2', () => console.log('listening'))`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  extListener.stdout?.on('data', (d: Buffer) => (extSeen += d.toString()));
  await waitFor('the outside listener', async () => (extSeen.includes('listening') ? true : undefined), 10_000);
  await hostsCmd('up', '2', '--tags', 'pool=shared', '--tags', 'pool=high', '--memory', '1536');
  for (const k of [1, 2]) {
    const dir = `${stateDir}/hosts/${k}`;
    const envText = await readFile(`${dir}/agent.env`, 'utf8');
    const field = (n: string) => new RegExp(`^${n}='(.*)'$`, 'm').exec(envText)?.[1] ?? '';
    hosts.set(k, {
      id: field('PAAS_HOST_ID'),
      address: field('PAAS_HOST_ADDRESS'),
      engine: new Docker({ socketPath: field('PAAS_DOCKER_SOCKET') }),
      dir,
    });
  }
  // scripts/hosts returns once each agent has registered
  for (const h of hosts.values()) expect(await store.get(store.keys.host(h.id))).toMatchObject({ address: h.address });
}, 180_000);

afterAll(async () => {
  extListener?.kill();
  await sh('ip', ['netns', 'del', ext.netns]).catch(() => undefined);
  await sh('ip', ['link', 'del', ext.out]).catch(() => undefined);
  if (process.env.PAAS_TEST_KEEP_HOSTS === '1') return; // to look at them after a failure (then scripts/hosts down)
  await hostsCmd('down').catch((err: unknown) => console.error('scripts/hosts down failed', err));
  // every rule the hosts had (INPUT, FORWARD, nat POSTROUTING) went with them
  for (const [table, chain] of [
    ['filter', 'INPUT'],
    ['filter', 'FORWARD'],
    ['nat', 'POSTROUTING'],
  ] as const)
    expect((await sh('iptables', ['-w', '5', '-t', table, '-S', chain])).stdout).not.toContain(`paas:${cluster}:h`);
  await router?.stop();
  await scheduler?.stop();
  await images?.close();
  for (const s of servers) s.close();
  await docker
    .getImage(spreadImage)
    .remove()
    .catch(() => undefined);
  await store.deletePrefix(`${prefix}/`);
  store.close();
  await rm(stateDir, { recursive: true, force: true });
}, 120_000);

const host = (k: number) => hosts.get(k) as { id: string; address: string; engine: Docker; dir: string };

describe('several Docker hosts on one machine (scripts/hosts)', () => {
  it('places by pool and capacity, fetches images into empty engines, routes to each host at its address', async () => {
    const [h1, h2] = [host(1), host(2)];
    expect(h1.address).not.toBe(h2.address);
    // the hosts' engines start without the apps' images
    for (const h of [h1, h2])
      await expect(h.engine.getImage(RUN_IMAGE).inspect()).rejects.toMatchObject({ statusCode: 404 });
    // heavy first (its release names the image by id): both on host 2, the only pool=high one
    await createApp('heavy', runImageId, { web: { quantity: 2, size: 'eco' } }, { pool: 'high' });
    await served('heavy', 2, [h2.address]);
    expect((await assignmentsOf('heavy')).map((a) => a.host)).toEqual([h2.id, h2.id]);
    // an app of no pool: one dyno on each host (the balanced policy spreads an app's dynos first)
    await createApp('spread', spreadImage, { web: { quantity: 2, size: 'eco' } });
    const spread = await served('spread', 2, [h1.address, h2.address]);
    expect(new Set(spread.ups.map((u) => u.split(':')[0]))).toEqual(new Set([h1.address, h2.address]));
    // larger than any pool=high host: never placed
    await createApp('big', runImageId, { web: { quantity: 1, size: 'performance-m' } }, { pool: 'high' });

    expect(await assignmentsOf('big')).toEqual([]);

    // the router (nginx, in this namespace) reaches both hosts' dynos
    const bodies = new Set<string>();
    for (let i = 0; i < 12 && bodies.size < 2; i++) {
      const a = await get(router!.httpPort, `spread.${router!.domain}`);
      if (a.status === 200) bodies.add(a.text);
    }
    expect([...bodies].sort()).toEqual(['spread web.1', 'spread web.2']);
    expect((await get(router!.httpPort, `heavy.${router!.domain}`)).text).toMatch(/^heavy web\.[12]$/);

    // a container's port is published on its host's address only
    for (const h of [h1, h2]) {
      const cs = await h.engine.listContainers({ filters: { label: [`paas.cluster=${cluster}`] } });
      expect(cs.length).toBeGreaterThan(0);
      for (const c of cs) {
        const bindings = Object.values((await h.engine.getContainer(c.Id).inspect()).NetworkSettings.Ports ?? {})
          .flat()
          .filter((b) => b);
        expect(bindings.map((b) => b?.HostIp)).toEqual([h.address]);
      }
    }

    // each engine got its images from the builder, once each: host 1 the tag (the whole image), host 2 the id
    // (the whole image), then the tag of the image it had already (only tagged: no bytes moved)
    for (const h of [h1, h2]) expect((await h.engine.getImage(spreadImage).inspect()).Id).toBe(runImageId);
    const fetched = async (h: { dir: string }) =>
      (await readFile(`${h.dir}/logs/agent.log`, 'utf8'))
        .split('\n')
        .filter((l) => l.includes('"msg":"image fetched"'))
        .map((l) => JSON.parse(l) as { image: string; bytes: number });
    expect((await fetched(h1)).map((f) => [f.image, f.bytes > 100e6])).toEqual([[spreadImage, true]]);
    expect((await fetched(h2)).map((f) => [f.image, f.bytes > 100e6])).toEqual([
      [runImageId, true],
      [spreadImage, false],
    ]);
  });

  it("keeps the machine's own containers away from a host's dynos", async () => {
    const h1 = host(1);
    const route = await store.get<Route>(store.keys.route('spread'));
    const up = (route ? routeUpstreams(route) : []).find((u) => u.startsWith(`${h1.address}:`));
    expect(up).toBeDefined();
    // from a container of the machine's engine (Docker's default bridge, as a build runs): the router's port on the
    // bridge's gateway answers (the probe can reach something), the host's dyno at its published port does not
    const gateway = (
      await sh('docker', ['network', 'inspect', 'bridge', '-f', '{{(index .IPAM.Config 0).Gateway}}'])
    ).stdout.trim();
    const probe = PROBE.replace('; sleep 3600', '');
    const out = (
      await sh('docker', [
        'run',
        '--rm',
        '--network',
        'bridge',
        '--entrypoint',
        'bash',
        '-e',
        `TARGETS=router=${gateway}:${routerPort} dyno=${up}`,
        spreadImage,
        '-c',
        probe,
      ])
    ).stdout;
    expect(Object.fromEntries([...out.matchAll(/(\w+) (open|closed)/g)].map((m) => [m[1], m[2]]))).toEqual({
      router: 'open',
      dyno: 'closed',
    });
  });

  it('lets a dyno of a host reach the router port and nothing else of the machine', async () => {
    const h1 = host(1);
    const gw = h1.address.replace(/\.2$/, '.1'); // the machine's end of the host's veth
    const targets = [
      `router=${gw}:${routerPort}`,
      `hostport=${gw}:${otherPort}`,
      `etcd=${gw}:${new URL(etcdEndpoints()[0] as string).port || '2379'}`,
    ];
    await createApp('probe', spreadImage, { probe: { quantity: 1, size: 'eco' } }, { pool: 'shared' });
    // its command reads $TARGETS: a config var of a second release
    await store.createRelease('probe', (_v, prev) => ({
      ...(prev as NonNullable<typeof prev>),
      config: { TARGETS: targets.join(' ') },
      description: 'targets',
      createdAt: new Date().toISOString(),
    }));
    const out = await waitFor(
      'the probe output',
      async () => {
        const cs = await h1.engine.listContainers({
          filters: { label: ['paas.app=probe', 'paas.type=probe', 'paas.release=2'] },
        });
        if (!cs[0]) return undefined;
        const text = (await h1.engine.getContainer(cs[0].Id).logs({ stdout: true, stderr: true })).toString('utf8');
        return text.includes('probe-done') ? text : undefined;
      },
      60_000,
    );
    expect(Object.fromEntries([...out.matchAll(/(\w+) (open|closed)/g)].map((m) => [m[1], m[2]]))).toEqual({
      router: 'open',
      hostport: 'closed',
      etcd: 'closed',
    });
    await store.put(store.keys.formation('probe'), { probe: { quantity: 0, size: 'eco' } });
  });

  it('lets a dyno of a host reach beyond the machine, masqueraded behind its address', async () => {
    const h1 = host(1);
    // the masquerade and forward rules carry the host's comment (scripts/hosts down removes them)
    const slot = (await readFile(`${h1.dir}/slot`, 'utf8')).trim();
    const nat = (await sh('iptables', ['-w', '5', '-t', 'nat', '-S', 'POSTROUTING'])).stdout;
    expect(nat).toMatch(new RegExp(`-s 10\\.214\\.${slot}\\.0/24 .*paas:${cluster}:h${slot}.* -j MASQUERADE`));
    const cmd = `out=$(timeout 3 bash -c "exec 3<>/dev/tcp/${ext.net}.2/${ext.port}; cat <&3" 2>&1); echo "egress seen-as=$out"; sleep 3600`;
    await store.createApp(
      {
        name: 'egress',
        id: 'egress',
        owner: 'u1',
        createdAt: new Date().toISOString(),
        latestRelease: 0,
        pool: { pool: 'shared' },
      },
      { egress: { quantity: 1, size: 'eco' } },
    );
    await store.createRelease('egress', () => ({
      image: spreadImage,
      config: {},
      processTypes: { egress: cmd },
      description: 'deploy',
      createdBy: 'test',
      createdAt: new Date().toISOString(),
    }));
    const out = await waitFor(
      'the egress output',
      async () => {
        const cs = await h1.engine.listContainers({ filters: { label: ['paas.app=egress', 'paas.type=egress'] } });
        if (!cs[0]) return undefined;
        const text = (await h1.engine.getContainer(cs[0].Id).logs({ stdout: true, stderr: true })).toString('utf8');
        return text.includes('egress seen-as=') ? text : undefined;
      },
      60_000,
    );
    // the outside has no route to 10.213/10.214: an answer at all means the connection was masqueraded
    expect(out).toContain(`egress seen-as=${ext.net}.1`);
    expect(extSeen).toContain(`${ext.net}.1`);
    await store.put(store.keys.formation('egress'), { egress: { quantity: 0, size: 'eco' } });
  });

  it('moves the dynos of a host killed abruptly to the surviving host', async () => {
    const [h1, h2] = [host(1), host(2)];
    const before = await served('spread', 2, [h1.address, h2.address]);
    const started = Date.now();
    await hostsCmd('kill', '1');
    const after = await served('spread', 2, [h2.address]);
    log.info({ ms: Date.now() - started }, 'dynos moved');
    expect(after.ups.every((u) => u.startsWith(`${h2.address}:`))).toBe(true);
    expect(after.ups).not.toEqual(before.ups);
    expect((await assignmentsOf('spread')).map((a) => a.host)).toEqual([h2.id, h2.id]);
    // the killed host's engine is gone with its agent
    await expect(h1.engine.ping()).rejects.toThrow();
  });
});
