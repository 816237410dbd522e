import { describe, expect, it } from 'vitest';
import { routeUpstreams } from '../../../services/core/routes.js';
import type { Assignment, Instance } from '../../../services/core/types.js';
import { desiredFor } from '../../../services/scheduler/desired.js';
import { type AppInput, type PlanInput } from '../../../services/scheduler/model.js';
import { plan } from '../../../services/scheduler/plan.js';
import { SETTINGS } from './steps.js';

// Releases made faster than a rollout plus its drain (a benchmark, a CI
// pipeline, a user running config:set three times): v1 served, v2 took over
// and is routed, v3 is starting. Found with bench/rollout.ts on a live
// platform: v1's container was kept (it waits for *every* newer release to be
// up) and came back into the route next to v2, so containers of old releases
// piled up until the host had no room for the next release's, which then
// waited for them forever.
// Fixed: plan.ts keeps only the serving release and the latest
// (servingRelease); see also succession.test.ts.

const NOW = Date.parse('2026-01-01T00:10:00Z');
const LONG_AGO = '2026-01-01T00:00:00Z';

const app = (version: number): AppInput => ({
  name: 'shop',
  formation: { web: { quantity: 1, size: 'eco' } },
  release: { version, image: `img:${version}`, config: {}, processTypes: { web: 'npm start' } },
});
const assigned = (version: number): Assignment => ({
  ...(desiredFor(app(version), 0)[0] as Omit<Assignment, 'host'>),
  host: 'h',
});
const instance = (version: number, state: Instance['state']): Instance => ({
  id: `shop.web.1.v${version}`,
  host: 'h',
  app: 'shop',
  release: version,
  type: 'web',
  state,
  containerId: `c${version}`,
  address: '127.0.0.1',
  port: 40000 + version,
  updatedAt: LONG_AGO,
});

const input = (): PlanInput => ({
  ...SETTINGS,
  now: NOW,
  drainMs: 2000,
  apps: [app(3)],
  hosts: [{ id: 'h', memoryMb: 4096, cpus: 8192, tags: {} }],
  assignments: [assigned(1), assigned(2), assigned(3)],
  instances: [instance(1, 'up'), instance(2, 'up'), instance(3, 'starting')],
  routes: [
    {
      app: 'shop',
      dynos: [{ upstream: '127.0.0.1:40002', dyno: 'web.1', host: 'h' }],
      release: 2,
      updatedAt: LONG_AGO,
    },
  ],
});

describe('plan: a release made while the previous rollout is still draining', () => {
  it('removes the container of the release before the routed one: it serves nothing', () => {
    expect(plan(input()).remove).toContainEqual({ host: 'h', id: 'shop.web.1.v1' });
  });

  it('never puts an older release than the routed one back into the route', () => {
    for (const r of plan(input()).routes) expect(routeUpstreams(r)).not.toContain('127.0.0.1:40001');
  });

  it('keeps the routed release serving until v3 is up (this part holds today)', () => {
    const p = plan(input());
    expect(p.remove).not.toContainEqual({ host: 'h', id: 'shop.web.1.v2' });
    for (const r of p.routes) expect(routeUpstreams(r)).toContain('127.0.0.1:40002');
  });
});
