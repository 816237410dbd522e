import { describe, expect, it } from 'vitest';
import { dynoLabels, escapeLabel, FAMILIES, renderDynoMetrics } from '../../../services/agent/metrics/render.js';
import { containerSpec } from '../../../services/agent/spec.js';
import type { Assignment } from '../../../services/core/types.js';

const assignment: Assignment = {
  id: 'shop.web.2.v7',
  host: 'h1',
  app: 'shop',
  release: 7,
  type: 'web',
  index: 2,
  image: 'paas/app-shop:v7',
  command: 'npm start',
  env: {},
  port: 5000,
  memoryMb: 256,
  cpuShares: 512,
  createdAt: '2026-12-07T00:00:00.000Z',
};
const spec = containerSpec(assignment, { cluster: 'paas', hostId: 'h1', hostAddress: '127.0.0.1', pidsLimit: 256 });
const web = { id: 'abc123abc123def', name: spec.name, labels: spec.Labels };

describe('dynoLabels', () => {
  it('names the app, process type, dyno, release, container and host from the labels the agent puts', () => {
    expect(dynoLabels(web, 'h1')).toEqual({
      app: 'shop',
      process_type: 'web',
      dyno: 'web.2',
      release: '7',
      name: 'paas-shop.web.2.v7',
      host: 'h1',
    });
  });

  it("names a one-off's dyno, and falls back to the short id without a name", () => {
    const run = containerSpec(
      { ...assignment, id: 'shop.run.4821.v7', type: 'run', index: 4821, oneOff: true },
      { cluster: 'paas', hostId: 'h1', hostAddress: '127.0.0.1', pidsLimit: 256 },
    );
    expect(dynoLabels({ id: 'abc123abc123def', labels: run.Labels }, 'h1')).toMatchObject({
      dyno: 'run.4821',
      process_type: 'run',
      name: 'abc123abc123',
    });
  });
});

describe('renderDynoMetrics', () => {
  it("writes cAdvisor's families with their types; a stopped dyno has its restarts only", () => {
    const text = renderDynoMetrics([
      {
        labels: dynoLabels(web, 'h1'),
        restarts: 2,
        figures: {
          cpuSeconds: 12.5,
          memory: { usageBytes: 100 * 2 ** 20, workingSetBytes: 80 * 2 ** 20, limitBytes: 256 * 2 ** 20 },
          net: new Map([['eth0', { rxBytes: 1000, txBytes: 2000 }]]),
        },
      },
      { labels: { ...dynoLabels(web, 'h1'), dyno: 'web.1', name: 'paas-shop.web.1.v7' }, restarts: 0 },
    ]);
    const l = 'app="shop",process_type="web",dyno="web.2",release="7",name="paas-shop.web.2.v7",host="h1"';
    const lines = text.split('\n');
    for (const line of [
      '# TYPE container_cpu_usage_seconds_total counter',
      `container_cpu_usage_seconds_total{${l}} 12.5`,
      '# TYPE container_memory_working_set_bytes gauge',
      `container_memory_working_set_bytes{${l}} 83886080`,
      `container_memory_usage_bytes{${l}} 104857600`,
      `container_spec_memory_limit_bytes{${l}} 268435456`,
      '# TYPE container_network_receive_bytes_total counter',
      `container_network_receive_bytes_total{${l},interface="eth0"} 1000`,
      `container_network_transmit_bytes_total{${l},interface="eth0"} 2000`,
      '# TYPE kube_pod_container_status_restarts_total counter',
      `kube_pod_container_status_restarts_total{${l}} 2`,
    ])
      expect(lines).toContain(line);
    const stopped = lines.filter((x) => x.includes('dyno="web.1"'));
    expect(stopped).toEqual([
      'kube_pod_container_status_restarts_total{app="shop",process_type="web",dyno="web.1",release="7",name="paas-shop.web.1.v7",host="h1"} 0',
    ]);
    // web.1 sorts before web.2 by name
    const restarts = lines.filter((x) => x.startsWith('kube_pod_container_status_restarts_total{'));
    expect(restarts[0]).toContain('web.1');
  });

  it('writes every family with no dyno, and escapes label values', () => {
    const empty = renderDynoMetrics([]);
    for (const f of FAMILIES) expect(empty).toContain(`# TYPE ${f.name} ${f.type}\n`);
    expect(empty.split('\n').filter((x) => x && !x.startsWith('#'))).toEqual([]);
    expect(escapeLabel('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
  });
});
