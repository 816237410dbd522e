import { describe, expect, it } from 'vitest';
import { routeUpstreams } from '../../../services/core/routes.js';
import type { App, Instance, Route } from '../../../services/core/types.js';
import { containersOf, waitFor, webCommand } from '../agent/support.js';
import { schedulerHarness } from './harness.js';

// Sleep, wake and lifetime end to end, in-process: a real scheduler and agent
// on the real Docker engine. A sleep request (as the controller writes it)
// routes nothing (`sleeping`), then stops and keeps the container; a wake (as
// a router writes it) starts that same container and routes it again; a
// short lifetime cycles web=2 one dyno at a time, the route never empty.

const h = schedulerHarness('sleep', { app: 'nap' });
const { cluster } = h;
const web = async () => (await containersOf(cluster)).filter((c) => c.Labels['paas.type'] === 'web');
const routeWhere = (what: string, ok: (r: Route) => boolean) =>
  waitFor(what, async () => {
    const r = await h.route();
    return r && ok(r) ? r : undefined;
  });
const instance = (id: string) => h.store.get<Instance>(h.store.keys.instance('nap', id));

describe('sleep and wake through scheduler and agent', () => {
  it('sleeps at a request: the route empties first (sleeping), then the container is stopped and kept', async () => {
    await h.createApp({ web: { quantity: 1, size: 'eco' } });
    await h.release({ processTypes: { web: webCommand('v1') } });
    await h.served('v1 serving', 1, (b) => b[0] === 'v1 web.1');
    const [running] = await web();
    expect(running?.State).toBe('running');

    await h.store.put(h.store.keys.sleepRequest('nap'), { app: 'nap', at: new Date().toISOString(), by: 'test' });
    const asleep = await routeWhere('route sleeping', (r) => r.state === 'sleeping');
    expect(routeUpstreams(asleep)).toEqual([]);
    expect(asleep.since).toBeDefined();
    await waitFor('web.1 sleeping', async () =>
      (await instance('nap.web.1.v1'))?.state === 'sleeping' ? true : undefined,
    );
    const after = await web();
    expect(after.map((c) => [c.Id, c.State])).toEqual([[running?.Id, 'exited']]);
  });

  it('wakes at a router wake: the same container starts, the route says waking, then routes it', async () => {
    const [parked] = await web();
    const before = h.routes.length;
    await h.store.put(h.store.keys.wake('nap'), { app: 'nap', at: new Date().toISOString(), router: 'test' });
    const { route } = await h.served('v1 serving again', 1, (b) => b[0] === 'v1 web.1');
    expect(route.state).toBeUndefined();
    const [woken] = await web();
    expect(woken?.Id).toBe(parked?.Id);
    expect(woken?.State).toBe('running');
    const states = h.routes.slice(before).map((r) => r.state ?? 'routed');
    expect(states).toContain('waking');
    expect(states.at(-1)).toBe('routed');
    expect((await instance('nap.web.1.v1'))?.restarts ?? 0).toBe(0);
  });

  it('cycles web=2 at its lifetime one dyno at a time, never routing nothing', async () => {
    const app = (await h.store.get<App>(h.store.keys.app('nap'))) as App;
    await h.store.put(h.store.keys.formation('nap'), { web: { quantity: 2, size: 'eco' } });
    await h.served('web=2', 2, (b) => [...b].sort().join() === 'v1 web.1,v1 web.2');
    const before = h.routes.length;
    await h.store.put(h.store.keys.app('nap'), { ...app, lifetimeS: 1 }); // below the API's minimum: the planner takes it
    await waitFor(
      'both dynos cycled',
      async () => {
        const ids = (await web()).filter((c) => c.State === 'running').map((c) => c.Labels['paas.assignment']);
        return ids.length === 2 && ids.every((id) => /\.c\d+$/.test(id ?? '')) ? true : undefined;
      },
      90_000,
    );
    await h.store.put(h.store.keys.app('nap'), { ...app, lifetimeS: 0 });
    const during = h.routes.slice(before).map((r) => routeUpstreams(r));
    expect(during.length).toBeGreaterThan(1);
    expect(during.every((u) => u.length > 0)).toBe(true);
    // one dyno at a time: the route names one container per slot, old or new
    expect(Math.max(...during.map((u) => u.length))).toBe(2);
  });
});
