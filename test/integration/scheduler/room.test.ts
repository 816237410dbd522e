import { describe, expect, it } from 'vitest';
import { routeUpstreams } from '../../../services/core/routes.js';
import type { App, Formation, Instance, Route } from '../../../services/core/types.js';
import { RUN_IMAGE, containersOf, httpBody, waitFor, webCommand } from '../agent/support.js';
import { schedulerHarness } from './harness.js';

// Room for a wake on a full host, end to end in-process: a real scheduler and
// agent on the real Docker engine, a host with room for two eco dynos. With
// the host full, a wake of a sleeping app puts the idle app that can sleep
// to sleep (route first, container stopped after the drain), never the one
// that cannot, and the woken app is served on the freed room.

const h = schedulerHarness('room', {
  app: 'nap',
  agent: { memoryMb: 512 }, // two eco dynos (256 MB each)
  scheduler: { makeRoomIdleMs: 2000 },
});
const routeOf = (app: string) => h.store.get<Route>(h.store.keys.route(app));
const instanceOf = (app: string) => h.store.get<Instance>(h.store.keys.instance(app, `${app}.web.1.v1`));
const running = async () =>
  (await containersOf(h.cluster)).filter((c) => c.State === 'running').map((c) => c.Labels['paas.app']);

/** Creates and releases another app on the same platform, as the controller and builder do; waits until it serves. */
async function deploy(name: string, extra: Partial<App>): Promise<void> {
  const formation: Formation = { web: { quantity: 1, size: 'eco' } };
  await h.store.createApp(
    { name, id: `app-${name}`, owner: 'u1', createdAt: new Date().toISOString(), latestRelease: 0, ...extra },
    formation,
  );
  await h.store.createRelease(name, () => ({
    image: RUN_IMAGE,
    config: {},
    processTypes: { web: webCommand(name) },
    description: 'deploy',
    createdBy: 'test',
    createdAt: new Date().toISOString(),
  }));
  await waitFor(`${name} serving`, async () => {
    const r = await routeOf(name);
    const [up] = r ? routeUpstreams(r) : [];
    return up && (await httpBody(up))?.startsWith(name) ? true : undefined;
  });
}

describe('room for a wake on a full host', () => {
  it('puts the idle app that can sleep to sleep, not the one that cannot, and serves the woken app', async () => {
    await h.createApp({ web: { quantity: 1, size: 'eco' } });
    await h.release({ processTypes: { web: webCommand('nap') } });
    await h.served('nap serving', 1, (b) => b[0] === 'nap web.1');
    await deploy('idler', { autosleepS: 3600 });
    // nap asleep, and its room taken by an app that never sleeps
    await h.store.put(h.store.keys.sleepRequest('nap'), { app: 'nap', at: new Date().toISOString(), by: 'test' });
    await waitFor('nap asleep', async () => ((await instanceOf('nap'))?.state === 'sleeping' ? true : undefined));
    await deploy('awake', { autosleepS: 0 });
    expect((await running()).sort()).toEqual(['awake', 'idler']);

    await new Promise((r) => setTimeout(r, 2000)); // both idle past makeRoomIdleMs
    await h.store.put(h.store.keys.wake('nap'), { app: 'nap', at: new Date().toISOString(), router: 'test' });
    await h.served('nap serving again', 1, (b) => b[0] === 'nap web.1');
    expect((await routeOf('idler'))?.state).toBe('sleeping');
    expect((await instanceOf('idler'))?.state).toBe('sleeping');
    expect((await routeOf('awake'))?.state).toBeUndefined();
    expect((await running()).sort()).toEqual(['awake', 'nap']);
    // the held requests saw `waking` while nap waited for room, never a route with no state
    const since = h.routes.map((r) => r.state).lastIndexOf('sleeping');
    expect(h.routes.slice(since + 1).map((r) => r.state ?? (routeUpstreams(r).length > 0 ? 'routed' : 'none'))).toEqual(
      expect.arrayContaining(['waking', 'routed']),
    );
    expect(h.routes.slice(since + 1).some((r) => !r.state && routeUpstreams(r).length === 0)).toBe(false);
  });
});
