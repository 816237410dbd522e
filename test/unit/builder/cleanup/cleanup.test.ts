import { describe, expect, it } from 'vitest';
import { cleanupPlan, type LocalState } from '../../../../services/builder/cleanup/cleanup.js';
import { parseInventory } from '../../../../services/core/inventory.js';

// What the builder removes of apps that no longer exist.

const local: LocalState = {
  repos: ['alive', 'gone', 'renamed-old'],
  caches: ['alive', 'gone'],
  images: [
    { id: 'sha256:1', tags: ['paas/app-alive:b1'], app: 'alive' },
    { id: 'sha256:2', tags: ['paas/app-gone:b1', 'paas/app-gone:b2'], app: 'gone' },
    { id: 'sha256:3', tags: [], app: 'gone' },
    { id: 'sha256:4', tags: ['paas/app-renamed-old:b1'], app: 'renamed-old' },
    { id: 'sha256:5', tags: ['paas/app-renamed-old:b0'], app: 'renamed-old' },
  ],
};

describe('cleanupPlan', () => {
  it('removes the repos, caches and images of apps that do not exist', () => {
    const plan = cleanupPlan(local, [
      { name: 'alive', images: ['paas/app-alive:b1'] },
      { name: 'renamed-new', images: ['paas/app-renamed-old:b1'] },
    ]);
    expect(plan).toEqual({
      repos: ['gone', 'renamed-old'],
      caches: ['gone'],
      // a renamed app still runs the image built under its old name: kept; its older build goes
      images: ['paas/app-gone:b1', 'paas/app-gone:b2', 'paas/app-renamed-old:b0', 'sha256:3'],
    });
  });

  it('keeps every image of an existing app, even one no release names', () => {
    const plan = cleanupPlan(local, [
      { name: 'alive', images: [] },
      { name: 'gone', images: [] },
      { name: 'renamed-old', images: [] },
    ]);
    expect(plan).toEqual({ repos: [], caches: [], images: [] });
  });
});

describe('parseInventory', () => {
  it('takes a list of {name, images} and nothing else', () => {
    expect(parseInventory([{ name: 'a', images: ['x:1'] }])).toEqual([{ name: 'a', images: ['x:1'] }]);
    expect(parseInventory([])).toEqual([]);
    expect(parseInventory({ id: 'not_found' })).toBeUndefined();
    expect(parseInventory([{ name: 'a' }])).toBeUndefined();
    expect(parseInventory([{ name: 'a', images: [1] }])).toBeUndefined();
    expect(parseInventory(null)).toBeUndefined();
  });
});
