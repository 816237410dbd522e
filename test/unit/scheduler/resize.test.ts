import { describe, expect, it } from 'vitest';
import { routeUpstreams } from '../../../services/core/routes.js';
import { dynoOf } from '../../../services/core/logs.js';
import { sizeByName } from '../../../services/core/sizes.js';
import type { Assignment, Formation } from '../../../services/core/types.js';
import { dynoViews } from '../../../services/controller/ps/dynos.js';
import { sizedId } from '../../../services/scheduler/desired.js';
import { type AppInput, type PlanInput } from '../../../services/scheduler/model.js';
import { plan } from '../../../services/scheduler/plan.js';
import { applied, ids, report, upstream, upstreamsOf, SETTINGS } from './steps.js';

// A change of size in the formation (ps:scale web=2:standard-2x) replaces the
// dynos blue-green, like a restart: a container's limits never change in place.

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

function running(): PlanInput {
  let i: PlanInput = {
    ...SETTINGS,
    now: T0,
    drainMs: 2000,
    apps: [app(eco)],
    hosts: [{ id: 'h1', memoryMb: 8192, cpus: 8 }],
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

describe('plan: resize', () => {
  it('replaces the resized dynos blue-green with the new limits, the old ones kept until the new are up', () => {
    let i = running();
    const before = routeOf(i);
    i = { ...i, now: T0 + 10_000, apps: [app(big)] };
    let p = plan(i);
    expect(ids(p.put)).toEqual(['shop.web.1.v1.standard-2x', 'shop.web.2.v1.standard-2x']);
    expect(p.put.map((a) => [a.memoryMb, a.cpuShares])).toEqual([
      [1024, 2048],
      [1024, 2048],
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
    expect(plan(i)).toEqual({ put: [], remove: [], routes: [], deleteRoutes: [], unplaced: [], statuses: [] });

    // ps shows web.1 at its new size
    expect(dynoViews(i.assignments, i.instances).map((d) => [d.name, d.size])).toEqual([
      ['web.1', 'standard-2x'],
      ['web.2', 'standard-2x'],
      ['worker.1', 'eco'],
    ]);

    // and back: the plain ids again, with eco limits
    i = { ...i, apps: [app(eco)] };
    p = plan(i);
    expect(ids(p.put)).toEqual(['shop.web.1.v1', 'shop.web.2.v1']);
    expect(p.put.every((a) => a.memoryMb === 256)).toBe(true);
  });

  it('replaces a resized worker once its successor is up, and keeps the old one while the new crashes', () => {
    let i = running();
    i = { ...i, apps: [app({ ...eco, worker: { quantity: 1, size: 'basic' } })] };
    let p = plan(i);
    expect(ids(p.put)).toEqual(['shop.worker.1.v1.basic']);
    i = applied(i, p);
    i = report(i, ['shop.worker.1.v1.basic'], 'crashed');
    expect(plan(i).remove).toEqual([]);
    i = report(i, ['shop.worker.1.v1.basic'], 'up');
    p = plan(i);
    expect(p.remove).toEqual([{ host: 'h1', id: 'shop.worker.1.v1' }]);
    expect(p.routes).toEqual([]); // web untouched
  });

  it('does not resize a dyno whose size did not change, and resizes after a restart with the generation kept', () => {
    let i = running();
    i = {
      ...i,
      apps: [
        {
          ...app({ ...eco, web: { quantity: 2, size: 'eco' } }),
          restart: { generation: 1, all: 1, types: {}, dynos: {} },
        },
      ],
    };
    i = applied(i, plan(i));
    i = report(i, ids(i.assignments.filter((a: Assignment) => a.id.endsWith('.g1'))), 'up');
    i = applied(i, plan(i));
    i = applied({ ...i, now: i.now + 5000 }, plan({ ...i, now: i.now + 5000 }));
    expect(ids(i.assignments)).toEqual(['shop.web.1.v1.g1', 'shop.web.2.v1.g1', 'shop.worker.1.v1.g1']);
    const p = plan({
      ...i,
      apps: [
        {
          ...app({ ...eco, web: { quantity: 2, size: 'standard-2x' } }),
          restart: { generation: 1, all: 1, types: {}, dynos: {} },
        },
      ],
    });
    expect(ids(p.put)).toEqual(['shop.web.1.v1.g1.standard-2x', 'shop.web.2.v1.g1.standard-2x']);
  });
});
