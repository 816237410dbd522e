import { describe, expect, it } from 'vitest';
import { lifetimeSeconds } from '../../../services/core/dynopolicy.js';
import { cycleOf, cycledId } from '../../../services/scheduler/lifetime.js';
import { type AppInput, type PlanInput } from '../../../services/scheduler/model.js';
import { plan } from '../../../services/scheduler/plan.js';
import { applied, report, SETTINGS, upstream, upstreamsOf } from './steps.js';

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
    expect(cycleOf('a.web.1.v3', 'a.web.1.v3')).toBe(0);
    expect(cycleOf('a.web.1.v3.c4', 'a.web.1.v3')).toBe(4);
    expect(cycleOf('a.web.1.v30', 'a.web.1.v3')).toBeUndefined();
    expect(cycleOf('a.web.1.v3.g1', 'a.web.1.v3')).toBeUndefined();
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
