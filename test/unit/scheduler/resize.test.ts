import { describe, expect, it } from 'vitest';
import { routeUpstreams } from '../../../services/core/routes.js';
import { dynoOf } from '../../../services/core/logs.js';
import { limitFields, sizeByName } from '../../../services/core/sizes.js';
import type { Assignment, Formation } from '../../../services/core/types.js';
import { dynoViews } from '../../../services/controller/ps/dynos.js';
import { sizedId } from '../../../services/scheduler/desired.js';
import { type AppInput, type PlanInput } from '../../../services/scheduler/model.js';
import { plan } from '../../../services/scheduler/plan.js';
import { applied, ids, report, upstream, upstreamsOf, SETTINGS } from './steps.js';

// A change of size in the formation (ps:resize web=standard-2x): on a host
// with room the same assignments (ids, hosts) are written with the new limits
// and nothing else changes (the agent applies them to the running containers);
// where the host lacks room the dynos are replaced blue-green, like a restart.

const T0 = Date.parse('2025-01-01T00:00:00Z');

function app(formation: Formation): AppInput {
  return {
    name: 'shop',
    release: {
      version: 1,
      image: 'paas/app-shop:1',
      config: {},
      processTypes: { web: 'node server.js', worker: 'node worker.js' },
    },
    formation,
  };
}
const eco = { web: { quantity: 2, size: 'eco' }, worker: { quantity: 1, size: 'eco' } };
const big = { web: { quantity: 2, size: 'standard-2x' }, worker: { quantity: 1, size: 'eco' } };
const limits = (i: PlanInput) => Object.fromEntries(i.assignments.map((a) => [a.id, [a.memoryMb, a.cpuShares]]));
const routeOf = (i: PlanInput) => [...(upstreamsOf(i.routes[0]) ?? [])].sort();

const EMPTY = { put: [], remove: [], routes: [], deleteRoutes: [], unplaced: [], statuses: [] };

/** The app at `formation` up on one host of `memoryMb` (default: room for anything). */
function running(formation: Formation = eco, memoryMb = 8192): PlanInput {
  let i: PlanInput = {
    ...SETTINGS,
    now: T0,
    drainMs: 2000,
    apps: [app(formation)],
    hosts: [{ id: 'h1', memoryMb, cpus: 8 }],
    assignments: [],
    instances: [],
    routes: [],
  };
  i = applied(i, plan(i));
  i = report(i, ids(i.assignments), 'up');
  return applied(i, plan(i));
}

describe('sizedId', () => {
  const kept = (...as: [string, string][]) => new Map(as.map(([id, size]) => [id, sizeByName(size)]));
  it('keeps the id while the size is the same, and adds the size when the kept container has other limits', () => {
    const s2 = sizeByName('standard-2x');
    expect(sizedId('a.web.1.v1', s2, kept())).toBe('a.web.1.v1');
    expect(sizedId('a.web.1.v1', s2, kept(['a.web.1.v1', 'standard-2x']))).toBe('a.web.1.v1');
    expect(sizedId('a.web.1.v1', s2, kept(['a.web.1.v1', 'eco']))).toBe('a.web.1.v1.standard-2x');
    expect(sizedId('a.web.1.v1', s2, kept(['a.web.1.v1', 'eco'], ['a.web.1.v1.standard-2x', 'standard-2x']))).toBe(
      'a.web.1.v1.standard-2x',
    );
    // back to eco while the resized one runs: the plain id again
    expect(sizedId('a.web.1.v1', sizeByName('eco'), kept(['a.web.1.v1.standard-2x', 'standard-2x']))).toBe(
      'a.web.1.v1',
    );
    // a container resized in place keeps its id whatever size it names
    expect(sizedId('a.web.1.v1', sizeByName('eco'), kept(['a.web.1.v1.standard-2x', 'eco']))).toBe(
      'a.web.1.v1.standard-2x',
    );
    expect(sizedId('a.web.1.v1', sizeByName('eco'), kept(['a.web.1.v1.performance-m', 'eco']))).toBe(
      'a.web.1.v1.performance-m',
    );
    // a third size: never the id of a kept container with other limits
    expect(sizedId('a.web.1.v1', sizeByName('performance-m'), kept(['a.web.1.v1.standard-2x', 'standard-2x']))).toBe(
      'a.web.1.v1',
    );
    expect(sizedId('a.web.1.v1', sizeByName('performance-m'), kept(['a.web.1.v1', 'eco']))).toBe(
      'a.web.1.v1.performance-m',
    );
  });

  it('leaves the dyno name web.1 to users', () => {
    expect(dynoOf('shop', 'shop.web.1.v3.g2.standard-2x', 'web')).toBe('web.1');
    expect(dynoOf('shop', 'shop.web.12.v3.performance-m', 'web')).toBe('web.12');
  });
});

describe('plan: resize in place', () => {
  it('writes the same assignments with the new limits on a host with room: no new container, no drain, no route', () => {
    let i = running();
    const route = i.routes[0];
    i = { ...i, now: T0 + 10_000, apps: [app(big)] };
    const p = plan(i);
    expect(p.put.map((a) => [a.id, a.host, a.memoryMb, a.cpuShares, a.diskMb, a.egressMbit, a.ingressMbit])).toEqual([
      ['shop.web.1.v1', 'h1', 1024, 2048, 4096, 400, 400],
      ['shop.web.2.v1', 'h1', 1024, 2048, 4096, 400, 400],
    ]);
    const before = new Map(i.assignments.map((a) => [a.id, a]));
    for (const a of p.put) expect({ ...a, ...limitFieldsOf(before.get(a.id)) }).toEqual(before.get(a.id)); // only limits
    expect(p.remove).toEqual([]);
    expect(p.routes).toEqual([]);
    expect(p.unplaced).toEqual([]);
    i = applied(i, p);
    expect(plan(i)).toEqual(EMPTY); // stable: the ids keep their new limits
    expect(i.routes[0]).toBe(route);
    expect(dynoViews(i.assignments, i.instances).map((d) => [d.name, d.size, d.state])).toEqual([
      ['web.1', 'standard-2x', 'up'],
      ['web.2', 'standard-2x', 'up'],
      ['worker.1', 'eco', 'up'],
    ]);

    // and back down: in place again, the same ids with eco limits
    i = { ...i, apps: [app(eco)] };
    const down = plan(i);
    expect(down.put.map((a) => [a.id, a.memoryMb, a.cpuShares, a.diskMb])).toEqual([
      ['shop.web.1.v1', 256, 256, 1024],
      ['shop.web.2.v1', 256, 256, 1024],
    ]);
    expect(down.remove).toEqual([]);
    expect(plan(applied(i, down))).toEqual(EMPTY);
  });

  it('resizes after a restart in place, the generation kept in the ids', () => {
    const restarted = { generation: 1, all: 1, types: {}, dynos: {} };
    let i = running();
    i = { ...i, apps: [{ ...app(eco), restart: restarted }] };
    i = applied(i, plan(i));
    i = report(i, ids(i.assignments.filter((a: Assignment) => a.id.endsWith('.g1'))), 'up');
    i = applied(i, plan(i));
    i = applied({ ...i, now: i.now + 5000 }, plan({ ...i, now: i.now + 5000 }));
    expect(ids(i.assignments)).toEqual(['shop.web.1.v1.g1', 'shop.web.2.v1.g1', 'shop.worker.1.v1.g1']);
    const p = plan({ ...i, apps: [{ ...app(big), restart: restarted }] });
    expect(p.put.map((a) => [a.id, a.memoryMb])).toEqual([
      ['shop.web.1.v1.g1', 1024],
      ['shop.web.2.v1.g1', 1024],
    ]);
    expect(p.remove).toEqual([]);
  });

  it('resizes several dynos on one host in place only as far as the room goes; the rest blue-green elsewhere', () => {
    // h1 holds 768 MB of eco and has room for one web to grow by 768 MB
    let i = running(eco, 1536);
    i = { ...i, hosts: [...i.hosts, { id: 'h2', memoryMb: 8192, cpus: 8 }], apps: [app(big)] };
    let p = plan(i);
    expect(p.put.map((a) => `${a.id}@${a.host}:${a.memoryMb}`)).toEqual([
      'shop.web.1.v1@h1:1024',
      'shop.web.2.v1.standard-2x@h2:1024',
    ]);
    expect(p.remove).toEqual([]);
    expect(p.routes).toEqual([]);
    i = applied(i, p);
    i = report(i, ['shop.web.2.v1.standard-2x'], 'up');
    p = plan(i);
    expect([...(upstreamsOf(p.routes[0]) ?? [])].sort()).toEqual(
      [upstream(i, 'shop.web.1.v1'), upstream(i, 'shop.web.2.v1.standard-2x')].sort(),
    );
    i = applied(i, p);
    p = plan({ ...i, now: i.now + 2000 });
    expect(p.remove).toEqual([{ host: 'h1', id: 'shop.web.2.v1' }]);
  });

  it('rewrites a parked (sleeping) dyno with the new limits, holding no room; waking, it is placed with them', () => {
    let i = running({ web: { quantity: 1, size: 'eco' } }, 512);
    i = { ...i, apps: [{ ...app({ web: { quantity: 1, size: 'eco' } }), sleepRequestedAt: T0 + 1 }], now: T0 + 10 };
    for (let n = 0; n < 3; n++) i = applied({ ...i, now: i.now + 5000 }, plan({ ...i, now: i.now + 5000 }));
    expect(i.assignments.map((a) => [a.id, a.parked])).toEqual([['shop.web.1.v1', true]]);
    // a size the host could never hold: a parked dyno holds no room
    const asleep = { ...app({ web: { quantity: 1, size: 'performance-m' } }), sleepRequestedAt: T0 + 1 };
    const p = plan({ ...i, apps: [asleep] });
    expect(p.put.map((a) => [a.id, a.host, a.parked, a.memoryMb])).toEqual([['shop.web.1.v1', 'h1', true, 2560]]);
    expect(p.remove).toEqual([]);
    i = applied({ ...i, apps: [asleep] }, p);
    // it wakes: placed with its new limits, on another host as h1 has no room for them
    const woken = { ...asleep, activityAt: i.now + 1 };
    i = { ...i, now: i.now + 2, apps: [woken], hosts: [...i.hosts, { id: 'h2', memoryMb: 8192, cpus: 8 }] };
    const w = plan(i);
    expect(w.put.map((a) => [a.id, a.host, a.parked, a.memoryMb])).toEqual([['shop.web.1.v1', 'h2', undefined, 2560]]);
    expect(w.remove).toEqual([{ host: 'h1', id: 'shop.web.1.v1' }]);
  });

  it('does not resize a dyno whose size did not change', () => {
    const i = running();
    const p = plan({ ...i, apps: [app({ ...eco, worker: { quantity: 1, size: 'eco' } })] });
    expect([p.put, p.remove, p.routes]).toEqual([[], [], []]);
  });
});

describe('plan: resize blue-green (the host lacks room)', () => {
  /** Up on h1, which has no room to grow; h2 joins empty. */
  function full(): PlanInput {
    const i = running(eco, 1024);
    return { ...i, hosts: [...i.hosts, { id: 'h2', memoryMb: 8192, cpus: 8 }] };
  }

  it('replaces the resized dynos with new ones of the new limits, the old ones kept until the new are up', () => {
    let i = full();
    const before = routeOf(i);
    i = { ...i, now: T0 + 10_000, apps: [app(big)] };
    let p = plan(i);
    expect(ids(p.put)).toEqual(['shop.web.1.v1.standard-2x', 'shop.web.2.v1.standard-2x']);
    expect(p.put.map((a) => [a.host, a.memoryMb, a.cpuShares])).toEqual([
      ['h2', 1024, 2048],
      ['h2', 1024, 2048],
    ]);
    expect(p.remove).toEqual([]);
    expect(p.routes).toEqual([]);
    i = applied(i, p);

    // one up: it joins the route (same release); nothing goes yet
    i = report(i, ['shop.web.1.v1.standard-2x'], 'up');
    p = plan(i);
    expect(p.remove).toEqual([]);
    expect([...(upstreamsOf(p.routes[0]) ?? [])].sort()).toEqual(
      [...before, upstream(i, 'shop.web.1.v1.standard-2x')].sort(),
    );
    i = applied(i, p);

    // both up: the route has only the resized ones; the old go after the drain
    i = report(i, ['shop.web.2.v1.standard-2x'], 'up');
    p = plan(i);
    expect(p.routes.map((r) => [...routeUpstreams(r)].sort())).toEqual([
      [upstream(i, 'shop.web.1.v1.standard-2x'), upstream(i, 'shop.web.2.v1.standard-2x')].sort(),
    ]);
    expect(p.remove).toEqual([]);
    i = applied(i, p);
    p = plan({ ...i, now: i.now + 2000 });
    expect(ids(p.remove)).toEqual(['shop.web.1.v1', 'shop.web.2.v1']);
    i = applied({ ...i, now: i.now + 2000 }, p);
    expect(limits(i)).toEqual({
      'shop.web.1.v1.standard-2x': [1024, 2048],
      'shop.web.2.v1.standard-2x': [1024, 2048],
      'shop.worker.1.v1': [256, 256],
    });
    expect(plan(i)).toEqual(EMPTY);

    // and back down: in place on h2 (room), the ids they have kept
    i = { ...i, apps: [app(eco)] };
    p = plan(i);
    expect(p.put.map((a) => [a.id, a.host, a.memoryMb])).toEqual([
      ['shop.web.1.v1.standard-2x', 'h2', 256],
      ['shop.web.2.v1.standard-2x', 'h2', 256],
    ]);
    expect(plan(applied(i, p))).toEqual(EMPTY);
  });

  it('replaces a resized worker once its successor is up, and keeps the old one while the new crashes', () => {
    let i = full();
    i = { ...i, apps: [app({ ...eco, worker: { quantity: 1, size: 'performance-m' } })] };
    let p = plan(i);
    expect(p.put.map((a) => `${a.id}@${a.host}`)).toEqual(['shop.worker.1.v1.performance-m@h2']);
    i = applied(i, p);
    i = report(i, ['shop.worker.1.v1.performance-m'], 'crashed');
    expect(plan(i).remove).toEqual([]);
    i = report(i, ['shop.worker.1.v1.performance-m'], 'up');
    p = plan(i);
    expect(p.remove).toEqual([{ host: 'h1', id: 'shop.worker.1.v1' }]);
    expect(p.routes).toEqual([]); // web untouched
  });

  it('keeps the old dynos serving, the new ones unplaced, when no host has room', () => {
    const i = { ...running(eco, 1024), apps: [app(big)] };
    const p = plan(i);
    expect(p.put).toEqual([]);
    expect(p.remove).toEqual([]);
    expect(p.unplaced.map((u) => u.id)).toEqual(['shop.web.1.v1.standard-2x', 'shop.web.2.v1.standard-2x']);
  });
});

/** An assignment's limits (to put them back over a resized one). */
function limitFieldsOf(a: Assignment | undefined) {
  return a ? limitFields(a) : {};
}
