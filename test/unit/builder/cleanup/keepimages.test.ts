import { describe, expect, it } from 'vitest';
import { cleanupPlan, type KeepRules, type LocalImage } from '../../../../services/builder/cleanup/cleanup.js';
import { keptReleaseImages } from '../../../../services/core/images.js';
import { parseInventory } from '../../../../services/core/inventory.js';

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

  it("keeps an image another app's kept releases name (a slug deploy, a promotion), of an existing app or a destroyed one", () => {
    // stg built b1..b3; prod runs stg's b1 (promoted) as its newest release
    const local = { repos: [], caches: [], images: [img('b1', 'stg'), img('b2', 'stg'), img('b3', 'stg')] };
    const stg = { name: 'stg', images: [], releases: [3, 2, 1].map((v) => ({ version: v, image: `c/app-stg:b${v}` })) };
    const prod = { name: 'prod', images: [], releases: [{ version: 1, image: 'c/app-stg:b1' }] };
    expect(cleanupPlan(local, [stg], none).images).toEqual(['c/app-stg:b1']);
    expect(cleanupPlan(local, [stg, prod], none).images).toEqual([]);
    // stg destroyed: prod's image stays, the others go
    expect(cleanupPlan(local, [prod], none).images).toEqual(['c/app-stg:b2', 'c/app-stg:b3']);
    // prod moved on past N distinct images of its own: nothing keeps b1
    const later = {
      ...prod,
      releases: [{ version: 3, image: 'c/app-prod:p2' }, { version: 2, image: 'c/app-prod:p1' }, ...prod.releases],
    };
    expect(cleanupPlan(local, [later], none).images).toEqual(['c/app-stg:b1', 'c/app-stg:b2', 'c/app-stg:b3']);
  });
});
