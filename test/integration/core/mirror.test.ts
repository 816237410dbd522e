import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../../services/core/store.js';
import { etcdEndpoints, uniquePrefix } from '../../support/env.js';

// The Mirror against the real etcd: what is there at start, then every put
// and delete under its prefixes (and nothing outside them), in order; the
// revision it is at, so a writer can wait for its own write to come back.

let store: Store;
beforeAll(() => {
  store = Store.connect(etcdEndpoints(), uniquePrefix('mirror'));
});
afterAll(async () => {
  await store.deletePrefix(`${store.keys.prefix}/`);
  store.close();
});

describe('Mirror', () => {
  it('copies the prefixes, follows puts and deletes, and catches up with a commit', async () => {
    const k = store.keys;
    await store.put(k.route('a'), { app: 'a', n: 1 });
    await store.put(k.route('b'), { app: 'b', n: 1 });
    await store.put(k.app('x'), { name: 'x' }); // not mirrored
    let changes = 0;
    const m = await store.mirror([k.routes(), k.wakes()], () => changes++);
    try {
      expect(m.list(k.routes())).toEqual([
        { app: 'a', n: 1 },
        { app: 'b', n: 1 },
      ]);
      expect(m.get(k.app('x'))).toBeUndefined();

      const at = await store.commitAt(
        [{ key: k.route('a'), exists: true }],
        [
          { put: k.route('a'), value: { app: 'a', n: 2 } },
          { delete: k.route('b') },
          { put: k.wake('a'), value: { app: 'a' } },
          { put: k.app('y'), value: { name: 'y' } },
        ],
      );
      expect(at).toBeDefined();
      expect(await m.caughtUp(at as bigint)).toBe(true);
      expect(m.revision).toBeGreaterThanOrEqual(at as bigint);
      expect(m.entries(k.routes())).toEqual([[k.route('a'), { app: 'a', n: 2 }]]);
      expect(m.get(k.wake('a'))).toEqual({ app: 'a' });
      expect(m.get(k.app('y'))).toBeUndefined();
      expect([...m.takeChanged()].sort()).toEqual([k.route('a'), k.route('b'), k.wake('a')].sort());
      expect(m.takeChanged().size).toBe(0);
      await new Promise((r) => setTimeout(r, 20));
      expect(changes).toBeGreaterThanOrEqual(2); // once loaded, once after the commit
      expect(await m.caughtUp((at as bigint) + 1000n, 100)).toBe(false);
    } finally {
      await m.close();
    }
  });
});

describe('Store: large answers', () => {
  it('reads a prefix whose values are more than gRPC takes by default (4 MiB)', async () => {
    const k = store.keys;
    const big = 'x'.repeat(900 * 1024);
    for (let i = 0; i < 6; i++) await store.put(k.route(`big${i}`), { app: `big${i}`, big });
    const all = await store.list<{ app: string }>(k.routes());
    expect(all.filter((r) => r.app.startsWith('big'))).toHaveLength(6);
    const m = await store.mirror([k.routes()], () => undefined);
    try {
      expect(m.list<{ app: string }>(k.routes()).filter((r) => r.app.startsWith('big'))).toHaveLength(6);
    } finally {
      await m.close();
    }
  });
});
