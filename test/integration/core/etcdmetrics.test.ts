import { afterAll, describe, expect, it } from 'vitest';
import { EtcdRoundTrips } from '../../../services/core/etcdmetrics.js';
import { Store } from '../../../services/core/store.js';
import { etcdEndpoints, uniquePrefix } from '../../support/env.js';

// A service's Store counts and times each request it makes to the real etcd,
// by operation (core/etcdmetrics.ts); one that etcd does not answer counts as
// an error.

const prefix = uniquePrefix('etcdmetrics');
const rt = new EtcdRoundTrips('etcdmetrics_test');
const store = Store.connect(etcdEndpoints(), prefix).countedAs(rt);
const key = (name: string) => `${prefix}/${name}`;

afterAll(async () => {
  await store.deletePrefix(prefix + '/');
  store.close();
});

async function counts(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const v of (await rt.requests.get()).values) out[`${v.labels.operation}/${v.labels.result}`] = v.value;
  return out;
}

describe("a service's Store", () => {
  it('counts every request it makes by operation, and times each', async () => {
    await store.put(key('a'), 1);
    await store.get(key('a'));
    await store.getVersioned(key('a'));
    await store.range(key(''));
    await store.list(key(''));
    await store.commit([{ key: key('b'), absent: true }], [{ put: key('b'), value: 2 }]);
    await store.transact(
      async (tx) => {
        const a = (await tx.read<number>(key('a'))) ?? 0; // a get
        tx.put(key('a'), a + 1);
      },
      { conflict: 'busy' },
    );
    const stop = await store.watchRecords(key(''), {});
    await stop();
    const mirror = await store.mirror([key('')], () => undefined); // one range per prefix, then one watch
    await mirror.close();
    await store.delete(key('b'));
    expect(await counts()).toEqual({
      'put/ok': 1,
      'get/ok': 3,
      'range/ok': 3,
      'txn/ok': 2,
      'watch/ok': 2,
      'delete/ok': 1,
    });
    const timed = (await rt.duration.get()).values.filter((v) => v.metricName?.endsWith('_count'));
    expect(Object.fromEntries(timed.map((v) => [v.labels.operation, v.value]))).toEqual({
      put: 1,
      get: 3,
      range: 3,
      txn: 2,
      watch: 2,
      delete: 1,
    });
  });

  it("counts a lease's grant and keep-alives", async () => {
    const lease = store.lease(1); // a keep-alive every third of a second
    await lease.grant();
    await store.put(key('leased'), 1, lease);
    await new Promise((r) => setTimeout(r, 1200));
    await lease.revoke();
    const c = await counts();
    expect(c['lease_grant/ok']).toBe(1);
    expect(c['lease_keepalive/ok']).toBeGreaterThanOrEqual(2);
    expect(c['put/ok']).toBe(2);
  });

  it('counts a request etcd does not answer as an error', async () => {
    const own = new EtcdRoundTrips('etcdmetrics_down');
    const down = Store.connect(['http://127.0.0.1:1'], prefix).countedAs(own);
    await expect(down.get(key('a'))).rejects.toThrow();
    down.close();
    const v = (await own.requests.get()).values;
    expect(v.map((x) => [x.labels.operation, x.labels.result, x.value])).toEqual([['get', 'error', 1]]);
  });
});
