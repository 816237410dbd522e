import { describe, expect, it } from 'vitest';
import { keyLayout } from '../../../services/core/keys.js';
import type { App } from '../../../services/core/types.js';
import { plan } from '../../../services/scheduler/plan.js';
import { appsOfKeys, PlanInputs, readerOf, type StateSettings } from '../../../services/scheduler/state.js';
import { SETTINGS } from './steps.js';

// The scheduler's passes after a change: the keys changed name the apps to
// plan again (a host, its tags or a domain: every app), and the planner
// input is built again only for those, the others kept from before.

const k = keyLayout('/p');
const config: StateSettings = { ...SETTINGS, drainMs: 0, cpuOvercommit: 1, memoryOvercommit: 1 };

const app = (name: string, latestRelease = 1): App => ({ name, id: name, owner: 'u', createdAt: '', latestRelease });
const release = (name: string) => ({
  app: name,
  version: 1,
  image: `img-${name}`,
  config: {},
  processTypes: { web: 'w' },
  description: '',
  createdBy: 'u',
  createdAt: '2025-01-01T00:00:00.000Z',
});

describe('appsOfKeys', () => {
  it('names the apps of per-app keys, and every app for hosts, host tags and domains', () => {
    expect(
      appsOfKeys(k, [
        k.app('a'),
        k.release('b', 3),
        k.formation('c'),
        k.instance('d', 'd.web.1.v1'),
        k.assignment('h1', 'e.web.1.v2.c1'),
        k.route('f'),
        k.wake('g'),
        k.activity('h'),
        k.releaseStatus('i', 1),
        '/other/apps/x',
      ]),
    ).toEqual(new Set(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i']));
    expect(appsOfKeys(k, [k.app('a'), k.host('h1')])).toBeUndefined();
    expect(appsOfKeys(k, [k.hostTags('h1')])).toBeUndefined();
    expect(appsOfKeys(k, [k.domain('www.x.io')])).toBeUndefined();
  });
});

describe('PlanInputs', () => {
  it('builds every app at first, then only the dirty ones, planning only those', () => {
    const data = new Map<string, unknown>([
      [k.app('a'), app('a')],
      [k.app('b'), app('b')],
      [k.release('a', 1), release('a')],
      [k.release('b', 1), release('b')],
      [
        k.host('h1'),
        { id: 'h1', address: '127.0.0.1', tags: {}, capacity: { memoryMb: 4096, cpus: 4 }, registeredAt: '' },
      ],
    ]);
    const inputs = new PlanInputs(readerOf(data), k);
    const first = inputs.input(0, config, new Set(['a'])); // the first pass is always whole
    expect(first.only).toBeUndefined();
    expect(first.apps.map((a) => a.name).sort()).toEqual(['a', 'b']);
    expect(
      plan(first)
        .put.map((x) => x.id)
        .sort(),
    ).toEqual(['a.web.1.v1', 'b.web.1.v1']);

    data.set(k.formation('b'), { web: { quantity: 2, size: 'eco' } });
    data.set(k.formation('a'), { web: { quantity: 3, size: 'eco' } }); // not told: a keeps its input
    const next = inputs.input(0, config, new Set(['b']));
    expect(next.only).toEqual(new Set(['b']));
    expect(next.apps.find((a) => a.name === 'a')?.formation).toEqual({});
    expect(next.apps.find((a) => a.name === 'b')?.formation).toEqual({ web: { quantity: 2, size: 'eco' } });
    expect(
      plan(next)
        .put.map((x) => x.id)
        .sort(),
    ).toEqual(['b.web.1.v1', 'b.web.2.v1']);

    data.delete(k.app('b'));
    const gone = inputs.input(0, config, new Set(['b']));
    expect(gone.apps.map((a) => a.name)).toEqual(['a']);
  });
});
