import { describe, expect, it } from 'vitest';
import { routeUpstreams } from '../../../services/core/routes.js';
import { bumpRestart } from '../../../services/core/restarts.js';
import type { Assignment } from '../../../services/core/types.js';
import { type AppInput, type Plan, type PlanInput } from '../../../services/scheduler/model.js';
import { plan } from '../../../services/scheduler/plan.js';
import { servingRelease } from '../../../services/scheduler/succession.js';
import { applied, ids, report, upstream, upstreamsOf, SETTINGS } from './steps.js';

// Releases made faster than a rollout: blue-green keeps at most two releases,
// the latest and the one that serves until the latest is all up; the route
// lists one release at a time.

const T0 = Date.parse('2025-01-01T00:00:00Z');
const DRAIN = 2000;

function app(version: number, over: Partial<AppInput> = {}): AppInput {
  return {
    name: 'shop',
    release: {
      version,
      image: `paas/app-shop:${version}`,
      config: {},
      processTypes: { web: 'node server.js', worker: 'node worker.js' },
    },
    formation: { web: { quantity: 2, size: 'eco' }, worker: { quantity: 1, size: 'eco' } },
    ...over,
  };
}

const releasesOf = (as: readonly Assignment[]) => [...new Set(as.map((a) => a.release))].sort((a, b) => a - b);

/**
 * Plans, checks the invariants, applies: at most two releases kept, not
 * counting web containers that only wait out the drain (an older release
 * than the route's, listed in it no more); a route of one release.
 */
function step(i: PlanInput): [PlanInput, Plan] {
  const p = plan(i);
  const next = applied(i, p);
  const route = next.routes[0];
  const listed = new Set(upstreamsOf(route) ?? []);
  const draining = (a: Assignment) => {
    const x = next.instances.find((y) => y.id === a.id);
    return a.type === 'web' && a.release < (route?.release ?? 0) && !(x && listed.has(`${x.address}:${x.port}`));
  };
  const held = next.assignments.filter((a) => !draining(a));
  expect(releasesOf(held).length, `releases kept: ${ids(next.assignments).join(', ')}`).toBeLessThanOrEqual(2);
  for (const r of next.routes) {
    const byUpstream = new Map(next.instances.map((x) => [`${x.address}:${x.port}`, x.release]));
    expect(
      new Set(routeUpstreams(r).map((u) => byUpstream.get(u))).size,
      `route ${routeUpstreams(r).join(', ')}`,
    ).toBeLessThanOrEqual(1);
  }
  return [next, p];
}

/** Releases version `v` at `now`: the app's latest release becomes v. */
const release = (i: PlanInput, v: number, now: number): PlanInput => ({ ...i, now, apps: [app(v)] });
const of = (i: PlanInput, v: number) => i.assignments.filter((a) => a.release === v).map((a) => a.id);

/** shop v1 (web=2, worker=1) all up and routed. */
function running(): PlanInput {
  let i: PlanInput = {
    ...SETTINGS,
    now: T0,
    drainMs: DRAIN,
    apps: [app(1)],
    hosts: [{ id: 'h1', memoryMb: 8192, cpus: 8 }],
    assignments: [],
    instances: [],
    routes: [],
  };
  [i] = step(i);
  i = report(i, of(i, 1), 'up');
  [i] = step(i);
  expect(i.routes[0]?.release).toBe(1);
  return i;
}

describe('plan: releases in quick succession', () => {
  it('keeps only the serving release and the latest: each release started before the previous one is up replaces it', () => {
    let i = running();
    const v1 = [upstream(i, 'shop.web.1.v1'), upstream(i, 'shop.web.2.v1')].sort();
    let p: Plan;

    // v2 starts; one of its web containers comes up: v1 keeps the route alone
    [i, p] = step(release(i, 2, T0 + 10_000));
    expect(ids(p.put)).toEqual(['shop.web.1.v2', 'shop.web.2.v2', 'shop.worker.1.v2']);
    i = report(i, ['shop.web.1.v2'], 'up');
    [i, p] = step(i);
    expect(p.routes).toEqual([]);

    // v3 before v2 is up: v2 is neither latest nor serving, it goes; v1 serves
    [i, p] = step(release(i, 3, T0 + 20_000));
    expect(ids(p.put)).toEqual(['shop.web.1.v3', 'shop.web.2.v3', 'shop.worker.1.v3']);
    expect(ids(p.remove)).toEqual(['shop.web.1.v2', 'shop.web.2.v2', 'shop.worker.1.v2']);
    expect(p.routes).toEqual([]);
    expect(releasesOf(i.assignments)).toEqual([1, 3]);

    // v4 the same way, while v3 is starting
    i = report(i, of(i, 3), 'starting');
    [i, p] = step(release(i, 4, T0 + 30_000));
    expect(ids(p.remove)).toEqual(['shop.web.1.v3', 'shop.web.2.v3', 'shop.worker.1.v3']);
    expect(releasesOf(i.assignments)).toEqual([1, 4]);
    expect([...(upstreamsOf(i.routes[0]) ?? [])].sort()).toEqual(v1);

    // v4 all up: it takes the route alone; v1's worker goes at once, its web after the drain
    i = report(i, of(i, 4), 'up');
    [i, p] = step(i);
    expect(p.routes.map((r) => [r.release, [...routeUpstreams(r)].sort()])).toEqual([
      [4, [upstream(i, 'shop.web.1.v4'), upstream(i, 'shop.web.2.v4')].sort()],
    ]);
    expect(ids(p.remove)).toEqual(['shop.worker.1.v1']);
    [i, p] = step({ ...i, now: i.now + DRAIN });
    expect(ids(p.remove)).toEqual(['shop.web.1.v1', 'shop.web.2.v1']);
    expect(releasesOf(i.assignments)).toEqual([4]);
  });

  it('takes the rapid case of a routed release with an older one still up: the older one goes, the route never gets it back', () => {
    let i = running();
    [i] = step(release(i, 2, T0 + 10_000));
    i = report(i, of(i, 2), 'up');
    [i] = step(i); // v2 routed; v1 drains
    const v2 = [...(upstreamsOf(i.routes[0]) ?? [])];
    expect(i.routes[0]?.release).toBe(2);
    // v3 within v1's drain: v1 still goes (after the drain), v2 serves until v3 is up
    let p: Plan;
    [i, p] = step({ ...release(i, 3, i.now + 500) });
    expect(p.routes).toEqual([]);
    expect(ids(p.remove)).toEqual([]); // v1 waits for the drain
    // three releases exist only while v1 drains: it is in no route and desired by nobody
    i = report(i, of(i, 3), 'starting');
    [i, p] = step({ ...i, now: i.now + DRAIN });
    expect(ids(p.remove)).toEqual(['shop.web.1.v1', 'shop.web.2.v1']);
    expect(p.routes).toEqual([]);
    expect(upstreamsOf(i.routes[0])).toEqual(v2);
  });

  it('serves from a newer older release that is all up when the routed one is down', () => {
    const a = (id: string, release: number, type = 'web'): Assignment => ({
      id,
      app: 'shop',
      release,
      type,
      index: 1,
      host: 'h1',
      image: '',
      command: '',
      env: {},
      port: 5000,
      memoryMb: 256,
      cpuShares: 256,
      createdAt: '',
    });
    const mine = [a('w.v1', 1), a('w.v2', 2), a('k.v2', 2, 'worker'), a('w.v3', 3)];
    const up =
      (...which: string[]) =>
      (x: Assignment) =>
        which.includes(x.id);
    expect(servingRelease(mine, 3, { release: 1 }, up('w.v1', 'w.v2'))).toBe(1); // the route's, while up
    expect(servingRelease(mine, 3, { release: 1 }, up('w.v2'))).toBe(2); // web all up (workers do not count)
    expect(servingRelease(mine, 3, { release: 1 }, up())).toBe(1); // nothing up: the route's may come back
    expect(servingRelease(mine, 3, undefined, up())).toBe(0);
    expect(servingRelease(mine, 3, { release: 3 }, up('w.v3', 'w.v1'))).toBe(3); // restart or resize of the latest
    expect(servingRelease([a('k.v1', 1, 'worker'), a('k.v2', 2, 'worker')], 3, { release: 0 }, up('k.v1'))).toBe(1); // no web: all its containers
  });

  it('replaces only the restarted dynos of the latest release while an older release still serves, one release in the route', () => {
    let i = running();
    [i] = step(release(i, 2, T0 + 10_000));
    i = report(i, ['shop.web.1.v2'], 'up');
    // a restart of web.1 during the rollout of v2: v2's web.1 is replaced, v1 keeps serving alone
    let p: Plan;
    [i, p] = step({
      ...i,
      apps: [app(2, { restart: bumpRestart(undefined, { kind: 'dyno', type: 'web', index: 1 }) })],
    });
    expect(ids(p.put)).toEqual(['shop.web.1.v2.g1']);
    expect(p.remove).toEqual([]);
    expect(i.routes[0]?.release).toBe(1);
    i = report(i, ['shop.web.1.v2.g1', 'shop.web.2.v2', 'shop.worker.1.v2'], 'up');
    [i, p] = step(i);
    expect(p.routes.map((r) => r.release)).toEqual([2]);
    expect([...(upstreamsOf(p.routes[0]) ?? [])].sort()).toEqual(
      [upstream(i, 'shop.web.1.v2.g1'), upstream(i, 'shop.web.2.v2')].sort(),
    );
    [i] = step({ ...i, now: i.now + DRAIN });
    expect(ids(i.assignments)).toEqual(['shop.web.1.v2.g1', 'shop.web.2.v2', 'shop.worker.1.v2']);
  });

  it('frees the room of releases that no longer serve, so the latest is placed instead of waiting forever', () => {
    // room for two copies only: v1 serves, v2 never came up, v3 waits for room
    let i = running();
    i = { ...i, hosts: [{ id: 'h1', memoryMb: 1536, cpus: 8 }] };
    [i] = step(release(i, 2, T0 + 10_000));
    i = report(i, of(i, 2), 'crashed');
    let p: Plan;
    [i, p] = step(release(i, 3, T0 + 20_000));
    expect(p.put).toEqual([]);
    expect(ids(p.unplaced)).toEqual(['shop.web.1.v3', 'shop.web.2.v3', 'shop.worker.1.v3']);
    expect(ids(p.remove)).toEqual(['shop.web.1.v2', 'shop.web.2.v2', 'shop.worker.1.v2']);
    [i, p] = step(i); // the room is free now
    expect(ids(p.put)).toEqual(['shop.web.1.v3', 'shop.web.2.v3', 'shop.worker.1.v3']);
    expect(i.routes[0]?.release).toBe(1);
  });

  it('keeps serving when serving and latest do not both fit: the latest stays unplaced with the reason, then fails', () => {
    let i = running();
    i = { ...i, hosts: [{ id: 'h1', memoryMb: 900, cpus: 8 }] }; // one copy only (3 × 256 MB)
    let p: Plan;
    [i, p] = step(release(i, 2, T0 + 10_000));
    expect(p.put).toEqual([]);
    expect(p.unplaced.map((u) => u.reason)).toEqual(expect.arrayContaining([expect.stringMatching(/memory/i)]));
    expect(p.remove).toEqual([]);
    // (the scheduler's state gives the newest earlier release that did not fail as the fallback)
    i = {
      ...i,
      apps: [
        {
          ...app(2),
          release: { ...app(2).release!, createdAt: new Date(T0 + 10_000).toISOString() },
          fallback: app(1).release!,
        },
      ],
    };
    [i, p] = step({ ...i, now: T0 + 10_000 + 60_000 });
    expect(p.statuses.map((s) => [s.version, s.status])).toEqual([[2, 'failed']]);
    expect(p.statuses[0]?.reason).toMatch(/could not be placed/);
    [i, p] = step(i); // falls back to v1: nothing changes
    expect(p.put).toEqual([]);
    expect(p.remove).toEqual([]);
    expect(ids(i.assignments)).toEqual(['shop.web.1.v1', 'shop.web.2.v1', 'shop.worker.1.v1']);
    expect(i.routes[0]?.release).toBe(1);
  });
});
