import { describe, expect, it } from 'vitest';
import { APP_KEY_FAMILIES, APP_RECORD_FN, keyLayout, NOT_PER_APP_FNS } from '../../../services/core/keys.js';
import { renamedRecord } from '../../../services/controller/apps/lifecycle.js';

// Rename and destroy iterate core/keys.ts's APP_KEY_FAMILIES: a key function
// added to the layout must say there what becomes of its keys.

describe('the per-app key families', () => {
  const layout = keyLayout('/t');
  const withArgs = Object.entries(layout)
    .filter(([, v]) => typeof v === 'function' && (v as (...a: unknown[]) => string).length > 0)
    .map(([name]) => name)
    .sort();

  it('classify every layout function that takes an argument (per app, or keyed by something else)', () => {
    const classified = [APP_RECORD_FN, ...APP_KEY_FAMILIES.flatMap((f) => f.fns), ...NOT_PER_APP_FNS];
    expect([...new Set(classified)].sort()).toEqual(withArgs);
    expect(classified.length).toBe(new Set(classified).size); // each once
  });

  it('name keys of the app (or, for records keyed otherwise, a prefix to filter by app)', () => {
    for (const f of APP_KEY_FAMILIES) {
      const keys = f.keys(layout, 'shop');
      if ('where' in keys) expect(f.rename).toBe('app-field');
      else expect(Object.values(keys)[0]).toContain('/shop');
      if (f.rename === 'others') expect(f.destroy).toBe(false);
    }
  });
});

describe('renamedRecord', () => {
  it("sets a record's app when it names the old name, and leaves anything else as it is", () => {
    expect(renamedRecord({ app: 'old', version: 1 }, 'old', 'new')).toEqual({ app: 'new', version: 1 });
    expect(renamedRecord({ app: 'other' }, 'old', 'new')).toEqual({ app: 'other' });
    expect(renamedRecord(['old'], 'old', 'new')).toEqual(['old']);
    expect(renamedRecord({ web: { quantity: 1 } }, 'old', 'new')).toEqual({ web: { quantity: 1 } });
  });
});
