import { describe, expect, it } from 'vitest';
import { imageRemovals, type EngineImage } from '../../../services/agent/imagecleanup.js';
import { parseInventory } from '../../../services/core/inventory.js';

const id = (n: number) => `sha256:${String(n).padStart(64, '0')}`;
const img = (n: number, app: string, ...tags: string[]): EngineImage => ({ id: id(n), app, tags });
const releases = (app: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ version: n - i, image: `paas/${app}:${n - i}` }));

describe("a host engine's image clean-up (agent/imagecleanup.ts)", () => {
  it("keeps each app's newest N releases' images and removes older ones, as the builder does", () => {
    const local = Array.from({ length: 7 }, (_, i) => img(i + 1, 'a', `paas/a:${i + 1}`));
    const apps = [{ name: 'a', images: [], releases: releases('a', 7) }];
    expect(imageRemovals(local, apps, 5, new Set())).toEqual(['paas/a:1', 'paas/a:2']);
    expect(imageRemovals(local, apps, 7, new Set())).toEqual([]);
  });

  it("removes a destroyed app's images, by tag or (fetched by id) by id", () => {
    const local = [img(1, 'gone', 'paas/gone:1'), img(2, 'gone')];
    expect(imageRemovals(local, [], 5, new Set())).toEqual(['paas/gone:1', id(2)]);
  });

  it('keeps what a container uses, what a kept release names by id, and images another app keeps', () => {
    const local = [img(1, 'a', 'paas/a:1'), img(2, 'a'), img(3, 'gone', 'paas/gone:1'), img(4, 'a', 'paas/a:old')];
    const apps = [
      { name: 'a', images: [], releases: [{ version: 2, image: id(2) }] },
      { name: 'b', images: [], releases: [{ version: 1, image: 'paas/gone:1' }] }, // a promoted slug
    ];
    expect(imageRemovals(local, apps, 5, new Set([id(1)]))).toEqual(['paas/a:old']);
    expect(imageRemovals(local, apps, 5, new Set(['paas/a:old']))).toEqual(['paas/a:1']);
  });

  it('keeps every image of an app whose releases are not reported', () => {
    const local = [img(1, 'a', 'paas/a:1'), img(2, 'a', 'paas/a:2')];
    expect(imageRemovals(local, [{ name: 'a', images: ['paas/a:1'] }], 1, new Set())).toEqual(['paas/a:2']);
  });

  it('takes only a well-formed inventory (anything else: nothing is removed)', () => {
    expect(parseInventory([{ name: 'a', images: ['x'], releases: [{ version: 1, image: 'x' }] }])).toEqual([
      { name: 'a', images: ['x'], releases: [{ version: 1, image: 'x' }] },
    ]);
    expect(parseInventory([{ name: 'a', images: ['x'] }])).toEqual([{ name: 'a', images: ['x'] }]);
    for (const bad of [
      null,
      {},
      [null],
      [{ name: 1, images: [] }],
      [{ name: 'a', images: [1] }],
      [{ name: 'a', images: [], releases: [{ version: '1', image: 'x' }] }],
    ])
      expect(parseInventory(bad)).toBeUndefined();
  });
});
