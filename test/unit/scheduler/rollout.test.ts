import { describe, expect, it } from 'vitest';
import type { Instance, InstanceState } from '../../../services/core/types.js';
import { desiredFor } from '../../../services/scheduler/desired.js';
import { type AppInput, type LatestRelease, type PlanInput } from '../../../services/scheduler/model.js';
import { plan } from '../../../services/scheduler/plan.js';
import { fateOf, notUpReason, rolloutFailure } from '../../../services/scheduler/rollout.js';
import { DEFAULT_RELEASE_TIMEOUT_MS, releaseTimeoutReason } from '../../../services/core/releasephase.js';
import { applied, ids, report as reportAll, upstreamsOf, SETTINGS } from './steps.js';

// Failed releases and the release phase, step by step: plain inputs, the plan
// applied as etcd would apply it (status records included), agents' reports.

const T0 = Date.parse('2025-01-01T00:00:00Z');
const TIMEOUT = 60_000;

function rel(version: number, types: Record<string, string> = { web: 'node server.js' }): LatestRelease {
  return {
    version,
    image: `img:${version}`,
    config: { V: String(version) },
    processTypes: types,
    createdAt: new Date(T0).toISOString(),
  };
}

function input(apps: AppInput[], over: Partial<PlanInput> = {}): PlanInput {
  return {
    ...SETTINGS,
    now: T0,
    drainMs: 0,
    apps,
    hosts: [{ id: 'h1', memoryMb: 4096, cpus: 8 }],
    assignments: [],
    instances: [],
    routes: [],
    rolloutTimeoutMs: TIMEOUT,
    ...over,
  };
}

/** One agent's report of one assignment. */
const report = (i: PlanInput, id: string, state: InstanceState, extra: Partial<Instance> = {}): PlanInput =>
  reportAll(i, [id], state, extra);
const at = (i: PlanInput, ms: number): PlanInput => ({ ...i, now: T0 + ms });

/** shop at v1, serving, status succeeded. */
function serving(): PlanInput {
  let i = input([{ name: 'shop', release: rel(1), formation: {} }]);
  i = applied(i, plan(i));
  i = report(i, 'shop.web.1.v1', 'up');
  const p = plan(i);
  expect(p.statuses).toEqual([{ app: 'shop', version: 1, status: 'succeeded', at: new Date(T0).toISOString() }]);
  return applied(i, p);
}

/** Deploy v2 of shop on top of the serving v1. */
function deploy(i: PlanInput, release: LatestRelease, ms = 1000): PlanInput {
  const v1 = i.apps[0] as AppInput;
  return at(
    { ...i, apps: [{ name: v1.name, release, formation: v1.formation, fallback: v1.release as LatestRelease }] },
    ms,
  );
}

describe('rollout: success and failure of the latest release', () => {
  it('records succeeded once the web containers are up, and then writes nothing more', () => {
    const i = serving();
    expect(plan(i)).toEqual({ put: [], remove: [], routes: [], deleteRoutes: [], unplaced: [], statuses: [] });
    // a crash long after the release succeeded does not fail it
    const later = at(report(i, 'shop.web.1.v1', 'crashed', { exitCode: 1, restarts: 5 }), 10 * TIMEOUT);
    expect(plan(later).statuses).toEqual([]);
  });

  it('fails a release whose web crashes past the timeout, with the reason; the previous release keeps serving', () => {
    let i = serving();
    const route = i.routes[0];
    i = deploy(i, rel(2));
    i = applied(i, plan(i));
    i = report(i, 'shop.web.1.v2', 'crashed', { exitCode: 1, restarts: 2 });
    const early = plan(at(i, 30_000));
    expect(early.statuses).toEqual([]);
    expect(early.recheckInMs).toBe(TIMEOUT + 1000 - 30_000);
    i = at(i, TIMEOUT + 1000);
    const p = plan(i);
    expect(p.statuses).toEqual([
      {
        app: 'shop',
        version: 2,
        status: 'failed',
        reason: 'web.1 crashed (exit 1) 3 times',
        at: new Date(T0 + TIMEOUT + 1000).toISOString(),
      },
    ]);
    expect(p.remove).toEqual([]); // this pass only records; the next falls back
    expect(p.routes).toEqual([]); // v1 was never unrouted
    i = applied(i, p);
    const back = plan(i);
    expect(back.statuses).toEqual([]);
    expect(back.put).toEqual([]); // v1's container is still there and runs on
    expect(ids(back.remove)).toEqual(['shop.web.1.v2']);
    expect(back.routes).toEqual([]);
    expect(i.routes[0]).toEqual(route);
    i = applied(i, back);
    expect(ids(i.assignments)).toEqual(['shop.web.1.v1']);
    expect(plan(i)).toEqual({ put: [], remove: [], routes: [], deleteRoutes: [], unplaced: [], statuses: [] });
  });

  it('names a health check that never passed, and containers no host can take', () => {
    let i = serving();
    i = deploy(i, { ...rel(2), healthcheck: { path: '/health' } });
    i = {
      ...i,
      apps: [
        {
          ...(i.apps[0] as AppInput),
          formation: { web: { quantity: 2, size: 'standard-1x' }, worker: { quantity: 2, size: 'performance-m' } },
        },
      ],
    };
    i = {
      ...i,
      apps: [
        {
          ...(i.apps[0] as AppInput),
          release: {
            ...(i.apps[0]?.release as LatestRelease),
            processTypes: { web: 'node s.js', worker: 'node w.js' },
          },
        },
      ],
    };
    i = applied(i, plan(i));
    i = report(i, 'shop.web.1.v2', 'crashed', { exitCode: 143, restarts: 1 });
    i = report(i, 'shop.web.2.v2', 'up');
    const p = plan(at(i, TIMEOUT + 5000));
    expect(p.statuses[0]?.status).toBe('failed');
    expect(p.statuses[0]?.reason).toMatch(
      /^web\.1 never passed its health check GET \/health; worker\.2 could not be placed: not enough memory/,
    );
  });

  it('fails a first release with no fallback: nothing runs, the route stays empty', () => {
    let i = input([{ name: 'new', release: rel(1), formation: {} }]);
    i = applied(i, plan(i));
    i = report(i, 'new.web.1.v1', 'starting');
    i = at(i, TIMEOUT);
    const p = plan(i);
    expect(p.statuses.map((s) => [s.status, s.reason])).toEqual([['failed', 'web.1 did not listen on $PORT in time']]);
    i = applied(i, p);
    const gone = plan(i);
    expect(ids(gone.remove)).toEqual(['new.web.1.v1']);
    i = applied(i, gone);
    expect(upstreamsOf(i.routes[0])).toEqual([]);
  });

  it('tries a newer release again normally after a failure', () => {
    const failed = {
      name: 'shop',
      release: rel(3),
      formation: {},
      status: { status: 'failed' as const, reason: 'x', at: '' },
      fallback: rel(1),
    };
    expect(ids(plan(input([failed])).put)).toEqual(['shop.web.1.v1']);
    const newer = { name: 'shop', release: rel(4), formation: {} };
    expect(ids(plan(input([newer])).put)).toEqual(['shop.web.1.v4']);
  });

  it('is deterministic: the same input gives the same plan', () => {
    let i = deploy(serving(), rel(2));
    i = applied(i, plan(i));
    i = at(report(i, 'shop.web.1.v2', 'crashed', { exitCode: 1 }), TIMEOUT * 2);
    expect(plan(i)).toEqual(plan(structuredClone(i)));
  });
});

describe('release phase', () => {
  const withRelease = (v: number) => rel(v, { web: 'node server.js', release: 'node migrate.js' });

  it('runs the release command once as a one-off before the rollout; old containers keep serving', () => {
    let i = deploy(serving(), withRelease(2));
    const p = plan(i);
    expect(p.put).toEqual([
      expect.objectContaining({
        id: 'shop.release.1.v2',
        type: 'release',
        command: 'node migrate.js',
        oneOff: true,
        memoryMb: 512,
        env: { V: '2' },
      }),
    ]);
    expect(p.put[0]).not.toHaveProperty('healthcheck');
    expect(p.remove).toEqual([]);
    expect(p.routes).toEqual([]);
    i = applied(i, p);
    i = report(i, 'shop.release.1.v2', 'up');
    // running, even past the rollout timeout: still holding, nothing rolled out (until its own timeout: 5 min from its
    // assignment at 1 s)
    const { recheckOf: _rechecks, ...running } = plan(at(i, 5 * TIMEOUT)); // recheckOf: per app, below
    expect(running).toEqual({
      put: [],
      remove: [],
      routes: [],
      deleteRoutes: [],
      unplaced: [],
      statuses: [],
      recheckInMs: 1000,
    });
    i = report(i, 'shop.release.1.v2', 'succeeded', { exitCode: 0 });
    const done = plan(i);
    expect(done.statuses.map((s) => s.status)).toEqual(['released']);
    expect(ids(done.remove)).toEqual(['shop.release.1.v2']);
    expect(done.put).toEqual([]);
    i = applied(i, done);
    const rollout = plan(i);
    expect(ids(rollout.put)).toEqual(['shop.web.1.v2']);
    i = report(applied(i, rollout), 'shop.web.1.v2', 'up');
    const switched = plan(i);
    expect(switched.statuses.map((s) => s.status)).toEqual(['succeeded']);
    expect(switched.routes[0]?.release).toBe(2);
    // a later plan (a scheduler restart, a new leader) does not run it again
    i = applied(i, switched);
    expect(plan(i).put.filter((a) => a.type === 'release')).toEqual([]);
  });

  it('a release command that fails marks the release failed and nothing rolls out', () => {
    let i = deploy(serving(), withRelease(2));
    i = applied(i, plan(i));
    i = report(i, 'shop.release.1.v2', 'failed', { exitCode: 2 });
    const p = plan(i);
    expect(p.statuses.map((s) => [s.status, s.reason])).toEqual([['failed', 'release command failed (exit 2)']]);
    expect(ids(p.remove)).toEqual(['shop.release.1.v2']);
    expect(p.put).toEqual([]);
    i = applied(i, p);
    const after = plan(i);
    expect(after).toEqual({ put: [], remove: [], routes: [], deleteRoutes: [], unplaced: [], statuses: [] });
    expect(ids(i.assignments)).toEqual(['shop.web.1.v1']);
  });

  it('a release command running past the release timeout is stopped and fails the release; the previous release keeps serving', () => {
    const RELEASE_TIMEOUT = 120_000;
    let i: PlanInput = { ...deploy(serving(), withRelease(2)), releaseTimeoutMs: RELEASE_TIMEOUT };
    i = applied(i, plan(i)); // the one-off, assigned at 1 s
    i = report(i, 'shop.release.1.v2', 'up');
    const before = i.routes;
    // just before its deadline: nothing changes, the planner wakes up at the deadline
    const { recheckOf: _recheckOf, ...waiting } = plan(at(i, 1000 + RELEASE_TIMEOUT - 1));
    expect(waiting).toEqual({
      put: [],
      remove: [],
      routes: [],
      deleteRoutes: [],
      unplaced: [],
      statuses: [],
      recheckInMs: 1,
    });
    // at the deadline: failed, with the reason a person reads; the one-off goes; nothing rolls out
    i = at(i, 1000 + RELEASE_TIMEOUT);
    const p = plan(i);
    expect(p.statuses).toEqual([
      {
        app: 'shop',
        version: 2,
        status: 'failed',
        reason: 'release command timed out after 120 s',
        at: new Date(T0 + 1000 + RELEASE_TIMEOUT).toISOString(),
      },
    ]);
    expect(ids(p.remove)).toEqual(['shop.release.1.v2']);
    expect(p.put).toEqual([]);
    expect(p.routes).toEqual([]);
    i = applied(i, p);
    // afterwards v1 keeps serving as it is, and the release phase never runs again
    expect(plan(at(i, 1000 + 2 * RELEASE_TIMEOUT))).toEqual({
      put: [],
      remove: [],
      routes: [],
      deleteRoutes: [],
      unplaced: [],
      statuses: [],
    });
    expect(ids(i.assignments)).toEqual(['shop.web.1.v1']);
    expect(i.routes).toEqual(before);
  });

  it("the release timeout is 5 minutes unless told, counted from the one-off's assignment, not from the release", () => {
    let i = deploy(serving(), withRelease(2), 30_000); // the one-off is assigned 30 s after v1
    i = applied(i, plan(i));
    i = report(i, 'shop.release.1.v2', 'up');
    expect(plan(at(i, 30_000 + DEFAULT_RELEASE_TIMEOUT_MS - 1)).statuses).toEqual([]);
    expect(plan(at(i, 30_000 + DEFAULT_RELEASE_TIMEOUT_MS)).statuses.map((s) => s.reason)).toEqual([
      'release command timed out after 300 s',
    ]);
  });

  it('the rollout timeout counts after the release phase: a 4-minute release command leaves the web containers their whole minute', () => {
    let i = deploy(serving(), withRelease(2));
    i = applied(i, plan(i));
    i = report(i, 'shop.release.1.v2', 'up');
    const ended = 1000 + 4 * 60_000;
    i = report(at(i, ended), 'shop.release.1.v2', 'succeeded', { exitCode: 0 });
    i = applied(i, plan(i)); // released, the one-off removed
    const rollout = plan(i);
    expect(ids(rollout.put)).toEqual(['shop.web.1.v2']);
    i = applied(i, rollout);
    // the web container is still starting 59 s later: not failed yet
    i = report(at(i, ended + TIMEOUT - 1000), 'shop.web.1.v2', 'starting');
    expect(plan(i).statuses).toEqual([]);
    // up at 59.5 s: succeeded
    i = report(at(i, ended + TIMEOUT - 500), 'shop.web.1.v2', 'up');
    expect(plan(i).statuses.map((s) => s.status)).toEqual(['succeeded']);
  });

  it('release is never a formation type', () => {
    const a: AppInput = {
      name: 'shop',
      release: withRelease(1),
      formation: { release: { quantity: 2, size: 'eco' } },
      status: { status: 'released', at: '' },
    };
    expect(ids(desiredFor(a, T0))).toEqual(['shop.web.1.v1']);
  });
});

describe('rollout: pure parts', () => {
  it('fateOf', () => {
    const r = { image: 'i', processTypes: { web: 'x', release: 'y' } };
    expect(fateOf(r, undefined)).toEqual({ fellBack: false, phase: true, judged: true });
    expect(fateOf(r, { status: 'released', at: '' })).toEqual({ fellBack: false, phase: false, judged: true });
    expect(fateOf(r, { status: 'succeeded', at: '' })).toEqual({ fellBack: false, phase: false, judged: false });
    expect(fateOf(r, { status: 'failed', at: '' })).toEqual({ fellBack: true, phase: false, judged: false });
    expect(fateOf({ image: '', processTypes: {} }, undefined)).toEqual({
      fellBack: false,
      phase: false,
      judged: false,
    });
  });

  it('releaseTimeoutReason', () => {
    expect(releaseTimeoutReason(300_000)).toBe('release command timed out after 300 s');
    expect(releaseTimeoutReason(3000)).toBe('release command timed out after 3 s');
    expect(releaseTimeoutReason(2500)).toBe('release command timed out after 2.5 s');
    expect(releaseTimeoutReason(90_400)).toBe('release command timed out after 90 s');
  });

  it('notUpReason and rolloutFailure', () => {
    const inst = (state: InstanceState, extra: Partial<Instance> = {}): Instance => ({
      id: 'x',
      host: 'h',
      app: 'a',
      release: 1,
      type: 'web',
      state,
      containerId: '',
      address: '',
      port: 0,
      updatedAt: '',
      ...extra,
    });
    expect(notUpReason('web.1', inst('crashed', { exitCode: 1 }))).toBe('web.1 crashed (exit 1) once');
    expect(notUpReason('web.1', inst('starting', { exitCode: 3, restarts: 2 }))).toBe('web.1 crashed (exit 3) 2 times');
    expect(notUpReason('web.1', inst('crashed', { exitCode: 143 }), { path: '/h' })).toBe(
      'web.1 never passed its health check GET /h',
    );
    expect(notUpReason('web.1', undefined)).toBe('web.1 did not start (its host has not reported it)');
    const items = ['web.1', 'web.2', 'web.3', 'web.4', 'web.5'].map((name) => ({
      name,
      unplaced: 'no host has tags pool=x',
    }));
    expect(rolloutFailure(items)).toBe(
      'web.1 could not be placed: no host has tags pool=x; web.2 could not be placed: no host has tags pool=x; web.3 could not be placed: no host has tags pool=x; and 2 more',
    );
  });
});
