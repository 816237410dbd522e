import { describe, expect, it } from 'vitest';
import type { StoredRoute } from '../../../services/core/routes.js';
import type { Instance } from '../../../services/core/types.js';
import type { AppInput } from '../../../services/scheduler/model.js';
import { routeDynos, routeUpdate } from '../../../services/scheduler/route.js';

// The route step alone: which route to write, and when its updatedAt (the
// start of the drain delay) moves.

const AT = '2025-01-01T00:00:10.000Z';
const BEFORE = '2025-01-01T00:00:00.000Z';
const app: AppInput = { name: 'shop', formation: {} };
const up = (id: string, port: number, over: Partial<Instance> = {}): Instance => ({
  id,
  host: 'h1',
  app: 'shop',
  release: 2,
  type: 'web',
  state: 'up',
  containerId: id,
  address: '127.0.0.1',
  port,
  updatedAt: '',
  ...over,
});
const web1 = up('shop.web.1.v2', 40001, { bridge: '172.17.0.2:5000' });
const web2 = up('shop.web.2.v2', 40000);
const assigned = [1, 2].map((index) => ({ id: `shop.web.${index}.v2`, type: 'web', index }) as never);
const dynos = [
  { upstream: '127.0.0.1:40000', dyno: 'web.2', host: 'h1' },
  { upstream: '127.0.0.1:40001', dyno: 'web.1', host: 'h1', bridge: '172.17.0.2:5000' },
];

describe('routeDynos', () => {
  it('lists each instance once by upstream, sorted, with its dyno name, host and bridge address', () => {
    expect(routeDynos([web1, web2, web1], assigned)).toEqual(dynos);
  });
});

describe('routeUpdate', () => {
  it('writes a new route with its dynos (no upstreams list) and the time of the change', () => {
    expect(routeUpdate(app, [web1, web2], assigned, undefined, AT)).toEqual({
      routes: [{ app: 'shop', dynos, release: 2, updatedAt: AT }],
    });
  });

  it('writes nothing when the stored route is the same', () => {
    const stored: StoredRoute = { app: 'shop', dynos, release: 2, updatedAt: BEFORE };
    expect(routeUpdate(app, [web1, web2], assigned, stored, AT)).toEqual({});
  });

  it('keeps updatedAt when only the domains change, moves it when the containers do', () => {
    const stored: StoredRoute = { app: 'shop', dynos, release: 2, updatedAt: BEFORE };
    expect(
      routeUpdate({ ...app, domains: ['www.shop.com'] }, [web1, web2], assigned, stored, AT).routes?.[0]?.updatedAt,
    ).toBe(BEFORE);
    expect(routeUpdate(app, [web1], assigned, stored, AT).routes?.[0]?.updatedAt).toBe(AT);
  });

  it("rewrites an older scheduler's record (with upstreams) once, keeping its updatedAt when the upstreams are the same", () => {
    const old: StoredRoute = {
      app: 'shop',
      upstreams: dynos.map((d) => d.upstream),
      dynos,
      release: 2,
      updatedAt: BEFORE,
    };
    expect(routeUpdate(app, [web1, web2], assigned, old, AT)).toEqual({
      routes: [{ app: 'shop', dynos, release: 2, updatedAt: BEFORE }],
    });
    const older: StoredRoute = { app: 'shop', upstreams: ['127.0.0.1:40000'], release: 2, updatedAt: BEFORE };
    expect(routeUpdate(app, [web1, web2], assigned, older, AT).routes?.[0]?.updatedAt).toBe(AT);
  });
});
