import { describe, expect, it } from 'vitest';
import { limitsOf, sizeByName } from '../../../services/core/sizes.js';
import type { Assignment } from '../../../services/core/types.js';
import { placerOf } from '../../../services/scheduler/assign.js';
import { resizeInPlace } from '../../../services/scheduler/inplace.js';
import type { AppInput, Desired, PlanInput } from '../../../services/scheduler/model.js';
import { Placer, type HostRoom } from '../../../services/scheduler/place.js';
import { snapshotOf } from '../../../services/scheduler/plan.js';
import { SETTINGS } from './steps.js';

// The in-place step (inplace.ts) alone: which resized dynos keep their
// container (the kept id, the new limits) and which are replaced (the new
// sized id), given the room on their hosts as the Placer counts it.

const app = (name: string, pool?: Record<string, string>): AppInput => ({
  name,
  release: { version: 1, image: `paas/app-${name}:1`, config: {}, processTypes: { web: 'w', worker: 'k' } },
  formation: {},
  ...(pool && { pool }),
});

function dyno(id: string, size: string, more: Partial<Assignment> = {}): Assignment {
  const [name, type, index] = id.split('.') as [string, string, string];
  return {
    id,
    host: 'h1',
    app: name,
    release: 1,
    type,
    index: Number(index),
    image: `paas/app-${name}:1`,
    command: type === 'web' ? 'w' : 'k',
    env: { A: '1' },
    port: 5000,
    ...limitsOf(sizeByName(size)),
    createdAt: '2025-01-01T00:00:00.000Z',
    ...more,
  };
}

/** The desired container of `kept`'s slot at `size`, under `id` (what desired.ts gives it). */
function want(kept: Assignment, id: string, size: string, more: Partial<Desired> = {}): Desired {
  const { host: _host, ...rest } = kept;
  return { ...rest, id, ...limitsOf(sizeByName(size)), createdAt: '2025-01-02T00:00:00.000Z', ...more };
}

function step(hosts: HostRoom[], kept: Assignment[], desired: Desired[], apps = [app('shop')]) {
  const input: PlanInput = {
    ...SETTINGS,
    now: 0,
    apps,
    hosts,
    assignments: kept,
    instances: [],
    routes: [],
  };
  const s = snapshotOf(input);
  const placer = placerOf(s, input);
  const byApp = new Map(apps.map((a) => [a.name, desired.filter((d) => d.app === a.name)]));
  const out = resizeInPlace(apps, byApp, s, placer);
  return { out: [...out.values()].flat(), placer };
}

const summary = (ds: readonly Desired[]) => ds.map((d) => `${d.id}:${d.memoryMb}`);

describe('resizeInPlace', () => {
  const big = [{ id: 'h1', memoryMb: 8192, cpus: 8 }];

  it('gives a resized dyno the id of its kept container on a host with room, and counts its new limits there', () => {
    const k = dyno('shop.web.1.v1', 'eco');
    const { out, placer } = step(big, [k], [want(k, 'shop.web.1.v1.standard-2x', 'standard-2x')]);
    expect(summary(out)).toEqual(['shop.web.1.v1:1024']);
    expect(out[0]).toMatchObject({ diskMb: 4096, egressMbit: 400, ingressMbit: 400, cpuShares: 2048 });
    expect(placer.allocated('h1')).toEqual({ memoryMb: 1024, cpuShares: 2048, containers: 1 });
  });

  it('leaves the new sized id (blue-green) when the host lacks room for the new limits in place of the old', () => {
    const k = dyno('shop.web.1.v1', 'eco');
    const other = dyno('other.web.1.v1', 'eco');
    const small = [{ id: 'h1', memoryMb: 1024, cpus: 8 }];
    const { out, placer } = step(
      small,
      [k, other],
      [want(k, 'shop.web.1.v1.standard-2x', 'standard-2x')],
      [app('other'), app('shop')],
    );
    expect(summary(out)).toEqual(['shop.web.1.v1.standard-2x:1024']);
    expect(placer.allocated('h1')?.memoryMb).toBe(512); // unchanged
    // CPU shares count as well (2 CPUs: 2048 shares)
    const cpuBound = [{ id: 'h1', memoryMb: 8192, cpus: 2 }];
    expect(summary(step(cpuBound, [k], [want(k, 'shop.web.1.v1.performance-m', 'performance-m')]).out)).toEqual([
      'shop.web.1.v1.performance-m:2560',
    ]);
  });

  it('resizes several dynos of one host in place only as far as the room goes, in plan order', () => {
    const ks = [dyno('shop.web.1.v1', 'eco'), dyno('shop.web.2.v1', 'eco'), dyno('shop.web.3.v1', 'eco')];
    const host = [{ id: 'h1', memoryMb: 768 + 768 * 2, cpus: 8 }]; // room for two of them to grow by 768
    const { out } = step(
      host,
      ks,
      ks.map((k) => want(k, `${k.id}.standard-2x`, 'standard-2x')),
    );
    expect(summary(out)).toEqual(['shop.web.1.v1:1024', 'shop.web.2.v1:1024', 'shop.web.3.v1.standard-2x:1024']);
  });

  it('lets resizes that ask for less go first, so a growth on the same host can use what they free', () => {
    const web = dyno('shop.web.1.v1', 'eco');
    const worker = dyno('shop.worker.1.v1', 'standard-2x');
    const full = [{ id: 'h1', memoryMb: 256 + 1024, cpus: 8 }];
    const { out, placer } = step(
      full,
      [web, worker],
      [want(web, 'shop.web.1.v1.standard-2x', 'standard-2x'), want(worker, 'shop.worker.1.v1.eco', 'eco')],
    );
    expect(summary(out)).toEqual(['shop.web.1.v1:1024', 'shop.worker.1.v1:256']);
    expect(placer.allocated('h1')?.memoryMb).toBe(1280);
  });

  it('takes the limits back down in place, the id it has kept whatever size it names', () => {
    const k = dyno('shop.web.1.v1.standard-2x', 'standard-2x');
    const full = [{ id: 'h1', memoryMb: 1024, cpus: 8 }];
    const { out, placer } = step(full, [k], [want(k, 'shop.web.1.v1', 'eco')]);
    expect(summary(out)).toEqual(['shop.web.1.v1.standard-2x:256']);
    expect(placer.allocated('h1')?.memoryMb).toBe(256);
  });

  it('rewrites a parked (sleeping) dyno with its new limits, whatever room its host has', () => {
    const k = dyno('shop.web.1.v1', 'eco', { parked: true });
    const tiny = [{ id: 'h1', memoryMb: 256, cpus: 1 }];
    const { out } = step(tiny, [], [want(k, 'shop.web.1.v1.performance-m', 'performance-m')]);
    expect(summary(out)).toEqual(['shop.web.1.v1.performance-m:2560']); // no kept container: nothing to resize
    const parked = step(tiny, [k], [want(k, 'shop.web.1.v1.performance-m', 'performance-m', { parked: true })]);
    expect(summary(parked.out)).toEqual(['shop.web.1.v1:2560']);
    expect(parked.out[0]?.parked).toBe(true);
    expect(parked.placer.allocated('h1')?.memoryMb).toBe(0);
    // waking at the same time: the kept id, placed with the new limits by placeNew (which may move it)
    const waking = step(tiny, [k], [want(k, 'shop.web.1.v1.performance-m', 'performance-m', { parked: undefined })]);
    expect(summary(waking.out)).toEqual(['shop.web.1.v1:2560']);
  });

  it('replaces a dyno whose container would differ in more than its limits, or whose host left its pool', () => {
    const k = dyno('shop.web.1.v1', 'eco');
    const newEnv = want(k, 'shop.web.1.v1.standard-2x', 'standard-2x', { env: { A: '2' } });
    expect(summary(step(big, [k], [newEnv]).out)).toEqual(['shop.web.1.v1.standard-2x:1024']);
    const pooled = step(
      [{ id: 'h1', memoryMb: 8192, cpus: 8, tags: { pool: 'shared' } }],
      [k],
      [want(k, 'shop.web.1.v1.standard-2x', 'standard-2x')],
      [app('shop', { pool: 'high' })],
    );
    expect(summary(pooled.out)).toEqual(['shop.web.1.v1.standard-2x:1024']);
  });

  it('waits while a replacement of the slot is under way (two kept containers)', () => {
    const old = dyno('shop.web.1.v1', 'eco');
    const next = dyno('shop.web.1.v1.standard-2x', 'performance-m'); // resized in place after it was made
    const { out, placer } = step(big, [old, next], [want(old, 'shop.web.1.v1.standard-2x', 'standard-2x')]);
    expect(summary(out)).toEqual(['shop.web.1.v1.standard-2x:2560']); // its limits as they are: nothing changes
    expect(placer.allocated('h1')?.memoryMb).toBe(256 + 2560);
  });

  it('leaves one-offs, dynos at their size and new slots as they are', () => {
    const k = dyno('shop.web.1.v1', 'eco');
    const same = want(k, 'shop.web.1.v1', 'eco');
    const fresh = want(k, 'shop.web.2.v1', 'standard-2x', { index: 2 });
    const once = want(k, 'shop.release.1.v1', 'performance-m', { type: 'release', oneOff: true });
    const { out } = step(big, [k], [same, fresh, once]);
    expect(out).toEqual([same, fresh, once]);
  });
});

describe('Placer.resize', () => {
  const hosts = [{ id: 'h1', memoryMb: 1024, cpus: 1, tags: { pool: 'shared' } }];
  const placed = { host: 'h1', app: 'a', type: 'web', memoryMb: 512, cpuShares: 512 };

  it('counts the new limits in place of the old where they fit, and always when they ask for less', () => {
    const p = new Placer(hosts, [placed, { ...placed, memoryMb: 256 }], 'balanced');
    expect(p.resize(placed, { memoryMb: 1024, cpuShares: 512 })).toBe(false);
    expect(p.resize(placed, { memoryMb: 768, cpuShares: 512 })).toBe(true);
    expect(p.allocated('h1')).toEqual({ memoryMb: 1024, cpuShares: 1024, containers: 2 });
    expect(p.resize({ ...placed, memoryMb: 768 }, { memoryMb: 256, cpuShares: 256 })).toBe(true);
    expect(p.allocated('h1')).toEqual({ memoryMb: 512, cpuShares: 768, containers: 2 });
  });

  it('refuses an unknown host and a host without the required tags', () => {
    const p = new Placer(hosts, [placed], 'balanced');
    expect(p.resize({ ...placed, host: 'h9' }, { memoryMb: 256, cpuShares: 256 })).toBe(false);
    expect(p.resize(placed, { memoryMb: 256, cpuShares: 256, requiredTags: { pool: 'high' } })).toBe(false);
    expect(p.resize(placed, { memoryMb: 256, cpuShares: 256, requiredTags: { pool: 'shared' } })).toBe(true);
  });
});
