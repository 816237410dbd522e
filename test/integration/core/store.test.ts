import { afterAll, describe, expect, it } from 'vitest';
import { Store } from '../../../services/core/store.js';
import { etcdEndpoints, uniquePrefix } from '../../support/env.js';

// The Store's reads at a revision, guarded commits and typed watches, against
// the real etcd under a prefix of its own.

const prefix = uniquePrefix('store');
const store = Store.connect(etcdEndpoints(), prefix);
const key = (name: string) => `${prefix}/${name}`;

afterAll(async () => {
  await store.deletePrefix(prefix + '/');
  store.close();
});

describe('Store.range and getVersioned', () => {
  it('read every key under a prefix as it was at a revision', async () => {
    await store.put(key('r/a'), { n: 1 });
    await store.put(key('r/b'), { n: 2 });
    const before = await store.range<{ n: number }>(key('r/'));
    await store.put(key('r/a'), { n: 10 });
    await store.put(key('r/c'), { n: 3 });
    expect(before.entries.map((e) => [e.key, e.value.n])).toEqual([
      [key('r/a'), 1],
      [key('r/b'), 2],
    ]);
    const same = await store.range<{ n: number }>(key('r/'), before.revision);
    expect(same.entries.map((e) => e.value.n)).toEqual([1, 2]);
    expect((await store.getVersioned<{ n: number }>(key('r/a'), before.revision))?.value.n).toBe(1);
    expect((await store.getVersioned<{ n: number }>(key('r/a')))?.value.n).toBe(10);
    expect(await store.getVersioned(key('r/c'), before.revision)).toBeUndefined();
  });
});

describe('Store.commit', () => {
  it('writes only while every guard holds', async () => {
    const k = key('c/one');
    expect(await store.commit([{ key: k, absent: true }], [{ put: k, value: 'first' }])).toBe(true);
    expect(await store.commit([{ key: k, absent: true }], [{ put: k, value: 'second' }])).toBe(false);
    const cur = await store.getVersioned<string>(k);
    expect(cur?.value).toBe('first');
    await store.put(k, 'changed');
    expect(await store.commit([{ key: k, modRevision: cur!.modRevision }], [{ delete: k }])).toBe(false);
    expect(await store.get(k)).toBe('changed');
    expect(
      await store.commit(
        [
          { key: k, createRevision: cur!.createRevision },
          { key: k, exists: true },
        ],
        [{ delete: k }, { put: key('c/two'), value: 2 }],
      ),
    ).toBe(true);
    expect(await store.get(k)).toBeUndefined();
    expect(await store.get(key('c/two'))).toBe(2);
  });

  it('refuses a commit without a guard', async () => {
    await expect(store.commit([], [{ delete: key('c/x') }])).rejects.toThrow(/guard/);
  });
});

describe('Store.watchRecords', () => {
  it('reports puts and deletes with the previous value', async () => {
    const seen: string[] = [];
    const stop = await store.watchRecords<{ v: number }>(key('w/'), {
      put: (k, v, prev, created) => seen.push(`put ${k.slice(-1)} ${v.v} ${prev?.v ?? '-'} ${created}`),
      delete: (k, prev) => seen.push(`delete ${k.slice(-1)} ${prev?.v ?? '-'}`),
    });
    await store.put(key('w/a'), { v: 1 });
    await store.put(key('w/a'), { v: 2 });
    await store.delete(key('w/a'));
    for (let i = 0; i < 50 && seen.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
    await stop();
    expect(seen).toEqual(['put a 1 - true', 'put a 2 1 false', 'delete a 2']);
  });
});
