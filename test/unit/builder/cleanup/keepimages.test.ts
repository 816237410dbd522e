import { describe, expect, it } from 'vitest';
import {
  cleanupPlan,
  parseInventory,
  type KeepRules,
  type LocalImage,
} from '../../../../services/builder/cleanup/cleanup.js';
import { keptReleaseImages } from '../../../../services/core/images.js';

describe('keeping the last N release images', () => {
  const img = (tag: string, app = 'web', build = tag): LocalImage => ({
    id: `sha256:${tag}`,
    tags: [`c/app-${app}:${tag}`],
    app,
    build,
  });
  const none: KeepRules = { releases: 2, inUse: new Set(), activeBuilds: new Set() };
  const releases = [
    { version: 4, image: 'c/app-web:b3' },
    { version: 3, image: 'c/app-web:b3' },
    { version: 2, image: 'c/app-web:b2' },
    { version: 1, image: 'c/app-web:b1' },
  ];

  it('walks releases newest first to N distinct images', () => {
    expect(keptReleaseImages(releases, 2)).toEqual(['c/app-web:b3', 'c/app-web:b2']);
    expect(keptReleaseImages([...releases].reverse(), 1)).toEqual(['c/app-web:b3']);
  });

  it('removes older images of an app, not those in use or of a build in progress', () => {
    const local = { repos: [], caches: [], images: [img('b1'), img('b2'), img('b3'), img('b0'), img('b9')] };
    const inv = [{ name: 'web', images: [], releases }];
    expect(cleanupPlan(local, inv, none).images).toEqual(['c/app-web:b0', 'c/app-web:b1', 'c/app-web:b9']);
    expect(
      cleanupPlan(local, inv, { ...none, inUse: new Set(['sha256:b1']), activeBuilds: new Set(['b9']) }).images,
    ).toEqual(['c/app-web:b0']);
  });

  it('keeps every image of an app without release information, and all without keep rules', () => {
    const local = { repos: [], caches: [], images: [img('b1')] };
    expect(cleanupPlan(local, [{ name: 'web', images: [] }], none).images).toEqual([]);
    expect(cleanupPlan(local, [{ name: 'web', images: [], releases }]).images).toEqual([]);
  });

  it('parses the releases of the inventory, refusing a malformed one', () => {
    expect(parseInventory([{ name: 'web', images: ['x'], releases: [{ version: 1, image: 'x' }] }])).toEqual([
      { name: 'web', images: ['x'], releases: [{ version: 1, image: 'x' }] },
    ]);
    expect(parseInventory([{ name: 'web', images: [], releases: [{ version: '1', image: 'x' }] }])).toBeUndefined();
  });
});
