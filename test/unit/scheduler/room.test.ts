import { describe, expect, it } from 'vitest';
import type { AppInput, PlanInput } from '../../../services/scheduler/model.js';
import { plan } from '../../../services/scheduler/plan.js';
import { appsToSleepForRoom } from '../../../services/scheduler/room.js';
import { snapshotOf } from '../../../services/scheduler/plan.js';
import { applied, report, settle, SETTINGS } from './steps.js';

// Room on a full host (room.ts): a wake that finds no host with room puts the
// longest-idle apps that can sleep to sleep, as few as it takes; they are
// parked after the drain delay and the wake is placed on the pass after.

const T0 = Date.parse('2025-01-01T00:00:00Z');
const MIN = 60_000;
const NOW = T0 + 40 * MIN;

function app(name: string, opts: Partial<AppInput> = {}): AppInput {
  return {
    name,
    release: {
      version: 1,
      image: `paas/app-${name}:1`,
      config: {},
      processTypes: { web: 'node server.js', worker: 'node worker.js' },
      createdAt: new Date(T0).toISOString(),
    },
    formation: { web: { quantity: 1, size: 'eco' } },
    autosleepS: 60 * 60,
    ...opts,
  };
}

/**
 * A host with room for three eco dynos (256 MB each), held by the awake apps `others` (each up and routed), and `shop`
 * asleep (its container parked, holding no room), at NOW.
 */
function fullHost(others: AppInput[], over: Partial<PlanInput> = {}): PlanInput {
  // asleep since just after its release, which had succeeded
  const shop = app('shop', {
    sleepRequestedAt: T0 + 1,
    status: { status: 'succeeded', at: new Date(T0).toISOString() },
  });
  let i: PlanInput = {
    ...SETTINGS,
    now: T0,
    drainMs: 2000,
    makeRoomIdleMs: MIN,
    apps: [shop, ...others.map((o) => ({ ...o, activityAt: undefined }))],
    hosts: [{ id: 'h1', memoryMb: 768, cpus: 8 }],
    assignments: [],
    instances: [],
    routes: [],
    ...over,
  };
  i = settle(i);
  i = report(
    i,
    i.assignments.map((a) => a.id),
    'up',
    { startedAt: new Date(T0).toISOString() },
  );
  i = settle(i);
  return { ...i, now: NOW, apps: [shop, ...others] };
}

const woken = (i: PlanInput): PlanInput => ({
  ...i,
  apps: i.apps.map((a) => (a.name === 'shop' ? { ...a, activityAt: i.now, wokenAt: i.now } : a)),
});
const routeOf = (i: PlanInput, name: string) => i.routes.find((r) => r.app === name);

describe('plan: room for a wake on a full host', () => {
  it('puts the longest-idle app to sleep, parks it after the drain, then places the wake', () => {
    const others = [
      app('a', { activityAt: NOW - 10 * MIN }),
      app('b', { activityAt: NOW - 20 * MIN }),
      app('c', { activityAt: NOW - 30_000 }), // idle 30 s: not long enough
    ];
    let i = woken(fullHost(others));
    expect(i.assignments.filter((a) => !a.parked).map((a) => a.app)).toEqual(['a', 'b', 'c']);
    const p1 = plan(i);
    expect(p1.asleepForRoom).toEqual(['b']);
    expect(p1.routes.find((r) => r.app === 'b')).toMatchObject({ dynos: [], state: 'sleeping' });
    expect(p1.routes.find((r) => r.app === 'shop')).toMatchObject({ dynos: [], state: 'waking' });
    expect(p1.put).toEqual([]); // b's request in flight finishes: parked after the drain delay
    i = applied(i, p1);
    // while b's container is being parked, nobody else is put to sleep
    const p2 = plan({ ...i, now: NOW + 1000 });
    expect(p2.asleepForRoom).toBeUndefined();
    expect(p2.put).toEqual([]);
    i = applied({ ...i, now: NOW + 2000 }, plan({ ...i, now: NOW + 2000 }));
    expect(i.assignments.find((a) => a.app === 'b')).toMatchObject({ parked: true });
    const p3 = plan(i);
    expect(p3.put).toMatchObject([{ id: 'shop.web.1.v1', host: 'h1' }]);
    expect(p3.put[0]!.parked).toBeUndefined();
    i = applied(i, p3);
    // b stays asleep until its next request
    expect(routeOf(i, 'b')).toMatchObject({ state: 'sleeping' });
    expect(plan({ ...i, now: NOW + 10 * MIN }).routes.find((r) => r.app === 'b')).toBeUndefined();
  });

  it('plans the apps it puts to sleep also when the pass plans only the waking one', () => {
    const others = [app('a', { activityAt: NOW - 10 * MIN }), app('b', { activityAt: NOW - 20 * MIN })];
    const i = woken(fullHost([...others, app('c', { activityAt: NOW - 5 * MIN })]));
    const p = plan({ ...i, only: new Set(['shop']) });
    expect(p.asleepForRoom).toEqual(['b']);
    expect(p.routes.map((r) => r.app).sort()).toEqual(['b', 'shop']);
  });

  it('puts nobody to sleep for apps that cannot sleep, nor when it is turned off', () => {
    const never = [
      app('a', { activityAt: NOW - 30 * MIN, autosleepS: 0 }),
      app('b', { activityAt: NOW - 30 * MIN, autosleepS: 0 }),
      app('c', { activityAt: NOW - 30 * MIN, autosleepS: 0 }),
    ];
    const p = plan(woken(fullHost(never)));
    expect(p.asleepForRoom).toBeUndefined();
    expect(p.routes.find((r) => r.app === 'shop')).toMatchObject({ state: 'waking' });
    const idle = ['a', 'b', 'c'].map((n) => app(n, { activityAt: NOW - 30 * MIN }));
    expect(plan({ ...woken(fullHost(idle)), makeRoomIdleMs: 0 }).asleepForRoom).toBeUndefined();
    expect(plan({ ...woken(fullHost(idle)), makeRoomIdleMs: undefined }).asleepForRoom).toBeUndefined();
  });

  it('counts an app falling asleep by its own idle clock as room freeing: nobody else is put to sleep', () => {
    const others = ['a', 'b'].map((n) => app(n, { activityAt: NOW - 30 * MIN }));
    const i = woken(fullHost([...others, app('c', { activityAt: NOW - 50_000, autosleepS: 45 })]));
    const p = plan(i);
    expect(p.asleepForRoom).toBeUndefined();
    expect(p.routes.find((r) => r.app === 'c')).toMatchObject({ state: 'sleeping' });
    let j = applied(i, p);
    j = applied({ ...j, now: NOW + 2000 }, plan({ ...j, now: NOW + 2000 }));
    expect(plan(j).put).toMatchObject([{ id: 'shop.web.1.v1', host: 'h1' }]);
  });
});

describe('appsToSleepForRoom', () => {
  it('puts none to sleep when even all of them asleep would not make room', () => {
    const others = ['a', 'b', 'c'].map((n) => app(n, { activityAt: NOW - 30 * MIN }));
    const i = fullHost(others);
    const s = snapshotOf(i);
    const huge = { app: 'big', type: 'web', memoryMb: 4096, cpuShares: 1024 };
    expect(appsToSleepForRoom([huge], new Set(['big']), i, s, MIN)).toEqual([]);
    const eco = { app: 'shop', type: 'web', memoryMb: 256, cpuShares: 256 };
    expect(appsToSleepForRoom([eco, eco], new Set(['shop']), i, s, MIN)).toEqual(['a', 'b']);
    // not the waiting app itself, nor one whose only container runs on while it sleeps
    expect(appsToSleepForRoom([eco], new Set(['shop', 'a']), i, s, MIN)).toEqual(['b']);
  });

  it('frees no room with the containers of types kept awake', () => {
    const worker = app('w', {
      activityAt: NOW - 30 * MIN,
      formation: { web: { quantity: 0, size: 'eco' }, worker: { quantity: 1, size: 'eco' } },
    });
    const i = fullHost([worker, app('a', { activityAt: NOW - 30 * MIN }), app('b', { activityAt: NOW - 30 * MIN })]);
    const eco = { app: 'shop', type: 'web', memoryMb: 256, cpuShares: 256 };
    // w has web=0: it cannot sleep, so its worker holds its room
    expect(appsToSleepForRoom([eco, eco, eco], new Set(['shop']), i, snapshotOf(i), MIN)).toEqual(['a', 'b']);
    const kept = { ...app('k', { activityAt: NOW - 30 * MIN, keepAwake: ['worker'] }) };
    kept.formation = { web: { quantity: 1, size: 'eco' }, worker: { quantity: 1, size: 'eco' } };
    const j = fullHost([kept, app('a', { activityAt: NOW - 10 * MIN })], {
      hosts: [{ id: 'h1', memoryMb: 768, cpus: 8 }],
    });
    expect(j.assignments.filter((a) => !a.parked).map((a) => a.id)).toEqual([
      'a.web.1.v1',
      'k.web.1.v1',
      'k.worker.1.v1',
    ]);
    // k asleep frees its web (256 MB) only: with a asleep too, two eco fit, never three
    expect(appsToSleepForRoom([eco, eco], new Set(['shop']), j, snapshotOf(j), MIN)).toEqual(['k', 'a']);
    expect(appsToSleepForRoom([eco], new Set(['shop']), j, snapshotOf(j), MIN)).toEqual(['k']);
  });
});

describe('plan: a wake that finds no room within the hold', () => {
  const never = () => ['a', 'b', 'c'].map((n) => app(n, { activityAt: NOW - 30 * MIN, autosleepS: 0 }));

  it('puts the app back to sleep once no request has waited for it for the hold time', () => {
    let i: PlanInput = { ...woken(fullHost(never())), wakeWaitMs: 30_000 };
    const p1 = plan(i);
    expect(p1.routes.find((r) => r.app === 'shop')).toMatchObject({ state: 'waking' });
    i = applied(i, p1);
    const p2 = plan({ ...i, now: NOW + 1000 });
    expect(p2.routes).toEqual([]);
    expect(p2.recheckOf?.get('shop')).toBe(29_000);
    const p3 = plan({ ...i, now: NOW + 30_000 });
    expect(p3.routes).toMatchObject([{ app: 'shop', state: 'sleeping', since: new Date(NOW + 30_000).toISOString() }]);
    i = applied({ ...i, now: NOW + 30_000 }, p3);
    expect(plan({ ...i, now: NOW + 60_000 }).routes).toEqual([]); // asleep until the next request
    // a request held since (the router's activity) keeps it waiting for the hold from then
    const waiting = applied({ ...woken(fullHost(never())), wakeWaitMs: 30_000 }, p1);
    const later = waiting.apps.map((x) => (x.name === 'shop' ? { ...x, activityAt: NOW + 20_000 } : x));
    const p4 = plan({ ...waiting, now: NOW + 40_000, apps: later });
    expect(p4.routes).toEqual([]);
    expect(p4.recheckOf?.get('shop')).toBe(10_000);
  });

  it('never gives up a wake whose container is placed (a slow boot), nor waits with the setting off', () => {
    let i: PlanInput = {
      ...woken(fullHost(never(), { hosts: [{ id: 'h1', memoryMb: 1024, cpus: 8 }] })),
      wakeWaitMs: 30_000,
    };
    i = applied(i, plan(i)); // placed: room for a fourth
    expect(i.assignments.find((a) => a.app === 'shop')?.parked).toBeUndefined();
    i = applied(i, plan(i));
    expect(i.routes.find((r) => r.app === 'shop')).toMatchObject({ state: 'waking' });
    expect(plan({ ...i, now: NOW + 60_000 }).routes.filter((r) => r.state === 'sleeping')).toEqual([]);
    const off = applied(woken(fullHost(never())), plan(woken(fullHost(never()))));
    expect(plan({ ...off, now: NOW + 60_000 }).routes).toEqual([]);
  });
});
