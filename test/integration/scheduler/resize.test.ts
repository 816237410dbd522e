import { afterAll, describe, expect, it } from 'vitest';
import Docker from 'dockerode';
import { startAgent, type RunningAgent } from '../../../services/agent/agent.js';
import { DockerRuntime } from '../../../services/agent/docker.js';
import { routeUpstreams } from '../../../services/core/routes.js';
import type { Host } from '../../../services/core/types.js';
import {
  agentSettings,
  containersOf,
  docker,
  httpBody,
  log,
  removeContainersOf,
  uniqueCluster,
  waitFor,
  webCommand,
} from '../agent/support.js';
import { schedulerHarness, type SchedulerHarness } from './harness.js';

// A change of size in the formation, end to end in-process with a real
// scheduler and agent on the real Docker engine. On a host with room the
// running container gets the new memory and CPU limits in place: the same
// container serves throughout, the route never changes, the dyno's log says
// so. On a host too small for them it is replaced blue-green by a container
// of the new limits on a host with room; the route is never empty.

const MB = 1024 * 1024;
const said: string[] = [];
const roomy = schedulerHarness('resize', {
  app: 'grow',
  say: (c, line) => said.push(`${c.labels['paas.assignment']}: ${line}`),
});
// 768 MB: an eco dyno fits, a standard-2x one does not
const tight = schedulerHarness('resize-full', { app: 'tight', agent: { memoryMb: 768 } });

/** The running containers of a cluster: assignment id → container id, host and HostConfig limits. */
async function running(cluster: string) {
  const out: Record<string, { id: string; host: string; memory: number; cpuShares: number }> = {};
  for (const c of (await containersOf(cluster)).filter((x) => x.State === 'running')) {
    const info = await docker.getContainer(c.Id).inspect();
    out[c.Labels['paas.assignment'] ?? c.Id] = {
      id: c.Id,
      host: c.Labels['paas.host'] ?? '',
      memory: info.HostConfig.Memory ?? 0,
      cpuShares: info.HostConfig.CpuShares ?? 0,
    };
  }
  return out;
}

/** Deploys web=1 eco and waits until it serves; its route's upstreams. */
async function deployed(h: SchedulerHarness): Promise<string[]> {
  await h.createApp({ web: { quantity: 1, size: 'eco' } });
  await h.release({ processTypes: { web: webCommand('v1') }, description: 'deploy v1' });
  return routeUpstreams((await h.served('served by web.1', 1, ([body]) => body === 'v1 web.1')).route);
}

/** Asks the route's upstream every 20 ms until stopped; the answers that were not `v1 web.1`. */
function keepAsking(h: SchedulerHarness) {
  const failures: string[] = [];
  let on = true;
  const loop = (async () => {
    while (on) {
      const r = await h.route();
      const up = r ? routeUpstreams(r) : [];
      const bodies = await Promise.all(up.map(httpBody));
      if (bodies.length === 0 || bodies.some((b) => b !== 'v1 web.1')) failures.push(JSON.stringify(bodies));
      await new Promise((res) => setTimeout(res, 20));
    }
  })();
  return async () => {
    on = false;
    await loop;
    return failures;
  };
}

describe('resize through scheduler and agent', () => {
  it('applies the new limits to the running container in place on a host with room: same container, same route', async () => {
    const first = await deployed(roomy);
    const before = await running(roomy.cluster);
    expect(Object.keys(before)).toEqual(['grow.web.1.v1']);
    expect(before['grow.web.1.v1']).toMatchObject({ memory: 256 * MB, cpuShares: 256 });

    const routesBefore = roomy.routes.length;
    const stop = keepAsking(roomy);
    await roomy.store.put(roomy.store.keys.formation('grow'), { web: { quantity: 1, size: 'standard-2x' } });
    await waitFor('resized in place', async () => {
      const now = (await running(roomy.cluster))['grow.web.1.v1'];
      return now?.memory === 1024 * MB ? true : undefined;
    });
    await new Promise((r) => setTimeout(r, 1500)); // more scheduler and agent passes: nothing else happens
    const failures = await stop();

    const after = await running(roomy.cluster);
    expect(after).toEqual({
      'grow.web.1.v1': { ...before['grow.web.1.v1'], memory: 1024 * MB, cpuShares: 2048 },
    });
    expect(failures).toEqual([]);
    const r = await roomy.route();
    expect(r ? routeUpstreams(r) : []).toEqual(first);
    expect(roomy.routes.slice(routesBefore).every((x) => routeUpstreams(x).join() === first.join())).toBe(true);
    const assignments = await roomy.store.list<{ id: string; memoryMb: number }>(roomy.store.keys.assignments());
    expect(assignments.map((a) => [a.id, a.memoryMb])).toEqual([['grow.web.1.v1', 1024]]);
    expect(said).toContain('grow.web.1.v1: Resized in place to standard-2x (memory 1024 MB, CPU shares 2048)');
  });

  describe('on a host too small for the new limits', () => {
    const clusterB = uniqueCluster();
    const hostB = `b-${clusterB}`;
    let agentB: RunningAgent | undefined;

    afterAll(async () => {
      await agentB?.stop();
      await removeContainersOf(clusterB);
    });

    it('replaces the container blue-green by one of the new limits on a host with room, the route never empty', async () => {
      const first = await deployed(tight);
      const old = (await running(tight.cluster))['tight.web.1.v1'];
      expect(old).toMatchObject({ memory: 256 * MB, cpuShares: 256 });
      // a second host with room joins (after the deploy, so the eco dyno is on the small one)
      agentB = startAgent({
        store: tight.store,
        runtime: new DockerRuntime(new Docker()),
        log,
        config: agentSettings(clusterB, hostB),
      });
      await waitFor('second host registered', async () =>
        (await tight.store.list<Host>(tight.store.keys.hosts())).length === 2 ? true : undefined,
      );

      const routesBefore = tight.routes.length;
      const stop = keepAsking(tight);
      await tight.store.put(tight.store.keys.formation('tight'), { web: { quantity: 1, size: 'standard-2x' } });
      const served = await tight.served('served by the new container', 1, ([b]) => b === 'v1 web.1', { not: first });
      await waitFor('old container gone', async () =>
        Object.keys(await running(tight.cluster)).length === 0 ? true : undefined,
      );
      const failures = await stop();

      const now = await running(clusterB);
      expect(Object.keys(now)).toEqual(['tight.web.1.v1.standard-2x']);
      expect(now['tight.web.1.v1.standard-2x']).toMatchObject({ host: hostB, memory: 1024 * MB, cpuShares: 2048 });
      expect(now['tight.web.1.v1.standard-2x']?.id).not.toBe(old?.id);
      expect(routeUpstreams(served.route)).not.toEqual(first);
      expect(failures).toEqual([]);
      const during = tight.routes.slice(routesBefore).map((x) => routeUpstreams(x));
      expect(during.length).toBeGreaterThan(0);
      expect(during.every((u) => u.length > 0)).toBe(true);
    });
  });
});
