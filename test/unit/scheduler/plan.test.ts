import { describe, expect, it } from 'vitest';
import { routeUpstreams } from '../../../services/core/routes.js';
import { desiredId } from '../../../services/scheduler/desired.js';
import { type AppInput, type PlanInput } from '../../../services/scheduler/model.js';
import { plan } from '../../../services/scheduler/plan.js';
import { applied, ids, report, upstream, upstreamsOf, SETTINGS } from './steps.js';

// The planner, step by step: each test builds a plain input, plans, applies
// the plan to the input as etcd would, and moves the agents' reports along.

const T0 = Date.parse('2025-01-01T00:00:00Z');

function app(name: string, version: number, opts: Partial<AppInput> & { web?: number } = {}): AppInput {
  return {
    name,
    release: {
      version,
      image: `paas/app-${name}:${version}`,
      config: { GREETING: `v${version}` },
      processTypes: { web: 'node server.js', worker: 'node worker.js' },
    },
    formation: opts.formation ?? { web: { quantity: opts.web ?? 1, size: 'standard-1x' } },
  };
}

function input(over: Partial<PlanInput>): PlanInput {
  return {
    ...SETTINGS,
    now: T0,
    drainMs: 2000,
    apps: [],
    hosts: [{ id: 'h1', memoryMb: 4096, cpus: 8 }],
    assignments: [],
    instances: [],
    routes: [],
    ...over,
  };
}

describe('plan: desired assignments', () => {
  it('places web=1 of the latest release with the release config and size', () => {
    const p = plan(input({ apps: [app('shop', 3)] }));
    expect(p.put).toEqual([
      {
        id: 'shop.web.1.v3',
        host: 'h1',
        app: 'shop',
        release: 3,
        type: 'web',
        index: 1,
        image: 'paas/app-shop:3',
        command: 'node server.js',
        env: { GREETING: 'v3' },
        port: 5000,
        memoryMb: 512,
        cpuShares: 1024,
        diskMb: 2048,
        egressMbit: 200,
        ingressMbit: 200,
        createdAt: new Date(T0).toISOString(),
      },
    ]);
    expect(p.remove).toEqual([]);
    // waking: the router holds the first requests until web.1 is up, rather than answering 503
    expect(p.routes).toEqual([
      { app: 'shop', dynos: [], release: 0, state: 'waking', updatedAt: new Date(T0).toISOString() },
    ]);
  });

  it('runs web=1 when the formation does not mention web, skips types the release lacks, honours sizes', () => {
    const a = app('shop', 1, {
      formation: { worker: { quantity: 2, size: 'eco' }, clock: { quantity: 1, size: 'eco' } },
    });
    const p = plan(input({ apps: [a] }));
    expect(ids(p.put)).toEqual(['shop.web.1.v1', 'shop.worker.1.v1', 'shop.worker.2.v1']);
    expect(p.put.find((x) => x.type === 'worker')?.memoryMb).toBe(256);
  });

  it('runs nothing for an app without a release or whose release has no image', () => {
    const noImage: AppInput = { ...app('cfg', 1), release: { version: 1, image: '', config: {}, processTypes: {} } };
    const p = plan(input({ apps: [{ name: 'empty', formation: {} }, noImage] }));
    expect(p.put).toEqual([]);
  });

  it('writes nothing when everything is in place', () => {
    let i = input({ apps: [app('shop', 1)] });
    i = applied(i, plan(i));
    i = report(i, ['shop.web.1.v1'], 'up');
    i = applied(i, plan(i));
    const p = plan(i);
    expect(p).toEqual({ put: [], remove: [], routes: [], deleteRoutes: [], unplaced: [], statuses: [] });
  });

  it('spreads replicas over two hosts', () => {
    const p = plan(
      input({
        apps: [app('shop', 1, { web: 2 })],
        hosts: [
          { id: 'h1', memoryMb: 4096, cpus: 8 },
          { id: 'h2', memoryMb: 4096, cpus: 8 },
        ],
      }),
    );
    expect(p.put.map((a) => `${a.id}@${a.host}`)).toEqual(['shop.web.1.v1@h1', 'shop.web.2.v1@h2']);
  });

  it('reports what cannot be placed, and places what can', () => {
    const p = plan(input({ apps: [app('shop', 1, { web: 3 })], hosts: [{ id: 'h1', memoryMb: 1200, cpus: 8 }] }));
    expect(ids(p.put)).toEqual(['shop.web.1.v1', 'shop.web.2.v1']);
    expect(p.unplaced.map((u) => u.id)).toEqual(['shop.web.3.v1']);
    expect(p.unplaced[0]?.reason).toMatch(/^not enough memory: needs 512 MB, most free on a matching host is 176 MB/);
  });

  it('moves assignments off a host that is gone', () => {
    let i = input({ apps: [app('shop', 1)], hosts: [{ id: 'h1', memoryMb: 4096, cpus: 8 }] });
    i = applied(i, plan(i));
    i = { ...i, hosts: [{ id: 'h2', memoryMb: 4096, cpus: 8 }] };
    const p = plan(i);
    expect(p.remove).toEqual([{ host: 'h1', id: 'shop.web.1.v1' }]);
    expect(p.put.map((a) => `${a.id}@${a.host}`)).toEqual(['shop.web.1.v1@h2']);
  });
});

describe('plan: blue-green deploy', () => {
  it('keeps the old release serving until the new one is up, then switches the route, drains, removes', () => {
    // v1 running and routed
    let i = input({ apps: [app('shop', 1)] });
    i = applied(i, plan(i));
    i = report(i, ['shop.web.1.v1'], 'up');
    i = applied(i, plan(i));
    const v1 = upstream(i, 'shop.web.1.v1');
    expect(upstreamsOf(i.routes[0])).toEqual([v1]);
    expect(i.routes[0]?.release).toBe(1);

    // v2 released: v2 is placed, v1 stays and keeps the route
    i = { ...i, apps: [app('shop', 2)] };
    let p = plan(i);
    expect(ids(p.put)).toEqual(['shop.web.1.v2']);
    expect(p.remove).toEqual([]);
    expect(p.routes).toEqual([]);
    i = applied(i, p);

    // v2 starting: nothing changes
    i = report(i, ['shop.web.1.v2'], 'starting');
    p = plan(i);
    expect(p.remove).toEqual([]);
    expect(p.routes).toEqual([]);

    // v2 up: the route switches to v2, v1 is not removed yet (the route still lists it)
    i = report(i, ['shop.web.1.v2'], 'up');
    const v2 = upstream(i, 'shop.web.1.v2');
    p = plan(i);
    expect(p.routes.map((r) => routeUpstreams(r))).toEqual([[v2]]);
    expect(p.routes[0]?.release).toBe(2);
    expect(p.remove).toEqual([]);
    i = applied(i, p);

    // the route no longer lists v1, but the drain delay has not passed
    p = plan({ ...i, now: T0 + 500 });
    expect(p.remove).toEqual([]);
    expect(p.recheckInMs).toBe(1500);

    // after the drain delay v1 goes
    i = { ...i, now: T0 + 2000 };
    p = plan(i);
    expect(p.remove).toEqual([{ host: 'h1', id: 'shop.web.1.v1' }]);
    expect(p.routes).toEqual([]);
    i = applied(i, p);
    expect(plan(i)).toEqual({ put: [], remove: [], routes: [], deleteRoutes: [], unplaced: [], statuses: [] });
  });

  it('keeps the old release when the new one never becomes healthy', () => {
    let i = input({ apps: [app('shop', 1)] });
    i = applied(i, plan(i));
    i = report(i, ['shop.web.1.v1'], 'up');
    i = applied(i, plan(i));
    const v1 = upstream(i, 'shop.web.1.v1');
    i = { ...i, apps: [app('shop', 2)] };
    i = applied(i, plan(i));
    i = report(i, ['shop.web.1.v2'], 'crashed');
    const p = plan({ ...i, now: T0 + 60_000 });
    expect(p.remove).toEqual([]);
    expect(p.routes).toEqual([]);
    expect(upstreamsOf(i.routes[0])).toEqual([v1]);
  });

  it('waits for every desired instance of the new release, per process type', () => {
    let i = input({
      apps: [
        app('shop', 1, { formation: { web: { quantity: 2, size: 'eco' }, worker: { quantity: 1, size: 'eco' } } }),
      ],
    });
    i = applied(i, plan(i));
    i = report(i, ['shop.web.1.v1', 'shop.web.2.v1', 'shop.worker.1.v1'], 'up');
    i = applied(i, plan(i));
    const old = [upstream(i, 'shop.web.1.v1'), upstream(i, 'shop.web.2.v1')].sort();

    i = {
      ...i,
      apps: [
        app('shop', 2, { formation: { web: { quantity: 2, size: 'eco' }, worker: { quantity: 1, size: 'eco' } } }),
      ],
    };
    i = applied(i, plan(i));
    // one of two new web instances up, the new worker up: the worker swaps, web does not
    i = report(i, ['shop.web.1.v2', 'shop.worker.1.v2'], 'up');
    let p = plan({ ...i, now: T0 + 10_000 });
    expect(p.routes).toEqual([]);
    expect(upstreamsOf(i.routes[0])).toEqual(old);
    expect(p.remove).toEqual([{ host: 'h1', id: 'shop.worker.1.v1' }]);
    i = applied(i, p);

    i = report(i, ['shop.web.2.v2'], 'up');
    p = plan({ ...i, now: T0 + 20_000 });
    expect(upstreamsOf(p.routes[0])).toEqual([upstream(i, 'shop.web.1.v2'), upstream(i, 'shop.web.2.v2')].sort());
    expect(p.remove).toEqual([]);
    i = applied(i, p);
    p = plan({ ...i, now: T0 + 30_000 });
    expect(p.remove.map((r) => r.id).sort()).toEqual(['shop.web.1.v1', 'shop.web.2.v1']);
  });
});

describe('plan: routes', () => {
  it('routes to the new release while it starts if there is no older one', () => {
    let i = input({ apps: [app('shop', 1, { web: 2 })] });
    i = applied(i, plan(i));
    i = report(i, ['shop.web.1.v1'], 'up');
    i = report(i, ['shop.web.2.v1'], 'starting');
    const p = plan(i);
    expect(p.routes.map((r) => routeUpstreams(r))).toEqual([[upstream(i, 'shop.web.1.v1')]]);
  });

  it('ignores an instance reported by a host it is not assigned to', () => {
    let i = input({ apps: [app('shop', 1)] });
    i = applied(i, plan(i));
    i = report(i, ['shop.web.1.v1'], 'up');
    i = { ...i, instances: i.instances.map((x) => ({ ...x, host: 'other' })) };
    expect(plan(i).routes).toEqual([]);
  });

  it('lists upstreams sorted and rewrites the route only when they change', () => {
    let i = input({ apps: [app('shop', 1, { web: 3 })] });
    i = applied(i, plan(i));
    i = report(i, ['shop.web.3.v1', 'shop.web.1.v1', 'shop.web.2.v1'], 'up');
    const p = plan(i);
    const ups = upstreamsOf(p.routes[0]) ?? [];
    expect(ups).toHaveLength(3);
    expect([...ups].sort()).toEqual(ups);
    i = applied(i, p);
    expect(plan({ ...i, now: T0 + 5000 }).routes).toEqual([]);
  });
});

describe('plan: scale and delete', () => {
  it('scales up with new indices and down by dropping the highest, after the route drops them', () => {
    let i = input({ apps: [app('shop', 1, { web: 1 })] });
    i = applied(i, plan(i));
    i = report(i, ['shop.web.1.v1'], 'up');
    i = applied(i, plan(i));

    i = { ...i, apps: [app('shop', 1, { web: 3 })] };
    let p = plan(i);
    expect(ids(p.put)).toEqual(['shop.web.2.v1', 'shop.web.3.v1']);
    i = applied(i, p);
    i = report(i, ['shop.web.2.v1', 'shop.web.3.v1'], 'up');
    i = applied(i, plan(i));
    expect(upstreamsOf(i.routes[0])).toHaveLength(3);

    i = { ...i, apps: [app('shop', 1, { web: 1 })], now: T0 + 10_000 };
    p = plan(i);
    expect(upstreamsOf(p.routes[0])).toEqual([upstream(i, 'shop.web.1.v1')]);
    expect(p.remove).toEqual([]); // the stored route still lists them
    i = applied(i, p);
    p = plan({ ...i, now: T0 + 12_000 });
    expect(p.remove.map((r) => r.id).sort()).toEqual(['shop.web.2.v1', 'shop.web.3.v1']);
  });

  it('scales to zero: empty route, then no containers', () => {
    let i = input({ apps: [app('shop', 1)] });
    i = applied(i, plan(i));
    i = report(i, ['shop.web.1.v1'], 'up');
    i = applied(i, plan(i));
    i = { ...i, apps: [app('shop', 1, { web: 0 })], now: T0 + 10_000 };
    i = applied(i, plan(i));
    expect(upstreamsOf(i.routes[0])).toEqual([]);
    expect(plan({ ...i, now: T0 + 20_000 }).remove).toEqual([{ host: 'h1', id: 'shop.web.1.v1' }]);
  });

  it('removes the assignments and route of a deleted app at once', () => {
    let i = input({ apps: [app('shop', 1), app('blog', 1)] });
    i = applied(i, plan(i));
    i = report(i, ['shop.web.1.v1', 'blog.web.1.v1'], 'up');
    i = applied(i, plan(i));
    i = { ...i, apps: [app('blog', 1)] };
    const p = plan(i);
    expect(p.remove).toEqual([{ host: 'h1', id: 'shop.web.1.v1' }]);
    expect(p.deleteRoutes).toEqual(['shop']);
    expect(p.put).toEqual([]);
  });

  it('makes ids that are stable and safe for etcd keys and Docker names', () => {
    expect(desiredId('shop', 'web', 2, 17)).toBe('shop.web.2.v17');
    expect(desiredId('my-app', 'worker_2', 1, 1)).toMatch(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/);
  });
});

describe('plan: dyno details in routes', () => {
  it("names each upstream's dyno, host and bridge address, and rewrites the route when a bridge address appears, keeping updatedAt", () => {
    let i = input({ apps: [app('shop', 1, { web: 2 })] });
    i = applied(i, plan(i));
    i = report(i, ['shop.web.1.v1', 'shop.web.2.v1'], 'up');
    const first = plan(i);
    const route = first.routes[0];
    expect(route?.dynos).toEqual(
      [
        { upstream: upstream(i, 'shop.web.1.v1'), dyno: 'web.1', host: 'h1' },
        { upstream: upstream(i, 'shop.web.2.v1'), dyno: 'web.2', host: 'h1' },
      ].sort((a, b) => a.upstream.localeCompare(b.upstream)),
    );
    i = applied(i, first);
    expect(plan({ ...i, now: T0 + 60_000 }).routes).toEqual([]);

    i = report(i, ['shop.web.1.v1'], 'up', { bridge: '172.17.0.9:5000' });
    const again = plan({ ...i, now: T0 + 60_000 }).routes[0];
    expect(upstreamsOf(again)).toEqual(upstreamsOf(route));
    expect(again?.updatedAt).toBe(route?.updatedAt);
    expect(again?.dynos?.find((d) => d.dyno === 'web.1')).toEqual({
      upstream: upstream(i, 'shop.web.1.v1'),
      dyno: 'web.1',
      host: 'h1',
      bridge: '172.17.0.9:5000',
    });
  });
});
