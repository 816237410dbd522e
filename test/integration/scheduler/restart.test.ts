import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Docker from 'dockerode';
import { startAgent, type RunningAgent } from '../../../services/agent/agent.js';
import { DockerRuntime } from '../../../services/agent/docker.js';
import { bumpRestart, type RestartRecord, type RestartTarget } from '../../../services/core/restarts.js';
import { Store } from '../../../services/core/store.js';
import type { Instance, Route } from '../../../services/core/types.js';
import { startScheduler, type RunningScheduler } from '../../../services/scheduler/scheduler.js';
import { etcdEndpoints, uniquePrefix } from '../../support/env.js';
import { RUN_IMAGE, agentSettings, containersOf, httpBody, log, removeContainersOf, uniqueCluster, waitFor, webCommand } from '../agent/support.js';

// Restarts end to end, in-process: the restart generation bumped as the
// controller does, a real scheduler and agent replace the containers
// blue-green on the real Docker engine; the route is never empty.

const cluster = uniqueCluster();
const hostId = `host-${cluster}`;
let store: Store;
let agent: RunningAgent;
let scheduler: RunningScheduler;
const routeHistory: string[][] = [];
let stopWatch: (() => Promise<void>) | undefined;

const route = () => store.get<Route>(store.keys.route('again'));
const containerIds = async () => (await containersOf(cluster)).filter((c) => c.State === 'running').map((c) => c.Id).sort();

async function restart(target: RestartTarget): Promise<void> {
  const cur = await store.get<RestartRecord>(store.keys.restart('again'));
  await store.put(store.keys.restart('again'), bumpRestart(cur, target));
}

/** Two upstreams answering "v1 web.1" and "v1 web.2", none of them in `not`. */
async function servedByNew(not: readonly string[]): Promise<string[]> {
  return waitFor('route to two new containers', async () => {
    const r = await route();
    if (!r || r.upstreams.length !== 2 || r.upstreams.some((u) => not.includes(u))) return undefined;
    const bodies = await Promise.all(r.upstreams.map(httpBody));
    return [...bodies].sort().join() === 'v1 web.1,v1 web.2' ? r.upstreams : undefined;
  });
}

beforeAll(async () => {
  store = Store.connect(etcdEndpoints(), uniquePrefix('restart'));
  const w = await store.etcd.watch().key(store.keys.route('again')).create();
  w.on('put', (kv) => routeHistory.push((JSON.parse(kv.value.toString()) as Route).upstreams));
  stopWatch = () => w.cancel();
  agent = startAgent({ store, runtime: new DockerRuntime(new Docker()), log, config: agentSettings(cluster, hostId) });
  scheduler = startScheduler({ store, log, name: 's1', electionTtlSeconds: 3, drainMs: 500, resyncMs: 1000 });
});

afterAll(async () => {
  await scheduler?.stop();
  await agent?.stop();
  await stopWatch?.();
  await removeContainersOf(cluster);
  await store.etcd.delete().prefix(`${store.keys.prefix}/`);
  store.close();
});

describe('restart through scheduler and agent', () => {
  it('replaces every container with a new one, the route never empty', async () => {
    await store.createApp({ name: 'again', id: 'app-1', owner: 'u1', createdAt: new Date().toISOString(), latestRelease: 0 }, { web: { quantity: 2, size: 'eco' } });
    await store.createRelease('again', () => ({
      image: RUN_IMAGE,
      config: { GREETING: 'v1' },
      processTypes: { web: webCommand('v1') },
      description: 'deploy v1',
      createdBy: 'test',
      createdAt: new Date().toISOString(),
    }));
    const first = await servedByNew([]);
    await waitFor('two containers', async () => ((await containerIds()).length === 2 ? true : undefined));
    const oldIds = await containerIds();

    const before = routeHistory.length;
    await restart({ kind: 'all' });
    const second = await servedByNew(first);
    await waitFor('old containers removed', async () => {
      const now = await containerIds();
      return now.length === 2 && now.every((id) => !oldIds.includes(id)) ? true : undefined;
    });
    const during = routeHistory.slice(before);
    expect(during.length).toBeGreaterThan(0);
    expect(during.every((u) => u.length > 0)).toBe(true);
    const names = (await containersOf(cluster)).filter((c) => c.State === 'running').map((c) => c.Labels['paas.assignment']).sort();
    expect(names).toEqual(['again.web.1.v1.g1', 'again.web.2.v1.g1']);

    // one dyno: web.2 is replaced, web.1 keeps its container
    const keep = (await containersOf(cluster)).find((c) => c.Labels['paas.assignment'] === 'again.web.1.v1.g1')?.Id;
    const upstreamOf = async (id: string) => {
      const i = await store.get<Instance>(store.keys.instance('again', id));
      return i ? `${i.address}:${i.port}` : '';
    };
    const web1 = await upstreamOf('again.web.1.v1.g1');
    const oldWeb2 = await upstreamOf('again.web.2.v1.g1');
    expect([...second].sort()).toEqual([web1, oldWeb2].sort());
    const mark = routeHistory.length;
    await restart({ kind: 'dyno', type: 'web', index: 2 });
    await waitFor('web.2 replaced', async () => {
      const cs = (await containersOf(cluster)).filter((c) => c.State === 'running');
      const ids = cs.map((c) => c.Labels['paas.assignment']).sort();
      return ids.join() === 'again.web.1.v1.g1,again.web.2.v1.g2' ? true : undefined;
    });
    expect((await containersOf(cluster)).find((c) => c.Labels['paas.assignment'] === 'again.web.1.v1.g1')?.Id).toBe(keep);
    const third = await servedByNew([oldWeb2]);
    expect(third).toContain(web1);
    // web.1 served throughout the restart of web.2
    expect(routeHistory.slice(mark).every((u) => u.includes(web1))).toBe(true);
  });
});
