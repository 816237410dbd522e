import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Docker from 'dockerode';
import { startAgent, type RunningAgent } from '../../../services/agent/agent.js';
import { DockerRuntime } from '../../../services/agent/docker.js';
import { Store } from '../../../services/core/store.js';
import type { App, Formation, Route } from '../../../services/core/types.js';
import { startScheduler, type RunningScheduler } from '../../../services/scheduler/scheduler.js';
import { etcdEndpoints, uniquePrefix } from '../../support/env.js';
import { RUN_IMAGE, agentSettings, containersOf, docker, httpBody, log, mainProcess, removeContainersOf, uniqueCluster, waitFor, webCommand } from '../agent/support.js';

// A deploy end to end, in-process: an agent and a scheduler against the real
// etcd and Docker; releases and formation written as the controller would.

const cluster = uniqueCluster();
const hostId = `host-${cluster}`;
let store: Store;
let agent: RunningAgent;
let scheduler: RunningScheduler;
/** Every upstream list the route has had, in order (from a watch). */
const routeHistory: string[][] = [];
let stopWatch: (() => Promise<void>) | undefined;

const schedulerOpts = (name: string) => ({ store, log, name, electionTtlSeconds: 3, drainMs: 500, resyncMs: 1000 });

async function release(greeting: string, formation?: Formation): Promise<number> {
  const r = await store.createRelease('hello', () => ({
    image: RUN_IMAGE,
    config: { GREETING: greeting },
    processTypes: { web: webCommand(greeting) },
    description: `deploy ${greeting}`,
    createdBy: 'test',
    createdAt: new Date().toISOString(),
  }));
  if (formation) await store.put(store.keys.formation('hello'), formation);
  return r.version;
}

const route = () => store.get<Route>(store.keys.route('hello'));

/** The route once it has `n` upstreams that all answer with bodies starting with `greeting`. */
async function routeAnswering(greeting: string, n: number): Promise<{ upstreams: string[]; bodies: string[] }> {
  return waitFor(`route to ${n} x ${greeting}`, async () => {
    const r = await route();
    if (!r || r.upstreams.length !== n) return undefined;
    const bodies = await Promise.all(r.upstreams.map(httpBody));
    return bodies.every((b) => b?.startsWith(`${greeting} `)) ? { upstreams: r.upstreams, bodies: bodies as string[] } : undefined;
  });
}

beforeAll(async () => {
  store = Store.connect(etcdEndpoints(), uniquePrefix('deploy'));
  const w = await store.etcd.watch().key(store.keys.route('hello')).create();
  w.on('put', (kv) => routeHistory.push((JSON.parse(kv.value.toString()) as Route).upstreams));
  stopWatch = () => w.cancel();
  agent = startAgent({ store, runtime: new DockerRuntime(new Docker()), log, config: agentSettings(cluster, hostId) });
  scheduler = startScheduler(schedulerOpts('s1'));
});

afterAll(async () => {
  await scheduler?.stop();
  await agent?.stop();
  await stopWatch?.();
  await removeContainersOf(cluster);
  await store.etcd.delete().prefix(`${store.keys.prefix}/`);
  store.close();
});

describe('deploy through scheduler and agent', () => {
  it('runs release 1 and routes to it', async () => {
    const app: App = { name: 'hello', id: 'app-1', owner: 'u1', createdAt: new Date().toISOString(), latestRelease: 0 };
    await store.createApp(app, { web: { quantity: 1, size: 'eco' } });
    await release('v1');
    const r = await routeAnswering('v1', 1);
    expect(r.bodies).toEqual(['v1 web.1']);

    const [c] = await containersOf(cluster);
    const info = await docker.getContainer(c?.Id ?? '').inspect();
    expect(info.Config.User).toBe('1000:1000');
    expect(info.HostConfig.CapDrop).toEqual(['ALL']);
    expect(info.HostConfig.Memory).toBe(256 * 1024 * 1024); // eco
    expect(await mainProcess(info.Id)).toEqual({ uid: '1000', capEff: '0000000000000000' });
  });

  it('switches blue-green to release 2: never an empty route, old container removed', async () => {
    const before = routeHistory.length;
    const oldContainers = (await containersOf(cluster)).map((c) => c.Id);
    await release('v2');
    const r = await routeAnswering('v2', 1);
    expect(r.bodies).toEqual(['v2 web.1']);
    await waitFor('old container removed', async () => {
      const now = (await containersOf(cluster)).map((c) => c.Id);
      return now.length === 1 && !oldContainers.includes(now[0] ?? '') ? true : undefined;
    });
    const during = routeHistory.slice(before);
    expect(during.length).toBeGreaterThan(0);
    expect(during.every((u) => u.length > 0)).toBe(true);
    expect((await containersOf(cluster))[0]?.Labels['paas.release']).toBe('2');
  });

  it('scales to web=2: two distinct containers answer', async () => {
    await store.put(store.keys.formation('hello'), { web: { quantity: 2, size: 'eco' } });
    const r = await routeAnswering('v2', 2);
    expect(r.bodies.sort()).toEqual(['v2 web.1', 'v2 web.2']);
    expect(new Set(r.upstreams).size).toBe(2);
    const cs = await containersOf(cluster);
    expect(cs).toHaveLength(2);
  });

  it('hands leadership to a standby when the leader stops', async () => {
    const standby = startScheduler(schedulerOpts('s2'));
    await waitFor('s1 leads', async () => (scheduler.isLeader() ? true : undefined));
    expect(standby.isLeader()).toBe(false);
    await scheduler.stop();
    scheduler = standby;
    await waitFor('s2 leads', async () => (standby.isLeader() ? true : undefined));
    // the new leader acts: scale back to one
    await store.put(store.keys.formation('hello'), { web: { quantity: 1, size: 'eco' } });
    await routeAnswering('v2', 1);
    await waitFor('one container', async () => ((await containersOf(cluster)).length === 1 ? true : undefined));
  });

  it('deletes the app: containers and route gone', async () => {
    await store.delete(store.keys.app('hello'));
    await waitFor('containers gone', async () => ((await containersOf(cluster)).length === 0 ? true : undefined));
    await waitFor('route gone', async () => ((await route()) === undefined ? true : undefined));
    expect(await store.list(store.keys.assignments())).toEqual([]);
  });
});
