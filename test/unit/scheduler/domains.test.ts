import { describe, expect, it } from 'vitest';
import type { Route } from '../../../services/core/types.js';
import { type AppInput, type PlanInput } from '../../../services/scheduler/model.js';
import { plan } from '../../../services/scheduler/plan.js';
import { SETTINGS } from './steps.js';

// The planner copies an app's custom domains and maintenance flag into its
// route, and rewrites the route when they change, without touching the
// upstreams' timing (updatedAt dates the upstreams for the drain).

const T0 = Date.parse('2025-01-01T00:00:00Z');
const LATER = T0 + 60_000;

function app(over: Partial<AppInput> = {}): AppInput {
  return { name: 'shop', formation: { web: { quantity: 1, size: 'standard-1x' } }, ...over };
}

function input(apps: AppInput[], routes: Route[] = [], now = T0): PlanInput {
  return {
    ...SETTINGS,
    now,
    drainMs: 2000,
    apps,
    hosts: [{ id: 'h1', memoryMb: 4096, cpus: 8 }],
    assignments: [],
    instances: [],
    routes,
  };
}

const base: Route = { app: 'shop', dynos: [], release: 0, updatedAt: new Date(T0).toISOString() };

describe('plan: domains and maintenance in routes', () => {
  it('writes the plain route shape when the app has neither', () => {
    expect(plan(input([app()])).routes).toEqual([base]);
  });

  it('copies sorted, unique domains and the maintenance flag', () => {
    const p = plan(input([app({ domains: ['www.shop.com', 'api.shop.com', 'www.shop.com'], maintenance: true })]));
    expect(p.routes).toEqual([{ ...base, domains: ['api.shop.com', 'www.shop.com'], maintenance: true }]);
  });

  it('rewrites the route when domains change, keeping updatedAt', () => {
    const p = plan(input([app({ domains: ['www.shop.com'] })], [base], LATER));
    expect(p.routes).toEqual([{ ...base, domains: ['www.shop.com'] }]);
    const removed = plan(input([app()], [{ ...base, domains: ['www.shop.com'] }], LATER));
    expect(removed.routes).toEqual([base]);
  });

  it('rewrites the route when maintenance turns on and off', () => {
    expect(plan(input([app({ maintenance: true })], [base], LATER)).routes).toEqual([{ ...base, maintenance: true }]);
    expect(plan(input([app({ maintenance: false })], [{ ...base, maintenance: true }], LATER)).routes).toEqual([base]);
  });

  it('copies the redirect-https feature, and rewrites the route when it turns on and off', () => {
    expect(plan(input([app({ redirectHttps: true })], [base], LATER)).routes).toEqual([
      { ...base, redirectHttps: true },
    ]);
    expect(plan(input([app()], [{ ...base, redirectHttps: true }], LATER)).routes).toEqual([base]);
    expect(plan(input([app({ redirectHttps: true })], [{ ...base, redirectHttps: true }], LATER)).routes).toEqual([]);
  });

  it('writes nothing when domains and maintenance are as stored', () => {
    const stored: Route = { ...base, domains: ['a.shop.com', 'b.shop.com'], maintenance: true };
    expect(
      plan(input([app({ domains: ['b.shop.com', 'a.shop.com'], maintenance: true })], [stored], LATER)).routes,
    ).toEqual([]);
  });

  it('still deletes the route of a deleted app, domains and all', () => {
    const p = plan(input([], [{ ...base, domains: ['www.shop.com'], maintenance: true }]));
    expect(p.deleteRoutes).toEqual(['shop']);
  });
});
