import { describe, expect, it } from 'vitest';
import { FEATURES, featureNamed, hasFeature, withFeature } from '../../../services/core/features.js';

describe('features', () => {
  it('names redirect-https, and refuses an unknown one naming those there are', () => {
    expect(FEATURES.map((f) => f.name)).toEqual(['redirect-https']);
    expect(featureNamed('redirect-https').description).toMatch(/308/);
    expect(() => featureNamed('nope')).toThrow("Couldn't find that feature. The features are redirect-https.");
  });

  it('turns one on and off, sorted and unique', () => {
    expect(withFeature(undefined, 'redirect-https', true)).toEqual(['redirect-https']);
    expect(withFeature(['redirect-https'], 'redirect-https', true)).toEqual(['redirect-https']);
    expect(withFeature(['b', 'redirect-https'], 'redirect-https', false)).toEqual(['b']);
    expect(hasFeature({ features: ['redirect-https'] }, 'redirect-https')).toBe(true);
    expect(hasFeature({}, 'redirect-https')).toBe(false);
  });
});
