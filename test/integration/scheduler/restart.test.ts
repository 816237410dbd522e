import { describe, expect, it } from 'vitest';
import { routeUpstreams } from '../../../services/core/routes.js';
import { bumpRestart, type RestartRecord, type RestartTarget } from '../../../services/core/restarts.js';
import type { Instance } from '../../../services/core/types.js';
import { containersOf, waitFor, webCommand } from '../agent/support.js';
import { schedulerHarness } from './harness.js';

// Restarts end to end, in-process: the restart generation bumped as the
// controller does, a real scheduler and agent replace the containers
// blue-green on the real Docker engine; the route is never empty.

const h = schedulerHarness('restart', { app: 'again' });
const { cluster } = h;
const routeHistory = () => h.routes.map((r) => routeUpstreams(r));
const containerIds = async () =>
  (await containersOf(cluster))
    .filter((c) => c.State === 'running')
    .map((c) => c.Id)
    .sort();

async function restart(target: RestartTarget): Promise<void> {
  const cur = await h.store.get<RestartRecord>(h.store.keys.restart('again'));
  await h.store.put(h.store.keys.restart('again'), bumpRestart(cur, target));
}

/** Two upstreams answering "v1 web.1" and "v1 web.2", none of them in `not`. */
async function servedByNew(not: readonly string[]): Promise<string[]> {
  const { route } = await h.served(
    'route to two new containers',
    2,
    (bodies) => [...bodies].sort().join() === 'v1 web.1,v1 web.2',
    { not },
  );
  return routeUpstreams(route);
}

describe('restart through scheduler and agent', () => {
  it('replaces every container with a new one, the route never empty', async () => {
    await h.createApp({ web: { quantity: 2, size: 'eco' } });
    await h.release({ config: { GREETING: 'v1' }, processTypes: { web: webCommand('v1') }, description: 'deploy v1' });
    const first = await servedByNew([]);
    await waitFor('two containers', async () => ((await containerIds()).length === 2 ? true : undefined));
    const oldIds = await containerIds();

    const before = h.routes.length;
    await restart({ kind: 'all' });
    const second = await servedByNew(first);
    await waitFor('old containers removed', async () => {
      const now = await containerIds();
      return now.length === 2 && now.every((id) => !oldIds.includes(id)) ? true : undefined;
    });
    const during = routeHistory().slice(before);
    expect(during.length).toBeGreaterThan(0);
    expect(during.every((u) => u.length > 0)).toBe(true);
    const names = (await containersOf(cluster))
      .filter((c) => c.State === 'running')
      .map((c) => c.Labels['paas.assignment'])
      .sort();
    expect(names).toEqual(['again.web.1.v1.g1', 'again.web.2.v1.g1']);

    // one dyno: web.2 is replaced, web.1 keeps its container
    const keep = (await containersOf(cluster)).find((c) => c.Labels['paas.assignment'] === 'again.web.1.v1.g1')?.Id;
    const upstreamOf = async (id: string) => {
      const i = await h.store.get<Instance>(h.store.keys.instance('again', id));
      return i ? `${i.address}:${i.port}` : '';
    };
    const web1 = await upstreamOf('again.web.1.v1.g1');
    const oldWeb2 = await upstreamOf('again.web.2.v1.g1');
    expect([...second].sort()).toEqual([web1, oldWeb2].sort());
    const mark = h.routes.length;
    await restart({ kind: 'dyno', type: 'web', index: 2 });
    await waitFor('web.2 replaced', async () => {
      const cs = (await containersOf(cluster)).filter((c) => c.State === 'running');
      const ids = cs.map((c) => c.Labels['paas.assignment']).sort();
      return ids.join() === 'again.web.1.v1.g1,again.web.2.v1.g2' ? true : undefined;
    });
    expect((await containersOf(cluster)).find((c) => c.Labels['paas.assignment'] === 'again.web.1.v1.g1')?.Id).toBe(
      keep,
    );
    const third = await servedByNew([oldWeb2]);
    expect(third).toContain(web1);
    // web.1 served throughout the restart of web.2
    expect(
      routeHistory()
        .slice(mark)
        .every((u) => u.includes(web1)),
    ).toBe(true);
  });
});
