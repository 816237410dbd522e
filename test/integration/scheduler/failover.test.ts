import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeUpstreams } from '../../../services/core/routes.js';
import Docker from 'dockerode';
import { startAgent, type RunningAgent } from '../../../services/agent/agent.js';
import { DockerRuntime } from '../../../services/agent/docker.js';
import { Store } from '../../../services/core/store.js';
import type { Route } from '../../../services/core/types.js';
import { loadConfig as schedulerConfig } from '../../../services/scheduler/config.js';
import { schedulerElection, startScheduler, type RunningScheduler } from '../../../services/scheduler/scheduler.js';
import { etcdEndpoints, uniquePrefix } from '../../support/env.js';
import {
  RUN_IMAGE,
  agentSettings,
  containersOf,
  docker,
  httpBody,
  log,
  forgetCluster,
  uniqueCluster,
  waitFor,
  webCommand,
} from '../agent/support.js';
import { startService, type ServiceProcess } from './process.js';

// Leader failover with the real engine: the leading scheduler is a real
// process that is SIGKILLed (no resign: its election lease must expire), a
// standby in this process takes over within the election TTL and goes on
// reconciling: scaling up and down after the failover reaches Docker.

const TTL = 3;
const prefix = uniquePrefix('failover');
const cluster = uniqueCluster();
const hostId = `host-${cluster}`;
let store: Store;
let standbyStore: Store;
let agent: RunningAgent;
let leader: ServiceProcess | undefined;
let standby: RunningScheduler | undefined;

const route = () => store.get<Route>(store.keys.route('fo'));
const running = async () => (await containersOf(cluster)).filter((c) => c.State === 'running');

/** The route once it lists `n` upstreams that all answer with distinct "v1 web.<i>" bodies. */
const routed = (n: number) =>
  waitFor(`route to ${n} containers`, async () => {
    const r = await route();
    if (!r || routeUpstreams(r).length !== n) return undefined;
    const bodies = await Promise.all(routeUpstreams(r).map(httpBody));
    return bodies.every((b) => b?.startsWith('v1 web.')) && new Set(bodies).size === n ? r : undefined;
  });

beforeAll(async () => {
  store = Store.connect(etcdEndpoints(), prefix);
  standbyStore = Store.connect(etcdEndpoints(), prefix);
  agent = startAgent({ store, runtime: new DockerRuntime(new Docker()), log, config: agentSettings(cluster, hostId) });
});

afterAll(async () => {
  await leader?.kill();
  await standby?.stop();
  await agent?.stop();
  await forgetCluster(cluster);
  await store.deletePrefix(`${prefix}/`);
  standbyStore.close();
  store.close();
});

describe('scheduler leader failover', () => {
  it('a killed leader is replaced within the election TTL, and the new leader scales up and down', async () => {
    leader = startService('scheduler', {
      PAAS_ETCD_ENDPOINTS: etcdEndpoints().join(','),
      PAAS_ETCD_PREFIX: prefix,
      PAAS_STATE_DIR: '/tmp',
      PAAS_SCHEDULER_NAME: 'a',
      PAAS_SCHEDULER_ELECTION_TTL: String(TTL),
      PAAS_SCHEDULER_DRAIN_MS: '500',
      PAAS_SCHEDULER_RESYNC_MS: '1000',
    });
    const l = leader;
    await waitFor(
      'a leads',
      async () => ((await schedulerElection(store).leader()) === 'a' ? true : undefined),
      30_000,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}\n${l.output()}`);
    });
    standby = startScheduler({
      store: standbyStore,
      log,
      config: { ...schedulerConfig({}), name: 'b', electionTtlSeconds: TTL, drainMs: 500, resyncMs: 1000 },
    });

    // The process leads: it deploys while b stands by.
    await store.createApp(
      { name: 'fo', id: 'fo', owner: 'u', createdAt: new Date().toISOString(), latestRelease: 0 },
      { web: { quantity: 1, size: 'eco' } },
    );
    await store.createRelease('fo', () => ({
      image: RUN_IMAGE,
      config: {},
      processTypes: { web: webCommand('v1') },
      description: 'v1',
      createdBy: 't',
      createdAt: new Date().toISOString(),
    }));
    const first = await routed(1);
    expect(standby.isLeader()).toBe(false);

    // The leader dies as a machine does.
    await leader.kill();
    const killedAt = Date.now();
    await waitFor('b leads', async () => (standby?.isLeader() ? true : undefined), 30_000);
    const takeoverMs = Date.now() - killedAt;
    expect(await schedulerElection(store).leader()).toBe('b');
    // The lease expires at most TTL after the last keep-alive; etcd checks expiry every ~0.5 s.
    expect(takeoverMs).toBeLessThanOrEqual(TTL * 1000 + 1500);
    // Nothing was torn down meanwhile: the first container still serves.
    expect(routeUpstreams((await route()) as Route)).toEqual(routeUpstreams(first));

    // The new leader reconciles: scale up...
    await store.put(store.keys.formation('fo'), { web: { quantity: 3, size: 'eco' } });
    const three = await routed(3);
    expect(routeUpstreams(three)).toEqual(expect.arrayContaining(routeUpstreams(first)));
    expect(await running()).toHaveLength(3);
    const limits = await Promise.all(
      (await running()).map(async (c) => (await docker.getContainer(c.Id).inspect()).HostConfig.Memory),
    );
    expect(limits).toEqual([256, 256, 256].map((m) => m * 1024 * 1024)); // eco

    // ...and down.
    await store.put(store.keys.formation('fo'), { web: { quantity: 1, size: 'eco' } });
    await routed(1);
    const [only] = await waitFor('one container left', async () => {
      const cs = await running();
      return cs.length === 1 ? cs : undefined;
    });
    expect(only?.Labels['paas.assignment']).toBe('fo.web.1.v1');
    console.info(`failover: takeover ${takeoverMs} ms after SIGKILL (TTL ${TTL} s)`);
  });
});
