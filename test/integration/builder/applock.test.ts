import { afterAll, describe, expect, it } from 'vitest';
import { EtcdAppLocks, LOCK_TTL_S, type BuildLockRecord } from '../../../services/builder/build/applock.js';
import { createLogger } from '../../../services/core/logger.js';
import { Store } from '../../../services/core/store.js';
import { etcdEndpoints, uniquePrefix } from '../../support/env.js';

// Builds of one app across two builders (services/builder/build/applock.ts) on
// the real etcd: one at a time, the second told who holds the lock; other apps
// in parallel; a builder that dies (its lease revoked without releasing) frees
// the app within the lease's TTL.

const store = Store.connect(etcdEndpoints(), uniquePrefix('applock'));
const log = createLogger('applock-test', 'silent');
const one = new EtcdAppLocks(store, 'builder-1', log);
const two = new EtcdAppLocks(store, 'builder-2', log);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterAll(async () => {
  await one.close();
  await two.close();
  await store.deletePrefix(store.keys.prefix + '/');
  store.close();
});

describe('build locks across builders', () => {
  it('runs builds of one app one after the other, the waiting one told who builds', async () => {
    const events: string[] = [];
    const waits: BuildLockRecord[] = [];
    let release!: () => void;
    const first = one.run('shop', 'b1', async () => {
      events.push('b1 start');
      await new Promise<void>((r) => (release = r));
      events.push('b1 end');
    });
    await sleep(200);
    expect(await two.activeBuilds()).toEqual(new Set(['b1']));
    const second = two.run(
      'shop',
      'b2',
      async () => {
        events.push('b2 start');
      },
      { onWait: (h) => waits.push(h) },
    );
    await sleep(800);
    expect(events).toEqual(['b1 start']);
    expect(waits).toEqual([expect.objectContaining({ builder: 'builder-1', build: 'b1' })]);
    release();
    await Promise.all([first, second]);
    expect(events).toEqual(['b1 start', 'b1 end', 'b2 start']);
    expect(await one.activeBuilds()).toEqual(new Set());
  });

  it('builds other apps at the same time', async () => {
    const running: string[] = [];
    let both = false;
    const job = (name: string) => async () => {
      running.push(name);
      await sleep(300);
      both ||= running.length === 2;
    };
    await Promise.all([one.run('a1', 'x1', job('a1')), two.run('a2', 'x2', job('a2'))]);
    expect(both).toBe(true);
  });

  it('frees the app when the holder’s lease goes (a dead builder), and a waiting push may give up', async () => {
    const dead = new EtcdAppLocks(store, 'builder-dead', log);
    let started = false;
    void dead.run('cart', 'd1', () => new Promise(() => undefined)); // never ends
    await sleep(300);
    const gaveUp = new AbortController();
    const abandoned = two.run('cart', 'g1', async () => undefined, { signal: gaveUp.signal });
    gaveUp.abort();
    await expect(abandoned).rejects.toThrow(/went away/);
    const t0 = Date.now();
    await dead.close(); // revokes the lease, as its expiry would LOCK_TTL_S after a kill -9
    await one.run('cart', 'c1', async () => {
      started = true;
    });
    expect(started).toBe(true);
    expect(Date.now() - t0).toBeLessThan(LOCK_TTL_S * 1000);
  });
});
