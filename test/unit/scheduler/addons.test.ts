import { describe, expect, it } from 'vitest';
import type { AddonAssignment, AddonDesired, AddonRecord } from '../../../services/core/addons.js';
import { planAddons, type AddonsInput } from '../../../services/scheduler/addons.js';
import type { AppInput, PlanInput } from '../../../services/scheduler/model.js';
import { plan } from '../../../services/scheduler/plan.js';
import { appsOfKeys, isEmptyPlan, planInputOf, readerOf } from '../../../services/scheduler/state.js';
import { keyLayout } from '../../../services/core/keys.js';
import { SETTINGS } from './steps.js';

// The add-ons' step of the plan: placed once by their plan's limits, kept on
// their host (their volume is there), written again only when what they carry
// changes, removed when destroyed; the apps' containers placed around them.

const T0 = Date.parse('2025-01-01T00:00:00Z');
const AT = new Date(T0).toISOString();

function record(name: string, over: Partial<AddonRecord> = {}): AddonRecord {
  return {
    id: `id-${name}`,
    name,
    kind: 'postgresql',
    plan: 'small',
    app: 'shop',
    password: 'pw',
    createdBy: 'u',
    createdAt: AT,
    ...over,
  };
}

const desired = (name: string, over: Partial<AddonRecord> = {}, apps = ['shop']): AddonDesired => ({
  record: record(name, over),
  apps,
});

function input(over: Partial<AddonsInput>): AddonsInput {
  return {
    addons: [],
    assignments: [],
    hosts: [
      { id: 'h1', memoryMb: 1024, cpus: 2 },
      { id: 'h2', memoryMb: 1024, cpus: 2, tags: { pool: 'high' } },
    ],
    appRoom: [],
    poolOf: new Map(),
    policy: SETTINGS.policy,
    at: AT,
    ...over,
  };
}

const assigned = (d: AddonDesired, host: string, over: Partial<AddonAssignment> = {}): AddonAssignment => ({
  name: d.record.name,
  host,
  kind: d.record.kind,
  addonId: d.record.id,
  app: d.record.app,
  memoryMb: 256,
  cpuShares: 256,
  password: 'pw',
  apps: [...d.apps].sort(),
  createdAt: AT,
  ...over,
});

describe('planAddons', () => {
  it("places a new add-on with its plan's limits, in its owner app's pool", () => {
    const d = desired('paas-postgresql-aqua', { plan: 'standard' });
    const p = planAddons(input({ addons: [d], poolOf: new Map([['shop', { pool: 'high' }]]) }));
    expect(p.put).toEqual([{ ...assigned(d, 'h2'), memoryMb: 1024, cpuShares: 1024 }]);
    expect(p.remove).toEqual([]);
  });

  it('says why when no host has room, and counts the apps’ containers and other add-ons', () => {
    const big = desired('paas-postgresql-red', { plan: 'standard' });
    const full = planAddons(
      input({
        addons: [big],
        hosts: [{ id: 'h1', memoryMb: 1024, cpus: 2 }],
        appRoom: [
          {
            id: 'shop.web.1.v1',
            host: 'h1',
            app: 'shop',
            release: 1,
            type: 'web',
            index: 1,
            image: 'i',
            command: 'c',
            env: {},
            port: 5000,
            memoryMb: 512,
            cpuShares: 1024,
            createdAt: AT,
          },
        ],
      }),
    );
    expect(full.put).toEqual([]);
    expect(full.unplaced).toEqual([{ name: big.record.name, reason: expect.stringMatching(/memory/i) }]);
    const two = [
      desired('paas-postgresql-aqua', { plan: 'standard' }),
      desired('paas-redis-red', { plan: 'standard' }),
    ];
    const p = planAddons(input({ addons: two, hosts: [{ id: 'h1', memoryMb: 1024, cpus: 2 }] }));
    expect(p.put).toHaveLength(1);
    expect(p.unplaced).toHaveLength(1);
  });

  it('keeps a placed add-on where it is, even while its host is down, and writes nothing', () => {
    const d = desired('paas-postgresql-aqua');
    const p = planAddons(input({ addons: [d], assignments: [assigned(d, 'h-gone')] }));
    expect(p).toEqual({ put: [], remove: [], unplaced: [] });
  });

  it('writes it again in place when the attached apps change, keeping its host and time', () => {
    const d = desired('paas-postgresql-aqua', {}, ['shop', 'reports']);
    const p = planAddons(
      input({ addons: [d], assignments: [assigned({ ...d, apps: ['shop'] }, 'h1', { createdAt: 'old' })] }),
    );
    expect(p.put).toEqual([{ ...assigned(d, 'h1'), apps: ['reports', 'shop'], createdAt: 'old' }]);
  });

  it('removes the container of a destroyed add-on, of an earlier one of the same name, and duplicates', () => {
    const d = desired('paas-postgresql-aqua');
    const p = planAddons(
      input({
        addons: [d],
        assignments: [
          assigned(desired('paas-redis-gone'), 'h1'),
          assigned(d, 'h1', { addonId: 'earlier' }),
          assigned(d, 'h2'),
          assigned(d, 'h3'),
        ],
      }),
    );
    expect(p.remove.sort((a, b) => (a.host + a.name < b.host + b.name ? -1 : 1))).toEqual([
      { host: 'h1', name: 'paas-postgresql-aqua' },
      { host: 'h1', name: 'paas-redis-gone' },
      { host: 'h3', name: 'paas-postgresql-aqua' },
    ]);
    expect(p.put).toEqual([]);
  });
});

describe('plan with add-ons', () => {
  const shop: AppInput = {
    name: 'shop',
    release: { version: 1, image: 'img', config: {}, processTypes: { web: 'node server.js' } },
    formation: { web: { quantity: 1, size: 'standard-1x' } },
  };
  const base: PlanInput = {
    ...SETTINGS,
    now: T0,
    drainMs: 2000,
    apps: [shop],
    hosts: [{ id: 'h1', memoryMb: 1024, cpus: 8 }],
    assignments: [],
    instances: [],
    routes: [],
  };

  it("places the add-on first, and the app's containers around it", () => {
    const d = desired('paas-postgresql-aqua', { plan: 'standard' });
    const p = plan({ ...base, addons: [d] });
    expect(p.addons?.put.map((a) => a.host)).toEqual(['h1']);
    expect(p.put).toEqual([]); // 1024 MB taken by the add-on: no room for web (512 MB)
    expect(p.unplaced.map((u) => u.id)).toEqual(['shop.web.1.v1']);
    expect(isEmptyPlan({ ...p, put: [], routes: [], unplaced: [], statuses: [] })).toBe(false);
  });

  it('counts a kept add-on on its host, and plans nothing for it once it is there', () => {
    const d = desired('paas-postgresql-aqua');
    const p = plan({ ...base, addons: [d], addonAssignments: [assigned(d, 'h1')] });
    expect(p.addons).toBeUndefined();
    expect(p.put.map((a) => a.host)).toEqual(['h1']); // 256 + 512 fit in 1024
  });

  it('reads add-ons, their attachments and assignments from the state; their keys plan no app', () => {
    const k = keyLayout('/t');
    const r = readerOf(
      new Map<string, unknown>([
        [k.addon('paas-redis-red'), record('paas-redis-red', { kind: 'redis' })],
        [k.addonAttachment('shop', 'X'), { app: 'shop', addon: 'paas-redis-red', alias: 'X', vars: [] }],
        [k.addonAttachment('reports', 'Y'), { app: 'reports', addon: 'paas-redis-red', alias: 'Y', vars: [] }],
      ]),
    );
    const i = planInputOf(r, k, T0, { ...SETTINGS, drainMs: 1, cpuOvercommit: 1, memoryOvercommit: 1 });
    expect(i.addons?.map((a) => a.apps)).toEqual([['reports', 'shop']]);
    expect(appsOfKeys(k, [k.addon('paas-redis-red'), k.addonAssignment('h1', 'paas-redis-red')])).toEqual(new Set());
  });
});
