import { describe, expect, it } from 'vitest';
import { lifetimeSeconds } from '../../../services/core/dynopolicy.js';
import { currentCycle, cycledId, slotOf } from '../../../services/scheduler/lifetime.js';
import { type AppInput, type PlanInput } from '../../../services/scheduler/model.js';
import { plan } from '../../../services/scheduler/plan.js';
import { idleAtLifetime, LIFETIME_IDLE_MS } from '../../../services/scheduler/sleep.js';
import { applied, report, settle, SETTINGS, upstream, upstreamsOf } from './steps.js';

// Lifetime: a dyno that has run its lifetime is replaced blue-green by
// `<id>.c<N+1>`, one per process type at a time, the old one routed until
// the new one is up and drained after.

const T0 = Date.parse('2025-01-01T00:00:00Z');
const MIN = 60_000;

function app(opts: Partial<AppInput> = {}): AppInput {
  return {
    name: 'shop',
    release: { version: 3, image: 'paas/app-shop:3', config: {}, processTypes: { web: 'node server.js' } },
    formation: { web: { quantity: 2, size: 'standard-1x' } },
    lifetimeS: 3600,
    ...opts,
  };
}

function input(over: Partial<PlanInput>): PlanInput {
  return {
    ...SETTINGS,
    now: T0,
    drainMs: 2000,
    apps: [app()],
    hosts: [{ id: 'h1', memoryMb: 8192, cpus: 8 }],
    assignments: [],
    instances: [],
    routes: [],
    ...over,
  };
}

const started = { startedAt: new Date(T0).toISOString() };

/** web=2 up and routed since T0. */
function running(over: Partial<PlanInput> = {}): PlanInput {
  let i = input(over);
  i = applied(i, plan(i));
  i = report(i, ['shop.web.1.v3', 'shop.web.2.v3'], 'up', started);
  i = applied(i, plan(i));
  return applied(i, plan(i));
}

const webIds = (i: PlanInput) => i.assignments.map((a) => a.id).sort();

describe('cycle ids', () => {
  it('reads and makes the cycle suffix', () => {
    expect(slotOf('a.web.1.v3')).toEqual({ root: 'a.web.1.v3', cycle: 0 });
    expect(slotOf('a.web.1.v3.c4')).toEqual({ root: 'a.web.1.v3', cycle: 4 });
    expect(slotOf('a.web.1.v3.g1.c2.standard-2x')).toEqual({ root: 'a.web.1.v3.g1', cycle: 2 });
    expect(currentCycle('a.web.1.v3', ['a.web.1.v3', 'a.web.1.v3.c2.eco', 'a.web.1.v30.c9', 'a.web.2.v3.c5'])).toBe(
      'a.web.1.v3.c2',
    );
    expect(currentCycle('a.web.1.v3', [])).toBe('a.web.1.v3');
    expect(cycledId('a.web.1.v3', 0)).toBe('a.web.1.v3');
    expect(cycledId('a.web.1.v3', 2)).toBe('a.web.1.v3.c2');
  });

  it('gives each dyno 24 h plus its own 0-216 minutes by default, and a set lifetime exactly', () => {
    const a = lifetimeSeconds({}, 'shop.web.1.v3');
    const b = lifetimeSeconds({}, 'shop.web.2.v3');
    for (const x of [a, b]) {
      expect(x).toBeGreaterThanOrEqual(24 * 3600);
      expect(x).toBeLessThan(24 * 3600 + 216 * 60);
    }
    expect(a).not.toBe(b);
    expect(lifetimeSeconds({}, 'shop.web.1.v3')).toBe(a);
    expect(lifetimeSeconds({ lifetimeS: 600 }, 'x')).toBe(600);
    expect(lifetimeSeconds({ lifetimeS: 0 }, 'x')).toBe(0);
  });
});

describe('plan: lifetime', () => {
  it('replaces one dyno at a time, blue-green, and routes the old one until the new one is up', () => {
    let i = running();
    expect(plan({ ...i, now: T0 + 59 * MIN }).put).toEqual([]);
    expect(plan({ ...i, now: T0 + 59 * MIN }).recheckInMs).toBe(MIN);
    i = { ...i, now: T0 + 61 * MIN };
    const p = plan(i);
    expect(p.put.map((a) => [a.id, a.cause])).toEqual([['shop.web.1.v3.c1', 'lifetime']]);
    expect(p.remove).toEqual([]);
    i = applied(i, p);
    expect(plan(i).put).toEqual([]); // web.2 waits: web.1 is being replaced
    const oldUpstreams = upstreamsOf(i.routes[0]);
    expect(oldUpstreams).toHaveLength(2);

    i = report(i, ['shop.web.1.v3.c1'], 'up', { startedAt: new Date(i.now).toISOString() });
    const p2 = plan(i);
    expect(upstreamsOf(p2.routes[0])).toEqual([upstream(i, 'shop.web.1.v3.c1'), upstream(i, 'shop.web.2.v3')].sort());
    expect(p2.remove).toEqual([]); // drained first
    i = applied(i, p2);
    i = { ...i, now: i.now + 2000 };
    const p3 = plan(i);
    expect(p3.remove).toEqual([{ host: 'h1', id: 'shop.web.1.v3' }]);
    i = applied(i, p3);
    // now web.2, whose lifetime has also passed
    const p4 = plan(i);
    expect(p4.put.map((a) => a.id)).toEqual(['shop.web.2.v3.c1']);
    i = applied(i, p4);
    expect(webIds(i)).toEqual(['shop.web.1.v3.c1', 'shop.web.2.v3', 'shop.web.2.v3.c1']);
  });

  it('keeps a cycled dyno under its new id, and cycles nothing with lifetime off', () => {
    let i = running();
    i = applied({ ...i, now: T0 + 61 * MIN }, plan({ ...i, now: T0 + 61 * MIN }));
    i = report(i, ['shop.web.1.v3.c1'], 'up', { startedAt: new Date(T0 + 61 * MIN).toISOString() });
    expect(plan(i).put).toEqual([]);
    const off = running({ apps: [app({ lifetimeS: 0 })] });
    expect(plan({ ...off, now: T0 + 1000 * MIN }).put).toEqual([]);
  });

  it('cycles nothing during a rollout', () => {
    let i = running();
    const next = app({ release: { ...app().release!, version: 4, image: 'paas/app-shop:4' } });
    i = { ...i, now: T0 + 61 * MIN, apps: [next] };
    const p = plan(i);
    expect(p.put.map((a) => a.id).sort()).toEqual(['shop.web.1.v4', 'shop.web.2.v4']);
  });
});

describe('plan: lifetime of an app that can sleep', () => {
  // lifetime 30 min, idle time 60 min: an app past a dyno's lifetime with no
  // request for LIFETIME_IDLE_MS is put to sleep, not given successors
  const release = { ...app().release!, createdAt: new Date(T0).toISOString() };
  const sleepy = (over: Partial<AppInput> = {}) => app({ release, lifetimeS: 1800, autosleepS: 3600, ...over });

  it('drops an idle app to sleep at the lifetime, parks its dynos, and a wake resets the clock', () => {
    let i = running({ apps: [sleepy({ activityAt: T0 + 20 * MIN })] });
    i = { ...i, now: T0 + 31 * MIN }; // 11 minutes idle, both dynos past their lifetime
    const p = plan(i);
    expect(p.put).toEqual([]); // no successor
    expect(p.remove).toEqual([]);
    expect(p.routes).toMatchObject([
      { app: 'shop', dynos: [], state: 'sleeping', since: new Date(i.now).toISOString() },
    ]);
    i = settle({ ...applied(i, p), now: i.now + 2000 }); // the drain delay passes: parked ("Sleeping")
    // parked cold: stopped, not frozen, so that the wake starts new processes
    expect(i.assignments.map((a) => [a.id, a.parked === true, a.cold === true]).sort()).toEqual([
      ['shop.web.1.v3', true, true],
      ['shop.web.2.v3', true, true],
    ]);
    expect(plan({ ...i, now: i.now + 60 * MIN }).put).toEqual([]); // stays asleep, nothing cycled
    i = report(i, ['shop.web.1.v3', 'shop.web.2.v3'], 'sleeping');

    const woke = T0 + 100 * MIN;
    i = settle({ ...i, now: woke, apps: [{ ...i.apps[0]!, activityAt: woke }] });
    expect(webIds(i)).toEqual(['shop.web.1.v3', 'shop.web.2.v3']);
    expect(i.assignments.some((a) => a.parked || a.cold)).toBe(false);
    i = settle(report(i, ['shop.web.1.v3', 'shop.web.2.v3'], 'up', { startedAt: new Date(woke).toISOString() }));
    expect(upstreamsOf(i.routes[0])).toHaveLength(2);
    const later = plan({ ...i, now: woke + 20 * MIN });
    expect(later.put).toEqual([]); // the clock counts from the wake
    expect(later.routes).toEqual([]);
    expect(later.recheckOf?.get('shop')).toBe(10 * MIN);
  });

  it("counts a thawed dyno's clock from the wake, not from its container's old start", () => {
    // frozen while asleep, then thawed at T0 + 50 min: the container keeps its start (T0)
    const woke = T0 + 50 * MIN;
    const i = running({ apps: [sleepy({ activityAt: woke + MIN, wokenAt: woke })] });
    const p = plan({ ...i, now: T0 + 31 * MIN + 25 * MIN }); // 56 min after the start, 6 after the wake
    expect(p.put).toEqual([]);
    expect(p.recheckOf?.get('shop')).toBe(24 * MIN);
    const due = plan({ ...i, apps: [{ ...i.apps[0]!, activityAt: woke + 29 * MIN }], now: woke + 30 * MIN });
    expect(due.put.map((a) => [a.id, a.cause])).toEqual([['shop.web.1.v3.c1', 'lifetime']]);
  });

  it('cycles an app that can sleep blue-green when it had a request recently', () => {
    const i = running({ apps: [sleepy({ activityAt: T0 + 28 * MIN })] });
    const p = plan({ ...i, now: T0 + 31 * MIN }); // 3 minutes since the last request
    expect(p.put.map((a) => [a.id, a.cause])).toEqual([['shop.web.1.v3.c1', 'lifetime']]);
    expect(p.routes.filter((r) => r.state === 'sleeping')).toEqual([]);
  });

  it('cycles a worker kept awake blue-green while the idle app sleeps', () => {
    const a = sleepy({
      activityAt: T0 + 20 * MIN,
      formation: { web: { quantity: 1, size: 'standard-1x' }, clock: { quantity: 1, size: 'standard-1x' } },
      keepAwake: ['clock'],
      release: { ...release, processTypes: { web: 'node server.js', clock: 'node clock.js' } },
    });
    let i = input({ apps: [a] });
    i = applied(i, plan(i));
    i = report(i, ['shop.web.1.v3', 'shop.clock.1.v3'], 'up', started);
    i = settle(i);
    i = { ...i, now: T0 + 31 * MIN };
    const p = plan(i);
    expect(p.routes).toMatchObject([{ state: 'sleeping' }]);
    expect(p.put.map((x) => [x.id, x.parked === true])).toEqual([['shop.clock.1.v3.c1', false]]);
  });
});

describe('idleAtLifetime', () => {
  it('is idle after LIFETIME_IDLE_MS without activity, only for an app that can sleep', () => {
    const base = app({ release: { ...app().release!, createdAt: new Date(T0).toISOString() }, autosleepS: 3600 });
    expect(LIFETIME_IDLE_MS).toBe(5 * MIN);
    expect(idleAtLifetime(base, T0 + 4 * MIN)).toBe(false);
    expect(idleAtLifetime(base, T0 + 5 * MIN)).toBe(true);
    expect(idleAtLifetime({ ...base, activityAt: T0 + 3 * MIN }, T0 + 5 * MIN)).toBe(false);
    expect(idleAtLifetime({ ...base, autosleepS: 0 }, T0 + 100 * MIN)).toBe(false);
    expect(idleAtLifetime({ ...base, autosleepS: 120 }, T0 + 2 * MIN)).toBe(true); // its own idle time, if shorter
    expect(idleAtLifetime(app({ autosleepS: 3600 }), T0 + 100 * MIN)).toBe(false); // no time known
    expect(idleAtLifetime({ ...base, formation: { web: { quantity: 0, size: 'eco' } } }, T0 + 100 * MIN)).toBe(false);
  });
});
