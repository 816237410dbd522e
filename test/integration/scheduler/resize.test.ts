import { describe, expect, it } from 'vitest';
import { routeUpstreams } from '../../../services/core/routes.js';
import { containersOf, docker, httpBody, waitFor, webCommand } from '../agent/support.js';
import { schedulerHarness } from './harness.js';

// A change of size in the formation, end to end in-process: a real scheduler
// and agent replace the container blue-green with the new memory and CPU
// limits on the real Docker engine; the route is never empty.

const h = schedulerHarness('resize', { app: 'grow' });
const { cluster } = h;
const MB = 1024 * 1024;

/** The running containers: assignment id → HostConfig limits. */
async function running(): Promise<Record<string, { memory: number; cpuShares: number }>> {
  const out: Record<string, { memory: number; cpuShares: number }> = {};
  for (const c of (await containersOf(cluster)).filter((x) => x.State === 'running')) {
    const info = await docker.getContainer(c.Id).inspect();
    out[c.Labels['paas.assignment'] ?? c.Id] = {
      memory: info.HostConfig.Memory ?? 0,
      cpuShares: info.HostConfig.CpuShares ?? 0,
    };
  }
  return out;
}

describe('resize through scheduler and agent', () => {
  it('replaces the container with one of the new limits when the formation size changes, the route never empty', async () => {
    await h.createApp({ web: { quantity: 1, size: 'eco' } });
    await h.release({ processTypes: { web: webCommand('v1') }, description: 'deploy v1' });
    const first = routeUpstreams((await h.served('served by web.1', 1, ([body]) => body === 'v1 web.1')).route);
    expect(await running()).toEqual({ 'grow.web.1.v1': { memory: 256 * MB, cpuShares: 256 } });

    const before = h.routes.length;
    await h.store.put(h.store.keys.formation('grow'), { web: { quantity: 1, size: 'standard-2x' } });
    await waitFor('resized container alone', async () => {
      const now = await running();
      return Object.keys(now).join() === 'grow.web.1.v1.standard-2x' ? true : undefined;
    });
    expect(await running()).toEqual({ 'grow.web.1.v1.standard-2x': { memory: 1024 * MB, cpuShares: 2048 } });
    const r = await h.route();
    const upstreams = r ? routeUpstreams(r) : [];
    expect(upstreams).toHaveLength(1);
    expect(upstreams).not.toEqual(first);
    expect(await httpBody(upstreams[0] ?? '')).toBe('v1 web.1');
    const during = h.routes.slice(before).map((x) => routeUpstreams(x));
    expect(during.length).toBeGreaterThan(0);
    expect(during.every((u) => u.length > 0)).toBe(true);
  });
});
