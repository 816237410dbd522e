import { describe, expect, it } from 'vitest';
import { routeUpstreams } from '../../../services/core/routes.js';
import type { Formation } from '../../../services/core/types.js';
import { startScheduler } from '../../../services/scheduler/scheduler.js';
import { containersOf, docker, mainProcess, waitFor, webCommand } from '../agent/support.js';
import { schedulerHarness } from './harness.js';

// A deploy end to end, in-process: an agent and a scheduler against the real
// etcd and Docker; releases and formation written as the controller would.

const h = schedulerHarness('deploy', { app: 'hello' });
const { cluster } = h;
/** Every upstream list the route has had, in order (from a watch). */
const routeHistory = () => h.routes.map((r) => routeUpstreams(r));

async function release(greeting: string, formation?: Formation): Promise<number> {
  const version = await h.release({
    config: { GREETING: greeting },
    processTypes: { web: webCommand(greeting) },
    description: `deploy ${greeting}`,
  });
  if (formation) await h.store.put(h.store.keys.formation('hello'), formation);
  return version;
}

/** The route once it has `n` upstreams that all answer with bodies starting with `greeting`. */
async function routeAnswering(greeting: string, n: number): Promise<{ upstreams: string[]; bodies: string[] }> {
  const { route, bodies } = await h.served(`route to ${n} x ${greeting}`, n, (bs) =>
    bs.every((b) => b?.startsWith(`${greeting} `)),
  );
  return { upstreams: routeUpstreams(route), bodies };
}

describe('deploy through scheduler and agent', () => {
  it('runs release 1 and routes to it', async () => {
    await h.createApp({ web: { quantity: 1, size: 'eco' } });
    await release('v1');
    const r = await routeAnswering('v1', 1);
    expect(r.bodies).toEqual(['v1 web.1']);

    const [c] = await containersOf(cluster);
    const info = await docker.getContainer(c?.Id ?? '').inspect();
    // the app's own uid, given when it was created (core/uids.ts)
    const uid = String((await h.store.getApp(h.app)).uid);
    expect(Number(uid)).toBeGreaterThanOrEqual(100_000);
    expect(info.Config.User).toBe(`${uid}:${uid}`);
    expect(info.HostConfig.CapDrop).toEqual(['ALL']);
    expect(info.HostConfig.Memory).toBe(256 * 1024 * 1024); // eco
    expect(await mainProcess(info.Id)).toEqual({ uid, capEff: '0000000000000000' });
  });

  it('switches blue-green to release 2: never an empty route, old container removed', async () => {
    const before = h.routes.length;
    const oldContainers = (await containersOf(cluster)).map((c) => c.Id);
    await release('v2');
    const r = await routeAnswering('v2', 1);
    expect(r.bodies).toEqual(['v2 web.1']);
    await waitFor('old container removed', async () => {
      const now = (await containersOf(cluster)).map((c) => c.Id);
      return now.length === 1 && !oldContainers.includes(now[0] ?? '') ? true : undefined;
    });
    const during = routeHistory().slice(before);
    expect(during.length).toBeGreaterThan(0);
    expect(during.every((u) => u.length > 0)).toBe(true);
    expect((await containersOf(cluster))[0]?.Labels['paas.release']).toBe('2');
  });

  it('scales to web=2: two distinct containers answer', async () => {
    await h.store.put(h.store.keys.formation('hello'), { web: { quantity: 2, size: 'eco' } });
    const r = await routeAnswering('v2', 2);
    expect(r.bodies.sort()).toEqual(['v2 web.1', 'v2 web.2']);
    expect(new Set(r.upstreams).size).toBe(2);
    const cs = await containersOf(cluster);
    expect(cs).toHaveLength(2);
  });

  it('hands leadership to a standby when the leader stops', async () => {
    const standby = startScheduler(h.schedulerOptions('s2'));
    await waitFor('s1 leads', async () => (h.scheduler.isLeader() ? true : undefined));
    expect(standby.isLeader()).toBe(false);
    await h.scheduler.stop();
    h.scheduler = standby;
    await waitFor('s2 leads', async () => (standby.isLeader() ? true : undefined));
    // the new leader acts: scale back to one
    await h.store.put(h.store.keys.formation('hello'), { web: { quantity: 1, size: 'eco' } });
    await routeAnswering('v2', 1);
    await waitFor('one container', async () => ((await containersOf(cluster)).length === 1 ? true : undefined));
  });

  it('deletes the app: containers and route gone', async () => {
    await h.store.delete(h.store.keys.app('hello'));
    await waitFor('containers gone', async () => ((await containersOf(cluster)).length === 0 ? true : undefined));
    await waitFor('route gone', async () => ((await h.route()) === undefined ? true : undefined));
    expect(await h.store.list(h.store.keys.assignments())).toEqual([]);
  });
});
