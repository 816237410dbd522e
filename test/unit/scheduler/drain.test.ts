import { describe, expect, it } from 'vitest';
import type { StoredRoute } from '../../../services/core/routes.js';
import type { Assignment, Instance } from '../../../services/core/types.js';
import { drainSurplus } from '../../../services/scheduler/drain.js';
import type { PlanInput } from '../../../services/scheduler/model.js';
import { snapshotOf } from '../../../services/scheduler/plan.js';
import type { Succession } from '../../../services/scheduler/succession.js';
import { SETTINGS } from './steps.js';

// The drain step alone: a surplus web container goes once no stored route
// lists it and the drain delay since the route's change has passed.

const T0 = Date.parse('2025-01-01T00:00:00Z');
const old = { id: 'shop.web.1.v1', host: 'h1', app: 'shop', release: 1, type: 'web', index: 1 } as Assignment;
const inst: Instance = {
  id: old.id,
  host: 'h1',
  app: 'shop',
  release: 1,
  type: 'web',
  state: 'up',
  containerId: 'c',
  address: '127.0.0.1',
  port: 40001,
  updatedAt: '',
};
const done: Succession = { serving: 2, replaced: () => true, allUp: () => true };
const snapshot = (now: number) =>
  snapshotOf({
    ...SETTINGS,
    now,
    apps: [{ name: 'shop', formation: {} }],
    hosts: [{ id: 'h1', memoryMb: 1024, cpus: 1 }],
    assignments: [old],
    instances: [inst],
    routes: [],
  } as PlanInput);
const route = (over: Partial<StoredRoute>): StoredRoute => ({
  app: 'shop',
  dynos: [],
  release: 2,
  updatedAt: new Date(T0).toISOString(),
  ...over,
});

describe('drainSurplus', () => {
  it('keeps a container the stored route still lists, and one whose successors are not all up', () => {
    const listed = route({ dynos: [{ upstream: '127.0.0.1:40001', dyno: 'web.1', host: 'h1' }] });
    expect(drainSurplus([old], done, listed, true, snapshot(T0 + 10_000), 2000)).toEqual({ remove: [] });
    expect(drainSurplus([old], { ...done, allUp: () => false }, route({}), true, snapshot(T0 + 10_000), 2000)).toEqual({
      remove: [],
    });
  });

  it("reads the upstreams of an older scheduler's record", () => {
    expect(
      drainSurplus([old], done, route({ upstreams: ['127.0.0.1:40001'] }), true, snapshot(T0 + 10_000), 2000),
    ).toEqual({ remove: [] });
  });

  it('waits for the drain delay from the route change, then removes it', () => {
    expect(drainSurplus([old], done, route({}), true, snapshot(T0 + 500), 2000)).toEqual({
      remove: [],
      recheckInMs: 1500,
    });
    expect(drainSurplus([old], done, route({}), true, snapshot(T0 + 2000), 2000)).toEqual({
      remove: [{ host: 'h1', id: old.id }],
    });
  });
});
