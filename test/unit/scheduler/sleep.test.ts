import { describe, expect, it } from 'vitest';
import type { Assignment } from '../../../services/core/types.js';
import { type AppInput, type PlanInput } from '../../../services/scheduler/model.js';
import { plan } from '../../../services/scheduler/plan.js';
import { sleepOf } from '../../../services/scheduler/sleep.js';
import { applied, report, settle, upstream, SETTINGS } from './steps.js';

// Sleep and wake as the planner decides them: an idle app's route says
// sleeping first, its web container is parked (kept, not running, holding
// no room) once the drain delay has passed, and a request after that (a
// router's wake) unparks it on its host; waking, then crashed or routed.

const T0 = Date.parse('2025-01-01T00:00:00Z');
const MIN = 60_000;

function app(opts: Partial<AppInput> = {}): AppInput {
  return {
    name: 'shop',
    release: {
      version: 3,
      image: 'paas/app-shop:3',
      config: {},
      processTypes: { web: 'node server.js', worker: 'node worker.js' },
      createdAt: new Date(T0).toISOString(),
      wakesApp: true, // a push
    },
    formation: { web: { quantity: 1, size: 'eco' } },
    autosleepS: 30 * 60,
    ...opts,
  };
}

function input(over: Partial<PlanInput>): PlanInput {
  return {
    ...SETTINGS,
    now: T0,
    drainMs: 2000,
    apps: [app()],
    hosts: [{ id: 'h1', memoryMb: 4096, cpus: 8 }],
    assignments: [],
    instances: [],
    routes: [],
    ...over,
  };
}

/** An awake app whose web.1 is up and routed. */
function awake(over: Partial<PlanInput> = {}): PlanInput {
  let i = settle(input(over));
  i = report(i, ['shop.web.1.v3'], 'up', { startedAt: new Date(T0).toISOString() });
  return settle(i);
}

const web = (i: PlanInput) => i.assignments.find((a) => a.type === 'web') as Assignment;

describe('sleepOf', () => {
  it('sleeps after the idle time from the last activity, and never without one', () => {
    expect(sleepOf(app(), T0 + 29 * MIN)).toEqual({ asleep: false, recheckInMs: MIN });
    expect(sleepOf(app(), T0 + 31 * MIN)).toEqual({ asleep: true, since: T0 + 30 * MIN });
    expect(sleepOf(app({ activityAt: T0 + 10 * MIN }), T0 + 31 * MIN)).toEqual({
      asleep: false,
      recheckInMs: 9 * MIN,
    });
    expect(sleepOf(app({ autosleepS: 0 }), T0 + 1000 * MIN)).toEqual({ asleep: false });
  });

  it('sleeps at a request until the next activity; a release after it wakes the app', () => {
    expect(sleepOf(app({ autosleepS: 0, sleepRequestedAt: T0 + MIN }), T0 + 2 * MIN)).toEqual({
      asleep: true,
      since: T0 + MIN,
    });
    expect(sleepOf(app({ sleepRequestedAt: T0 + MIN, activityAt: T0 + 2 * MIN }), T0 + 3 * MIN).asleep).toBe(false);
    const released = app({ sleepRequestedAt: T0 - MIN }); // the push (T0) came after the request
    expect(sleepOf(released, T0 + MIN).asleep).toBe(false);
    // a release not made by a push (config:set, rollback, promotion) does not wake it
    const configured = app({ sleepRequestedAt: T0 - MIN });
    configured.release = { ...configured.release!, wakesApp: false };
    expect(sleepOf(configured, T0 + MIN)).toEqual({ asleep: true, since: T0 - MIN });
  });

  it('never sleeps an app without a web process or with web=0', () => {
    const noWeb = app();
    noWeb.release = { ...noWeb.release!, processTypes: { worker: 'w' } };
    expect(sleepOf(noWeb, T0 + 100 * MIN).asleep).toBe(false);
    expect(sleepOf(app({ formation: { web: { quantity: 0, size: 'eco' } } }), T0 + 100 * MIN).asleep).toBe(false);
  });
});

describe('plan: sleep', () => {
  it('routes nothing first (sleeping), then parks the web container once the drain delay has passed', () => {
    let i = awake();
    i = { ...i, now: T0 + 31 * MIN };
    const p1 = plan(i);
    expect(p1.routes).toMatchObject([{ app: 'shop', dynos: [], state: 'sleeping', since: '2025-01-01T00:30:00.000Z' }]);
    expect(p1.put).toEqual([]); // still running: a request in flight finishes
    expect(p1.remove).toEqual([]);
    expect(p1.recheckInMs).toBe(2000);
    i = applied(i, p1);
    expect(plan({ ...i, now: i.now + 1000 }).put).toEqual([]);
    i = { ...i, now: i.now + 2000 };
    const p2 = plan(i);
    expect(p2.put).toMatchObject([{ id: 'shop.web.1.v3', host: 'h1', parked: true }]);
    expect(p2.put[0]!.cold).toBeUndefined(); // young: frozen where the agent can (its wake thaws it)
    expect(p2.remove).toEqual([]);
    i = applied(i, p2);
    expect(plan(i).put).toEqual([]); // stable
  });

  it('parks workers with the app, except types kept awake', () => {
    const formation = {
      web: { quantity: 1, size: 'eco' },
      worker: { quantity: 1, size: 'eco' },
      clock: { quantity: 1, size: 'eco' },
    };
    const a = app({ formation, keepAwake: ['clock'] });
    a.release = { ...a.release!, processTypes: { web: 'w', worker: 'k', clock: 'c' } };
    let i = settle(input({ apps: [a] }));
    i = report(i, ['shop.web.1.v3', 'shop.worker.1.v3', 'shop.clock.1.v3'], 'up');
    i = settle({ ...settle(i), now: T0 + 31 * MIN });
    i = settle({ ...i, now: T0 + 32 * MIN });
    const parked = Object.fromEntries(i.assignments.map((x) => [x.type, x.parked === true]));
    expect(parked).toEqual({ web: true, worker: true, clock: false });
  });

  it('places nothing for a sleeping app that has no container yet, and frees the room of parked ones', () => {
    let i = awake();
    i = settle({ ...i, now: T0 + 31 * MIN });
    i = settle({ ...i, now: T0 + 32 * MIN });
    expect(web(i).parked).toBe(true);
    // another app takes the whole host: the parked container holds no room
    const big: AppInput = {
      name: 'big',
      release: { version: 1, image: 'paas/app-big:1', config: {}, processTypes: { web: 'x' } },
      formation: { web: { quantity: 1, size: 'performance-m' } },
    };
    const hosts = [{ id: 'h1', memoryMb: 2560, cpus: 4 }];
    const p = plan({ ...i, hosts, apps: [...i.apps, big] });
    expect(p.put.map((x) => x.id)).toEqual(['big.web.1.v1']);
    expect(p.unplaced).toEqual([]);
  });
});

describe('plan: a release while asleep', () => {
  it('moves the parked containers to the new release on their hosts, still parked', () => {
    let i = awake();
    i = settle({ ...i, now: T0 + 31 * MIN });
    i = settle({ ...i, now: T0 + 32 * MIN });
    const v4 = { ...i.apps[0]!.release!, version: 4, image: 'paas/app-shop:4', wakesApp: false };
    i = { ...i, now: T0 + 33 * MIN, apps: [{ ...i.apps[0]!, release: v4 }] };
    const p = plan(i);
    expect(p.put.map((a) => [a.id, a.host, a.parked])).toEqual([['shop.web.1.v4', 'h1', true]]);
    expect(p.remove).toEqual([{ host: 'h1', id: 'shop.web.1.v3' }]);
    expect(p.routes).toEqual([]); // still sleeping
  });

  it('runs the release phase of a release made while asleep at the wake, holding requests (waking)', () => {
    let i = awake();
    i = settle({ ...i, now: T0 + 31 * MIN });
    i = settle({ ...i, now: T0 + 32 * MIN });
    const old = i.apps[0]!.release!;
    const v4 = {
      ...old,
      version: 4,
      image: 'paas/app-shop:4',
      wakesApp: false,
      processTypes: { ...old.processTypes, release: 'node migrate.js' },
    };
    const { status: _v3, ...shop } = i.apps[0]!; // v4 has no status yet
    i = settle({ ...i, now: T0 + 33 * MIN, apps: [{ ...shop, release: v4 }] });
    i = settle({ ...i, now: T0 + 60 * MIN });
    // its release phase waits for the wake, not failed for want of a place; its parked dyno stays (ps: sleeping)
    expect(i.assignments.map((a) => [a.id, a.parked])).toEqual([['shop.web.1.v3', true]]);
    expect(i.apps[0]!.status).toBeUndefined();
    const woke = T0 + 90 * MIN; // long past the rollout timeout from the release's creation
    const p = plan({ ...i, now: woke, apps: [{ ...i.apps[0]!, activityAt: woke, wokenAt: woke }] });
    expect(p.put.map((a) => a.id)).toEqual(['shop.release.1.v4']);
    expect(p.statuses).toEqual([]);
    expect(p.routes).toMatchObject([{ app: 'shop', dynos: [], state: 'waking' }]);
  });
});

describe('plan: wake', () => {
  function asleep(over: Partial<PlanInput> = {}): PlanInput {
    let i = awake(over);
    i = settle({ ...i, now: T0 + 31 * MIN });
    i = settle({ ...i, now: T0 + 32 * MIN });
    return report(i, ['shop.web.1.v3'], 'sleeping');
  }

  it('unparks the container on its host at a wake, holds requests (waking), then routes it', () => {
    let i = asleep();
    const woke = T0 + 40 * MIN;
    i = { ...i, now: woke, apps: [{ ...i.apps[0]!, activityAt: woke }] };
    const p = plan(i);
    expect(p.put).toHaveLength(1);
    expect(p.put[0]).toMatchObject({ id: 'shop.web.1.v3', host: 'h1' });
    expect(p.put[0]).not.toHaveProperty('parked');
    expect(p.remove).toEqual([]);
    expect(p.routes).toMatchObject([{ dynos: [], state: 'waking' }]);
    expect(p.routes[0]).not.toHaveProperty('since');
    i = applied(i, p);
    i = report(i, ['shop.web.1.v3'], 'up');
    const p2 = plan(i);
    expect(p2.routes).toHaveLength(1);
    expect(p2.routes[0]!.dynos.map((d) => d.upstream)).toEqual([upstream(i, 'shop.web.1.v3')]);
    expect(p2.routes[0]).not.toHaveProperty('state');
  });

  it('does not route a report from before the wake (the container the agent was putting to sleep)', () => {
    let i = asleep();
    const parkedAt = web(i).createdAt;
    // the agent reported web.1 up for the parked version, before it stopped it
    i = report(i, ['shop.web.1.v3'], 'up', { assignedAt: parkedAt });
    const woke = T0 + 40 * MIN;
    i = { ...i, now: woke, apps: [{ ...i.apps[0]!, activityAt: woke }] };
    const p = plan(i);
    expect(p.routes).toMatchObject([{ dynos: [], state: 'waking' }]);
    i = applied(i, p);
    expect(web(i).createdAt).not.toBe(parkedAt);
    i = report(i, ['shop.web.1.v3'], 'up', { assignedAt: web(i).createdAt });
    expect(plan(i).routes[0]!.dynos).toHaveLength(1);
  });

  it('ends the hold at once when the woken container crashes', () => {
    let i = asleep();
    const woke = T0 + 40 * MIN;
    i = applied(
      { ...i, now: woke, apps: [{ ...i.apps[0]!, activityAt: woke }] },
      plan({ ...i, now: woke, apps: [{ ...i.apps[0]!, activityAt: woke }] }),
    );
    i = report(i, ['shop.web.1.v3'], 'crashed', { exitCode: 1 });
    expect(plan(i).routes).toMatchObject([{ dynos: [], state: 'crashed' }]);
  });

  it('a wake on a full host holds requests (waking) while it waits for room, not a 503 at once', () => {
    let i = asleep();
    const hog: Assignment = { ...web(i), id: 'hog.web.1.v1', app: 'hog', memoryMb: 4096, cpuShares: 1024 };
    delete hog.parked;
    const hogApp: AppInput = { name: 'hog', formation: {} };
    const woke = T0 + 40 * MIN;
    i = { ...i, now: woke, apps: [app({ activityAt: woke }), hogApp], assignments: [...i.assignments, hog] };
    const p = plan(i);
    expect(p.unplaced.map((u) => u.id)).toEqual(['shop.web.1.v3']);
    expect(p.routes.find((r) => r.app === 'shop')).toMatchObject({ dynos: [], state: 'waking' });
    // room again (the hog is gone): placed on the next pass
    const roomy = { ...applied(i, p), apps: [i.apps[0]!], assignments: i.assignments.filter((a) => a.app !== 'hog') };
    expect(plan(roomy).put.map((x) => x.id)).toEqual(['shop.web.1.v3']);
  });

  it('judges a release made while asleep from its wake: waiting for room is not a failed rollout', () => {
    let i = asleep();
    const v4 = { ...i.apps[0]!.release!, version: 4, image: 'paas/app-shop:4', wakesApp: false };
    const { status: _v3, ...shop } = i.apps[0]!;
    i = settle({ ...i, now: T0 + 33 * MIN, apps: [{ ...shop, release: v4 }] });
    expect(i.assignments.map((a) => [a.id, a.parked])).toEqual([['shop.web.1.v4', true]]);
    const hog: Assignment = { ...web(i), id: 'hog.web.1.v1', app: 'hog', memoryMb: 4096, cpuShares: 1024 };
    delete hog.parked;
    const woke = T0 + 90 * MIN;
    const awakeShop = { ...i.apps[0]!, activityAt: woke, wokenAt: woke };
    i = {
      ...i,
      now: woke + 5000,
      apps: [awakeShop, { name: 'hog', formation: {} }],
      assignments: [...i.assignments, hog],
    };
    const p = plan(i);
    expect(p.statuses).toEqual([]);
    expect(p.routes.find((r) => r.app === 'shop')).toMatchObject({ state: 'waking' });
    expect(plan({ ...i, now: woke + 61_000 }).statuses).toMatchObject([{ app: 'shop', version: 4, status: 'failed' }]);
  });

  it('moves a parked container whose host has no room left to one that has', () => {
    let i = asleep({
      hosts: [
        { id: 'h1', memoryMb: 4096, cpus: 8 },
        { id: 'h2', memoryMb: 4096, cpus: 8 },
      ],
    });
    expect(web(i).host).toBe('h1');
    const hog: Assignment = { ...web(i), id: 'hog.web.1.v1', app: 'hog', memoryMb: 4096, cpuShares: 1024 };
    delete hog.parked;
    const hogApp: AppInput = { name: 'hog', formation: {} }; // kept: its assignment counts, nothing new is desired
    const woke = T0 + 40 * MIN;
    i = { ...i, now: woke, apps: [app({ activityAt: woke }), hogApp], assignments: [...i.assignments, hog] };
    const p = plan(i);
    expect(p.remove).toContainEqual({ host: 'h1', id: 'shop.web.1.v3' });
    expect(p.put.find((x) => x.app === 'shop')).toMatchObject({ id: 'shop.web.1.v3', host: 'h2' });
  });

  it('does not judge the rollout while the app sleeps', () => {
    let i = settle(input({ rolloutTimeoutMs: MIN, apps: [app({ sleepRequestedAt: T0 + 1 })] }));
    i = settle({ ...i, now: T0 + 10 * MIN });
    expect(i.apps[0]!.status).toBeUndefined();
    expect(plan(i).routes).toEqual([]);
    expect(i.routes[0]).toMatchObject({ state: 'sleeping' });
  });
});
