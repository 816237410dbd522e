import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeUpstreams } from '../../../services/core/routes.js';
import { rm } from 'node:fs/promises';
import Docker from 'dockerode';
import { appsNetworkName, iptables, removeRules } from '../../../services/agent/isolation/network.js';
import { startAgent, type RunningAgent } from '../../../services/agent/agent.js';
import { DockerRuntime } from '../../../services/agent/docker.js';
import { Store } from '../../../services/core/store.js';
import type { Assignment, Host, Instance, Route } from '../../../services/core/types.js';
import { loadConfig as schedulerConfig } from '../../../services/scheduler/config.js';
import { startScheduler, type RunningScheduler } from '../../../services/scheduler/scheduler.js';
import { etcdEndpoints, uniquePrefix } from '../../support/env.js';
import {
  RUN_IMAGE,
  agentSettings,
  containersOf,
  httpBody,
  log,
  removeContainersOf,
  uniqueCluster,
  waitFor,
  webCommand,
} from '../agent/support.js';
import { startService, type ServiceProcess } from './process.js';

// Host loss with the real engine: two agents (two host ids on one Docker
// engine, each with a cluster label of its own, as container names are
// <cluster>-<assignment> and must not clash), one in this process and one a
// real process that is SIGKILLed as a dead machine; its host lease expires,
// the scheduler re-places its containers on the survivor and the route lists
// only live upstreams. The dead host's container keeps running (same engine)
// but counts nowhere; when the host comes back it removes that container and
// leaves the moved one be.

const TTL = 3;
const prefix = uniquePrefix('hostloss');
const clusterA = uniqueCluster();
const clusterB = uniqueCluster();
const hostA = `a-${clusterA}`;
const hostB = `b-${clusterB}`;
let store: Store;
let agentA: RunningAgent;
let agentB: ServiceProcess | undefined;
let scheduler: RunningScheduler;
const routeHistory: { at: number; upstreams: string[] }[] = [];
let stopWatch: (() => Promise<void>) | undefined;

const route = () => store.get<Route>(store.keys.route('lost'));
const assignments = () => store.list<Assignment>(store.keys.assignments());
const runningOn = async (host: string) =>
  (await containersOf(host === hostA ? clusterA : clusterB)).filter(
    (c) => c.State === 'running' && c.Labels['paas.host'] === host,
  );
const startB = () =>
  startService('agent', {
    PAAS_ETCD_ENDPOINTS: etcdEndpoints().join(','),
    PAAS_ETCD_PREFIX: prefix,
    PAAS_STATE_DIR: '/tmp',
    PAAS_CLUSTER: clusterB,
    PAAS_HOST_ID: hostB,
    PAAS_HOST_ADDRESS: '127.0.0.1',
    PAAS_HOST_TAGS: 'pool=shared',
    PAAS_HOST_MEMORY_MB: '4096',
    PAAS_HOST_CPUS: '2',
    PAAS_AGENT_LEASE_TTL: String(TTL),
    PAAS_AGENT_RESYNC_MS: '1000',
    PAAS_AGENT_STOP_GRACE: '2',
    PAAS_AGENT_ORPHAN_GRACE_MS: '0',
    PAAS_AGENT_PIDS_LIMIT: '128',
  });

/**
 * The route once it lists `n` upstreams that answer "v1 web.1".."v1 web.n",
 * none of them `not` (the dead host's container, which on this shared engine
 * still answers).
 */
const served = (n: number, not = '') =>
  waitFor(`route to ${n} answering containers`, async () => {
    const r = await route();
    if (!r || routeUpstreams(r).length !== n || routeUpstreams(r).includes(not)) return undefined;
    const bodies = await Promise.all(routeUpstreams(r).map(httpBody));
    const want = Array.from({ length: n }, (_, i) => `v1 web.${i + 1}`);
    return [...bodies].sort().join() === want.join() ? r : undefined;
  });

beforeAll(async () => {
  store = Store.connect(etcdEndpoints(), prefix);
  stopWatch = await store.watchRecords<Route>(store.keys.route('lost'), {
    put: (_key, r) => routeHistory.push({ at: Date.now(), upstreams: routeUpstreams(r) }),
  });
  agentA = startAgent({
    store,
    runtime: new DockerRuntime(new Docker()),
    log,
    config: agentSettings(clusterA, hostA, { leaseTtlSeconds: TTL }),
  });
  agentB = startB();
  const b = agentB;
  await waitFor(
    'both hosts registered',
    async () => ((await store.list<Host>(store.keys.hosts())).length === 2 ? true : undefined),
    30_000,
  ).catch((err: unknown) => {
    throw new Error(`${String(err)}\n${b.output()}`);
  });
  scheduler = startScheduler({
    store,
    log,
    config: { ...schedulerConfig({}), name: 's', electionTtlSeconds: TTL, drainMs: 500, resyncMs: 1000 },
  });
});

afterAll(async () => {
  await agentB?.kill();
  await scheduler?.stop();
  await agentA?.stop();
  await stopWatch?.();
  await removeContainersOf(clusterA);
  await removeContainersOf(clusterB);
  // What agent B (a real process, killed) made as any agent does: its isolation rules, apps network and disks folder.
  await removeRules(iptables, clusterB).catch(() => undefined);
  await new Docker()
    .getNetwork(appsNetworkName(clusterB))
    .remove()
    .catch(() => undefined);
  await rm(`/tmp/agent/${hostB}-disks`, { recursive: true, force: true });
  await store.deletePrefix(`${prefix}/`);
  store.close();
});

describe('host loss', () => {
  let lostUpstream = '';

  it('spreads web=2 over both hosts', async () => {
    await store.createApp(
      { name: 'lost', id: 'lost', owner: 'u', createdAt: new Date().toISOString(), latestRelease: 0 },
      { web: { quantity: 2, size: 'eco' } },
    );
    await store.createRelease('lost', () => ({
      image: RUN_IMAGE,
      config: {},
      processTypes: { web: webCommand('v1') },
      description: 'v1',
      createdBy: 't',
      createdAt: new Date().toISOString(),
    }));
    await served(2);
    expect((await assignments()).map((a) => a.host).sort()).toEqual([hostA, hostB]);
    expect(await runningOn(hostA)).toHaveLength(1);
    expect(await runningOn(hostB)).toHaveLength(1);
  });

  it("re-places the dead host's container on the survivor; the route lists only live upstreams", async () => {
    const onB = (await assignments()).find((a) => a.host === hostB) as Assignment;
    const lost = (await store.get<Instance>(store.keys.instance('lost', onB.id))) as Instance;
    lostUpstream = `${lost.address}:${lost.port}`;
    const staleContainer = (await runningOn(hostB))[0]?.Id;

    await agentB?.kill();
    const killedAt = Date.now();
    await waitFor(
      'host b gone',
      async () => ((await store.get(store.keys.host(hostB))) === undefined ? true : undefined),
      30_000,
    );
    const goneMs = Date.now() - killedAt;
    const r = await served(2, lostUpstream);
    const healedMs = Date.now() - killedAt;

    expect(goneMs).toBeLessThanOrEqual(TTL * 1000 + 1500);
    expect(routeUpstreams(r)).not.toContain(lostUpstream);
    const as = await assignments();
    expect(as.map((a) => `${a.host}/${a.id}`).sort()).toEqual([`${hostA}/lost.web.1.v1`, `${hostA}/lost.web.2.v1`]);
    const instances = await store.list<Instance>(store.keys.instances('lost'));
    expect(instances.map((i) => i.host)).toEqual([hostA, hostA]);
    expect(instances.every((i) => routeUpstreams(r).includes(`${i.address}:${i.port}`))).toBe(true);
    // Once the host was gone, no route ever listed its upstream again.
    const goneAt = killedAt + goneMs;
    expect(routeHistory.filter((h) => h.at > goneAt + 500).every((h) => !h.upstreams.includes(lostUpstream))).toBe(
      true,
    );

    // The dead host's container still runs on this shared engine (a real dead
    // machine's would be gone), still answering, but counts nowhere: no
    // instance, no assignment, no host record, not adopted by the survivor.
    expect((await runningOn(hostB)).map((c) => c.Id)).toEqual([staleContainer]);
    expect(await httpBody(lostUpstream)).toMatch(/^v1 web\./);
    expect(await runningOn(hostA)).toHaveLength(2);
    expect(instances.some((i) => i.containerId === staleContainer)).toBe(false);
    expect((await store.list<Host>(store.keys.hosts())).map((h) => h.id)).toEqual([hostA]);
    console.info(
      `host loss: host record gone ${goneMs} ms, both web containers served on the survivor ${healedMs} ms after SIGKILL (lease TTL ${TTL} s)`,
    );
  });

  it('a returning host removes its stale container and leaves the moved one serving', async () => {
    const before = await served(2, lostUpstream);
    const movedIds = (await runningOn(hostA)).map((c) => c.Id).sort();
    agentB = startB();
    await waitFor('host b back', async () => ((await store.get(store.keys.host(hostB))) ? true : undefined), 30_000);
    await waitFor('stale container removed', async () => ((await runningOn(hostB)).length === 0 ? true : undefined));
    // The moved containers keep running, and keep their instance records and route.
    await new Promise((r) => setTimeout(r, 3000)); // a few scheduler and agent passes
    expect((await runningOn(hostA)).map((c) => c.Id).sort()).toEqual(movedIds);
    const instances = await store.list<Instance>(store.keys.instances('lost'));
    expect(instances.map((i) => `${i.host}/${i.id}/${i.state}`).sort()).toEqual([
      `${hostA}/lost.web.1.v1/up`,
      `${hostA}/lost.web.2.v1/up`,
    ]);
    expect(routeUpstreams((await route()) as Route)).toEqual(routeUpstreams(before));
  });
});
