import { describe, expect, it } from 'vitest';
import { routeUpstreams } from '../../../services/core/routes.js';
import { bumpRestart, generationOf, type RestartRecord, type RestartTarget } from '../../../services/core/restarts.js';
import { desiredId } from '../../../services/scheduler/desired.js';
import { type AppInput, type PlanInput } from '../../../services/scheduler/model.js';
import { plan } from '../../../services/scheduler/plan.js';
import { applied, ids, report, upstream, upstreamsOf, SETTINGS } from './steps.js';

// Restarts through the planner: a bumped generation replaces containers
// blue-green, like a new release, but only those the restart covers.

const T0 = Date.parse('2025-01-01T00:00:00Z');

function app(
  restart?: RestartRecord,
  formation = { web: { quantity: 2, size: 'eco' }, worker: { quantity: 1, size: 'eco' } },
): AppInput {
  const a: AppInput = {
    name: 'shop',
    release: {
      version: 1,
      image: 'paas/app-shop:1',
      config: {},
      processTypes: { web: 'node server.js', worker: 'node worker.js' },
    },
    formation,
  };
  if (restart) a.restart = restart;
  return a;
}

const routeOf = (i: PlanInput) => [...(upstreamsOf(i.routes[0]) ?? [])].sort();

/** shop v1 with web=2, worker=1, all up and routed. */
function running(): PlanInput {
  let i: PlanInput = {
    ...SETTINGS,
    now: T0,
    drainMs: 2000,
    apps: [app()],
    hosts: [{ id: 'h1', memoryMb: 8192, cpus: 8 }],
    assignments: [],
    instances: [],
    routes: [],
  };
  i = applied(i, plan(i));
  i = report(i, ['shop.web.1.v1', 'shop.web.2.v1', 'shop.worker.1.v1'], 'up');
  i = applied(i, plan(i));
  expect(routeOf(i)).toHaveLength(2);
  return i;
}

function restart(i: PlanInput, ...targets: RestartTarget[]): PlanInput {
  let r = i.apps[0]?.restart;
  for (const t of targets) r = bumpRestart(r, t);
  return { ...i, apps: [app(r)] };
}

describe('restart records', () => {
  it('takes the next generation and applies the latest restart that covers a dyno', () => {
    let r = bumpRestart(undefined, { kind: 'dyno', type: 'web', index: 2 });
    expect(r).toEqual({ generation: 1, all: 0, types: {}, dynos: { 'web.2': 1 } });
    expect([generationOf(r, 'web', 1), generationOf(r, 'web', 2), generationOf(r, 'worker', 1)]).toEqual([0, 1, 0]);
    r = bumpRestart(r, { kind: 'type', type: 'worker' });
    expect([generationOf(r, 'web', 2), generationOf(r, 'worker', 1), generationOf(r, 'worker', 7)]).toEqual([1, 2, 2]);
    r = bumpRestart(r, { kind: 'type', type: 'web' });
    expect(r.dynos).toEqual({}); // superseded by the type restart
    expect(generationOf(r, 'web', 2)).toBe(3);
    r = bumpRestart(r, { kind: 'all' });
    expect(r).toEqual({ generation: 4, all: 4, types: {}, dynos: {} });
    expect(generationOf(undefined, 'web', 1)).toBe(0);
  });

  it('keeps ids of never-restarted dynos as they were, and adds the generation after a restart', () => {
    expect(desiredId('shop', 'web', 1, 3)).toBe('shop.web.1.v3');
    expect(desiredId('shop', 'web', 1, 3, 0)).toBe('shop.web.1.v3');
    expect(desiredId('shop', 'web', 1, 3, 2)).toBe('shop.web.1.v3.g2');
    expect(desiredId('my-app', 'worker_2', 10, 1, 12)).toMatch(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/);
  });
});

describe('plan: restart', () => {
  it('restarts everything blue-green: new containers first, the route never empty, old ones go after drain', () => {
    let i = running();
    const before = routeOf(i);
    i = restart(i, { kind: 'all' });
    let p = plan(i);
    expect(ids(p.put)).toEqual(['shop.web.1.v1.g1', 'shop.web.2.v1.g1', 'shop.worker.1.v1.g1']);
    expect(p.remove).toEqual([]);
    expect(p.routes).toEqual([]);
    i = applied(i, p);

    // starting: nothing removed, the old ones keep the route
    i = report(i, ['shop.web.1.v1.g1', 'shop.web.2.v1.g1', 'shop.worker.1.v1.g1'], 'starting');
    p = plan({ ...i, now: T0 + 60_000 });
    expect(p.remove).toEqual([]);
    expect(p.routes).toEqual([]);

    // one new web up: it joins the old ones in the route, nothing goes yet
    i = report(i, ['shop.web.1.v1.g1'], 'up');
    p = plan(i);
    expect(p.remove).toEqual([]);
    expect([...(upstreamsOf(p.routes[0]) ?? [])].sort()).toEqual([...before, upstream(i, 'shop.web.1.v1.g1')].sort());
    i = applied(i, p);

    // the worker's replacement is up: the old worker goes at once (no route)
    i = report(i, ['shop.worker.1.v1.g1'], 'up');
    p = plan(i);
    expect(p.remove).toEqual([{ host: 'h1', id: 'shop.worker.1.v1' }]);
    i = applied(i, p);

    // every new web up: the route has only the new ones; the old stay until the route stops listing them and the drain
    // passes
    i = report(i, ['shop.web.2.v1.g1'], 'up');
    p = plan(i);
    const fresh = [upstream(i, 'shop.web.1.v1.g1'), upstream(i, 'shop.web.2.v1.g1')].sort();
    expect(p.routes.map((r) => routeUpstreams(r))).toEqual([fresh]);
    expect(p.routes[0]?.release).toBe(1);
    expect(p.remove).toEqual([]);
    i = applied(i, p);
    expect(plan({ ...i, now: T0 + 1000 }).remove).toEqual([]);
    i = { ...i, now: T0 + 2000 };
    p = plan(i);
    expect(ids(p.remove)).toEqual(['shop.web.1.v1', 'shop.web.2.v1']);
    i = applied(i, p);
    expect(plan(i)).toEqual({ put: [], remove: [], routes: [], deleteRoutes: [], unplaced: [], statuses: [] });
  });

  it('keeps the old containers serving when the restarted ones crash', () => {
    let i = running();
    const before = routeOf(i);
    i = restart(i, { kind: 'all' });
    i = applied(i, plan(i));
    i = report(i, ['shop.web.1.v1.g1', 'shop.web.2.v1.g1', 'shop.worker.1.v1.g1'], 'crashed');
    const p = plan({ ...i, now: T0 + 60_000 });
    expect(p.remove).toEqual([]);
    expect(p.routes).toEqual([]);
    expect(routeOf(i)).toEqual(before);
  });

  it('restarts one process type only', () => {
    let i = running();
    i = restart(i, { kind: 'type', type: 'worker' });
    let p = plan(i);
    expect(ids(p.put)).toEqual(['shop.worker.1.v1.g1']);
    expect(p.remove).toEqual([]);
    i = applied(i, p);
    i = report(i, ['shop.worker.1.v1.g1'], 'up');
    p = plan(i);
    expect(p.remove).toEqual([{ host: 'h1', id: 'shop.worker.1.v1' }]);
    expect(p.routes).toEqual([]); // web untouched
  });

  it('restarts one dyno: the other web dyno keeps serving throughout', () => {
    let i = running();
    const web2 = upstream(i, 'shop.web.2.v1');
    const web1 = upstream(i, 'shop.web.1.v1');
    i = restart(i, { kind: 'dyno', type: 'web', index: 1 });
    let p = plan(i);
    expect(ids(p.put)).toEqual(['shop.web.1.v1.g1']);
    expect(p.routes).toEqual([]);
    i = applied(i, p);
    i = report(i, ['shop.web.1.v1.g1'], 'starting');
    p = plan(i);
    expect(p.routes).toEqual([]);
    expect(p.remove).toEqual([]);
    expect(routeOf(i)).toEqual([web1, web2].sort()); // both still routed
    i = report(i, ['shop.web.1.v1.g1'], 'up');
    p = plan(i);
    const fresh = upstream(i, 'shop.web.1.v1.g1');
    expect(p.routes.map((r) => routeUpstreams(r))).toEqual([[fresh, web2].sort()]);
    expect(p.remove).toEqual([]);
    i = applied(i, p);
    i = { ...i, now: T0 + 5000 };
    p = plan(i);
    expect(p.remove).toEqual([{ host: 'h1', id: 'shop.web.1.v1' }]);
    expect(routeOf(i)).not.toContain(web1);
  });

  it('scales down at once after a restart, and a new release keeps the generation', () => {
    let i = running();
    i = restart(i, { kind: 'all' });
    i = applied(i, plan(i));
    i = report(i, ['shop.web.1.v1.g1', 'shop.web.2.v1.g1', 'shop.worker.1.v1.g1'], 'up');
    i = applied(i, plan(i));
    i = applied(i, plan({ ...i, now: T0 + 5000 }));
    expect(ids(i.assignments)).toEqual(['shop.web.1.v1.g1', 'shop.web.2.v1.g1', 'shop.worker.1.v1.g1']);

    const r = i.apps[0]?.restart;
    i = {
      ...i,
      now: T0 + 10_000,
      apps: [app(r, { web: { quantity: 1, size: 'eco' }, worker: { quantity: 1, size: 'eco' } })],
    };
    let p = plan(i);
    expect(p.put).toEqual([]);
    i = applied(i, p);
    p = plan({ ...i, now: T0 + 20_000 });
    expect(p.remove).toEqual([{ host: 'h1', id: 'shop.web.2.v1.g1' }]);

    const v2: AppInput = {
      ...app(r),
      release: { version: 2, image: 'paas/app-shop:2', config: {}, processTypes: { web: 'x', worker: 'y' } },
    };
    expect(ids(plan({ ...i, apps: [v2] }).put)).toEqual(
      ['shop.web.2.v2.g1', 'shop.web.1.v2.g1', 'shop.worker.1.v2.g1'].sort(),
    );
  });
});
