import { describe, expect, it } from 'vitest';
import { EtcdRoundTrips, etcdRoundTrips } from '../../../services/core/etcdmetrics.js';
import { ServiceMetrics } from '../../../services/core/metrics.js';
import { Store } from '../../../services/core/store.js';

// The count and time of a service's requests to etcd, and how a service's
// Store and its registry meet (the requests themselves: the integration tier's
// core/etcdmetrics.test.ts, against the real etcd).

async function value(rt: EtcdRoundTrips, labels: { operation: string; result: string }): Promise<number> {
  const got = (await rt.requests.get()).values.find(
    (v) => v.labels.operation === labels.operation && v.labels.result === labels.result,
  );
  return got?.value ?? 0;
}

describe('EtcdRoundTrips', () => {
  it('counts each request by operation and result, and times it', async () => {
    const rt = new EtcdRoundTrips('unit_a');
    expect(await rt.time('get', async () => 'v')).toBe('v');
    // a thenable (etcd3's builders are) is awaited as a promise
    expect(await rt.time('put', () => ({ then: (ok: (v: number) => void) => ok(7) }) as PromiseLike<number>)).toBe(7);
    await expect(rt.time('txn', () => Promise.reject(new Error('unavailable')))).rejects.toThrow('unavailable');
    rt.record('lease_keepalive', true, 0.002);
    expect(await value(rt, { operation: 'get', result: 'ok' })).toBe(1);
    expect(await value(rt, { operation: 'put', result: 'ok' })).toBe(1);
    expect(await value(rt, { operation: 'txn', result: 'error' })).toBe(1);
    expect(await value(rt, { operation: 'lease_keepalive', result: 'ok' })).toBe(1);
    const counts = (await rt.duration.get()).values.filter((v) => v.metricName?.endsWith('_count'));
    expect(Object.fromEntries(counts.map((c) => [c.labels.operation, c.value]))).toEqual({
      get: 1,
      put: 1,
      txn: 1,
      lease_keepalive: 1,
    });
  });

  it("is one per service in the process, exported by that service's registry only", async () => {
    expect(etcdRoundTrips('agent')).toBe(etcdRoundTrips('agent'));
    const before = await value(etcdRoundTrips('agent'), { operation: 'range', result: 'ok' });
    await etcdRoundTrips('agent').time('range', async () => []);
    const agent = await new ServiceMetrics('agent').text();
    expect(agent).toContain(`paas_agent_etcd_requests_total{operation="range",result="ok"} ${before + 1}`);
    expect(agent).toMatch(/^paas_agent_etcd_request_duration_seconds_bucket\{le="0.001",operation="range"\} /m);
    const router = await new ServiceMetrics('router').text();
    expect(router).toContain('# TYPE paas_router_etcd_requests_total counter');
    expect(router).not.toContain('paas_agent_etcd');
  });
});

describe('Store.shared', () => {
  it("gives each service a Store of its own over the process's one etcd client, counted as the service's", () => {
    const shares = new Map<string, unknown>();
    const shared = <T>(key: string, make: () => T): T => {
      if (!shares.has(key)) shares.set(key, make());
      return shares.get(key) as T;
    };
    const endpoints = ['http://127.0.0.1:1']; // never reached: the client connects at its first request
    const controller = Store.shared({ service: 'controller', shared }, endpoints, '/p');
    const router = Store.shared({ service: 'router', shared }, endpoints, '/p');
    const plain = Store.shared({ shared }, endpoints, '/p');
    expect(controller.etcd).toBe(router.etcd);
    expect(plain.etcd).toBe(controller.etcd);
    expect(controller.roundTrips).toBe(etcdRoundTrips('controller'));
    expect(router.roundTrips).toBe(etcdRoundTrips('router'));
    expect(plain.roundTrips).toBeUndefined();
    expect(controller.keys.prefix).toBe('/p');
    plain.close();
  });
});
