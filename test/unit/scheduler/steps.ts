import { expect } from 'vitest';
import { routeUpstreams, type StoredRoute } from '../../../services/core/routes.js';
import type { Assignment, Instance, InstanceState } from '../../../services/core/types.js';
import { loadConfig } from '../../../services/scheduler/config.js';
import type { Plan, PlanInput, PlanSettings } from '../../../services/scheduler/model.js';
import { plan } from '../../../services/scheduler/plan.js';

// Stepping the planner in unit tests: apply a plan's writes to its input as
// the store would, and move the agents' reports along.

const defaults = loadConfig({});
/** The planner's settings as the scheduler runs by default (tests set drainMs and timeouts of their own over them). */
export const SETTINGS: PlanSettings = {
  drainMs: defaults.drainMs,
  policy: defaults.policy,
  rolloutTimeoutMs: defaults.rolloutTimeoutMs,
  releaseTimeoutMs: defaults.releaseTimeoutMs,
};

/** The input after the plan's writes (the agent deletes the instance of a removed assignment). */
export function applied(i: PlanInput, p: Plan): PlanInput {
  const removed = new Set(p.remove.map((r) => `${r.host}/${r.id}`));
  const routes = new Map(i.routes.map((r) => [r.app, r]));
  for (const r of p.routes) routes.set(r.app, r);
  for (const a of p.deleteRoutes) routes.delete(a);
  return {
    ...i,
    apps: i.apps.map((a) => {
      const s = p.statuses.find((x) => x.app === a.name && x.version === a.release?.version);
      return s ? { ...a, status: s } : a;
    }),
    // a put of a key that exists replaces it (a parked or unparked assignment is written again)
    assignments: [
      ...i.assignments.filter(
        (a) => !removed.has(`${a.host}/${a.id}`) && !p.put.some((x) => x.host === a.host && x.id === a.id),
      ),
      ...p.put,
    ],
    instances: i.instances.filter((x) => !removed.has(`${x.host}/${x.id}`)),
    routes: [...routes.values()],
  };
}

let nextPort = 43000;
/** The agents report these assignments in this state (with `extra` fields, e.g. an exit code). */
export function report(
  i: PlanInput,
  ids: readonly string[],
  state: InstanceState,
  extra: Partial<Instance> = {},
): PlanInput {
  const instances = i.instances.filter((x) => !ids.includes(x.id));
  for (const id of ids) {
    const a = i.assignments.find((x) => x.id === id) as Assignment;
    expect(a, `assignment ${id}`).toBeDefined();
    const old = i.instances.find((x) => x.id === id);
    instances.push({
      id,
      host: a.host,
      app: a.app,
      release: a.release,
      type: a.type,
      state,
      containerId: `c-${id}`,
      address: '127.0.0.1',
      port: old?.port ?? nextPort++,
      updatedAt: '',
      ...extra,
    });
  }
  return { ...i, instances };
}

export const ids = (as: readonly { id: string }[]) => as.map((a) => a.id).sort();

/** Upstream of an assignment's instance. */
export function upstream(i: PlanInput, id: string): string {
  const x = i.instances.find((y) => y.id === id) as Instance;
  return `${x.address}:${x.port}`;
}

/** The upstreams a route lists (undefined: no route). */
export function upstreamsOf(r: StoredRoute | undefined): string[] | undefined {
  return r ? routeUpstreams(r) : undefined;
}

/** Plans and applies until nothing changes (at most 5 passes). */
export function settle(i: PlanInput): PlanInput {
  for (let n = 0; n < 5; n++) {
    const p = plan(i);
    if (p.put.length + p.remove.length + p.routes.length + p.statuses.length === 0) return i;
    i = applied(i, p);
  }
  return i;
}
