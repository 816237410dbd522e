import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Docker from 'dockerode';
import { startAgent, type RunningAgent } from '../../../services/agent/agent.js';
import { DockerRuntime, type ContainerStats } from '../../../services/agent/docker.js';
import { DynoMetrics } from '../../../services/agent/metrics/dynos.js';
import { ownerLabels } from '../../../services/agent/spec.js';
import { ServiceMetrics } from '../../../services/core/metrics.js';
import { Store } from '../../../services/core/store.js';
import type { Assignment, Instance } from '../../../services/core/types.js';
import { etcdEndpoints, uniquePrefix } from '../../support/env.js';
import { agentSettings, assignmentOf, docker, log, forgetCluster, uniqueCluster, waitFor } from './support.js';

// Per-dyno metrics against the real etcd and Docker: the agent runs a dyno
// (the run stack, its labels as the agent puts them) that allocates memory,
// burns CPU and sends and receives bytes when asked, and the agent's GET
// /metrics text (metrics/dynos.ts, from the kernel) is checked against what
// it was asked to do and against Docker's own figures (`docker stats`): its
// working set grows by what it allocated, its CPU seconds by what it burnt,
// its limit is its size's, its network counters grow by what went through.
// Then its life: frozen asleep it keeps its memory series; killed and
// restarted by the agent its restarts counter is 1; stopped asleep it has only
// its restarts; removed it has no series at all.

const cluster = uniqueCluster();
const hostId = `host-${cluster}`;
const ID = 'gauge.web.1.v1';
const NAME = `${cluster}-${ID}`;
const MB = 1024 * 1024;
let store: Store;
let agent: RunningAgent | undefined;
let metrics: ServiceMetrics;

// A web dyno that, on request, keeps `mb` MB (filled: resident), spins for `ms` ms of CPU, and answers `bytes` bytes.
const SCRIPT = `
const keep = [];
require('http').createServer((q, s) => {
  let n = 0;
  q.on('data', (c) => (n += c.length));
  q.on('end', () => {
    const u = new URL(q.url, 'http://x');
    const p = (k) => Number(u.searchParams.get(k) || 0);
    if (p('mb')) keep.push(Buffer.alloc(p('mb') * 1048576, 1));
    const t0 = process.cpuUsage();
    const used = () => { const u = process.cpuUsage(t0); return (u.user + u.system) / 1000; };
    while (used() < p('ms'));
    s.end(p('bytes') ? Buffer.alloc(p('bytes'), 120) : 'got ' + n);
  });
}).listen(process.env.PORT);`;

const assignment = (over: Partial<Assignment> = {}) =>
  assignmentOf(hostId, ID, { command: 'node -e "$SCRIPT"', env: { SCRIPT }, memoryMb: 256, ...over });
const put = (a: Assignment) => store.put(store.keys.assignment(hostId, a.id), a);
const inState = (state: Instance['state']) =>
  waitFor(`instance ${state}`, async () => {
    const i = await store.get<Instance>(store.keys.instance('gauge', ID));
    return i?.state === state ? i : undefined;
  });

/** This dyno's series in a scrape: `family{...interface}` -> value. */
async function scrape(): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const line of (await metrics.text()).split('\n')) {
    const m = /^(\w+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!m || !m[2]?.includes(`name="${NAME}"`)) continue;
    expect(m[2]).toContain(`app="gauge",process_type="web",dyno="web.1",release="1",name="${NAME}",host="${hostId}"`);
    const iface = /interface="([^"]+)"/.exec(m[2])?.[1];
    out.set(iface ? `${m[1]}:${iface}` : (m[1] as string), Number(m[3]));
  }
  return out;
}
const get = (s: Map<string, number>, name: string) => {
  const v = s.get(name);
  if (v === undefined) throw new Error(`no ${name} in ${JSON.stringify([...s])}`);
  return v;
};
const ask = async (bridge: string, query: string, body?: string) => {
  const res = await fetch(`http://${bridge}/?${query}`, { method: 'POST', ...(body && { body }) });
  await res.arrayBuffer();
  expect(res.status).toBe(200);
};
const stats = async (id: string) =>
  (await docker.getContainer(id).stats({ stream: false })) as ContainerStats & {
    memory_stats: { usage: number; limit: number; stats: Record<string, number> };
    networks: Record<string, { rx_bytes: number; tx_bytes: number }>;
  };

beforeAll(() => {
  store = Store.connect(etcdEndpoints(), uniquePrefix('agent-metrics'));
  const runtime = new DockerRuntime(new Docker());
  agent = startAgent({ store, runtime, log, config: agentSettings(cluster, hostId, { frozenMb: 512 }) });
  metrics = new ServiceMetrics('agent');
  const running = agent;
  new DynoMetrics({
    runtime,
    labels: ownerLabels({ cluster, hostId }),
    hostId,
    restarts: () => running.restarts(),
    log,
    maxAgeMs: 0,
  }).register(metrics);
});

afterAll(async () => {
  await agent?.stop();
  await forgetCluster(cluster);
  await store.deletePrefix(`${store.keys.prefix}/`);
  store.close();
});

describe('agent: per-dyno metrics', () => {
  it("exports a dyno's memory, CPU, limit and network as the kernel and Docker count them", async () => {
    await put(assignment());
    const up = await inState('up');
    const bridge = up.bridge ?? '';
    expect(bridge).toMatch(/:5000$/);
    const before = await waitFor('its series', async () => {
      const s = await scrape();
      return s.has('container_memory_working_set_bytes') && s.has('container_network_receive_bytes_total:eth0')
        ? s
        : undefined;
    });
    expect(get(before, 'container_spec_memory_limit_bytes')).toBe(256 * MB);
    expect(get(before, 'kube_pod_container_status_restarts_total')).toBe(0);

    await ask(bridge, 'mb=64');
    const allocated = await scrape();
    const grown =
      get(allocated, 'container_memory_working_set_bytes') - get(before, 'container_memory_working_set_bytes');
    expect(grown / MB).toBeGreaterThan(64 * 0.9);
    expect(grown / MB).toBeLessThan(64 * 1.15);
    expect(get(allocated, 'container_memory_usage_bytes')).toBeGreaterThanOrEqual(
      get(allocated, 'container_memory_working_set_bytes'),
    );

    await ask(bridge, 'ms=600');
    const burnt = await scrape();
    const cpu = get(burnt, 'container_cpu_usage_seconds_total') - get(allocated, 'container_cpu_usage_seconds_total');
    expect(cpu).toBeGreaterThanOrEqual(0.6);
    expect(cpu).toBeLessThan(1.2);

    await ask(bridge, `bytes=${MB}`, 'a'.repeat(2 * MB));
    const sent = await scrape();
    const rx =
      get(sent, 'container_network_receive_bytes_total:eth0') -
      get(burnt, 'container_network_receive_bytes_total:eth0');
    const tx =
      get(sent, 'container_network_transmit_bytes_total:eth0') -
      get(burnt, 'container_network_transmit_bytes_total:eth0');
    expect(rx).toBeGreaterThanOrEqual(2 * MB);
    expect(rx).toBeLessThan(2.2 * MB);
    expect(tx).toBeGreaterThanOrEqual(MB);
    expect(tx).toBeLessThan(1.2 * MB);

    // Docker's own figures for the same container, the dyno idle meanwhile.
    const d = await stats(up.containerId);
    const ours = await scrape();
    const dockerWorkingSet =
      d.memory_stats.usage - (d.memory_stats.stats.total_inactive_file ?? d.memory_stats.stats.inactive_file ?? 0);
    expect(Math.abs(get(ours, 'container_memory_working_set_bytes') - dockerWorkingSet)).toBeLessThan(2 * MB);
    expect(get(ours, 'container_spec_memory_limit_bytes')).toBe(d.memory_stats.limit);
    const dockerCpu = (d.cpu_stats?.cpu_usage?.total_usage ?? 0) / 1e9;
    expect(Math.abs(get(ours, 'container_cpu_usage_seconds_total') - dockerCpu)).toBeLessThan(0.1);
    const eth0 = d.networks.eth0;
    expect(Math.abs(get(ours, 'container_network_receive_bytes_total:eth0') - (eth0?.rx_bytes ?? 0))).toBeLessThan(
      10_000,
    );
    expect(Math.abs(get(ours, 'container_network_transmit_bytes_total:eth0') - (eth0?.tx_bytes ?? 0))).toBeLessThan(
      10_000,
    );
  });

  it('a frozen dyno keeps its memory series and its CPU stands still', async () => {
    const held = get(await scrape(), 'container_memory_working_set_bytes');
    await put(assignment({ parked: true }));
    const asleep = await inState('sleeping');
    expect((await docker.getContainer(asleep.containerId).inspect()).State.Paused).toBe(true);
    const a = await scrape();
    expect(get(a, 'container_memory_working_set_bytes') / MB).toBeGreaterThan((held / MB) * 0.9);
    await new Promise((r) => setTimeout(r, 1000));
    const b = await scrape();
    expect(get(b, 'container_cpu_usage_seconds_total')).toBe(get(a, 'container_cpu_usage_seconds_total'));
    expect(get(b, 'kube_pod_container_status_restarts_total')).toBe(0);
  });

  it('counts a restart, and a stopped dyno has its restarts only; a removed one has no series', async () => {
    await put(assignment());
    const up = await inState('up');
    await docker.getContainer(up.containerId).kill();
    await waitFor('a restart counted', async () => {
      const s = await scrape();
      return s.get('kube_pod_container_status_restarts_total') === 1 && s.has('container_cpu_usage_seconds_total')
        ? s
        : undefined;
    });
    expect((await inState('up')).restarts).toBe(1);

    await put(assignment({ parked: true, cold: true }));
    const asleep = await inState('sleeping');
    expect((await docker.getContainer(asleep.containerId).inspect()).State.Status).toBe('exited');
    expect([...(await scrape())]).toEqual([['kube_pod_container_status_restarts_total', 1]]);

    await store.delete(store.keys.assignment(hostId, ID));
    await waitFor('its container removed', async () => {
      const cs = await docker.listContainers({ all: true, filters: { label: [`paas.cluster=${cluster}`] } });
      return cs.length === 0 ? true : undefined;
    });
    expect((await scrape()).size).toBe(0);
    expect(await metrics.text()).toContain('# TYPE container_memory_working_set_bytes gauge');
  });
});
