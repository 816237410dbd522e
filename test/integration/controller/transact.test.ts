import { afterAll, describe, expect, it } from 'vitest';
import { PaasError } from '../../../services/core/errors.js';
import { Store } from '../../../services/core/store.js';
import { etcdEndpoints, uniquePrefix } from '../../support/env.js';

// Store.transact, the compare-and-swap loop every controller write goes
// through, against the real etcd under a prefix of its own.

const prefix = uniquePrefix('transact');
const store = Store.connect(etcdEndpoints(), prefix);
const key = (name: string) => `${prefix}/${name}`;

afterAll(async () => {
  await store.etcd.delete().prefix(prefix + '/');
  store.close();
});

describe('Store.transact', () => {
  it('retries a lost race against the value that won it', async () => {
    const k = key('counter');
    await store.put(k, 1);
    let attempts = 0;
    let conflicts = 0;
    const result = await store.transact(
      async (tx) => {
        const cur = (await tx.read<number>(k)) ?? 0;
        if (++attempts === 1) await store.put(k, 10); // a concurrent writer wins the first round
        return tx.put(k, cur + 1);
      },
      { conflict: 'too many', onConflict: async () => void conflicts++ },
    );
    expect({ result, attempts, conflicts, stored: await store.get<number>(k) }).toEqual({
      result: 11,
      attempts: 2,
      conflicts: 1,
      stored: 11,
    });
  });

  it('writes nothing when the attempt records no write', async () => {
    const k = key('untouched');
    await store.put(k, { a: 1 });
    const before = await store.getVersioned(k);
    const out = await store.transact(async (tx) => (await tx.read<{ a: number }>(k))?.a, { conflict: 'too many' });
    expect(out).toBe(1);
    expect(await store.getVersioned(k)).toEqual(before);
    expect(await store.transact(async (tx) => tx.read(key('absent')), { conflict: 'too many' })).toBeUndefined();
    expect(await store.get(key('absent'))).toBeUndefined();
  });

  it('creates a missing key once under concurrent creators', async () => {
    const k = key('once');
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        store.transact(async (tx) => ((await tx.read<number>(k)) === undefined ? `created ${tx.put(k, i)}` : 'found'), {
          conflict: 'too many',
        }),
      ),
    );
    const created = outcomes.filter((o) => o.startsWith('created'));
    expect(created).toHaveLength(1);
    expect(created[0]).toBe(`created ${await store.get<number>(k)}`);
    expect((await store.etcd.get(k).exec()).kvs[0]?.version).toBe('1'); // written once, never overwritten
  });

  it('honours further compares, and gives up with a conflict after the attempts', async () => {
    const k = key('guarded');
    let attempts = 0;
    const err = await store
      .transact(
        (tx) => {
          attempts++;
          tx.require({ key: key('must-exist'), exists: true });
          tx.put(k, 'x');
        },
        { conflict: 'Too many concurrent changes; try again', attempts: 3 },
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PaasError);
    expect(err).toMatchObject({ code: 'conflict', message: 'Too many concurrent changes; try again' });
    expect(attempts).toBe(3);
    expect(await store.get(k)).toBeUndefined();
  });

  it('stops at once when onConflict throws', async () => {
    let attempts = 0;
    const gone = new PaasError('not_found', 'gone');
    const err = await store
      .transact(
        (tx) => {
          attempts++;
          tx.require({ key: key('must-exist'), exists: true });
          tx.put(key('never'), 1);
        },
        {
          conflict: 'too many',
          onConflict: async () => {
            throw gone;
          },
        },
      )
      .catch((e: unknown) => e);
    expect({ err, attempts }).toEqual({ err: gone, attempts: 1 });
  });
});
