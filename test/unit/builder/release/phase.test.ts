import { describe, expect, it } from 'vitest';
import { releasePhaseSucceeded } from '../../../../services/builder/release/launch.js';

describe("the push's view of a release phase (builder/release/launch.ts)", () => {
  it('a pending status is no end: the controller answers it before the command has even started', () => {
    expect(releasePhaseSucceeded(3, { version: 3, status: 'pending' }, undefined)).toBe(false);
    expect(releasePhaseSucceeded(3, null, undefined)).toBe(false);
    expect(releasePhaseSucceeded(3, { version: 3, status: 'failed' }, undefined)).toBe(false);
    expect(releasePhaseSucceeded(3, { version: 2, status: 'succeeded' }, undefined)).toBe(false); // an older one's
  });

  it("ends at the command's exit line saying 0, or once the release succeeded", () => {
    expect(releasePhaseSucceeded(3, { version: 3, status: 'pending' }, 0)).toBe(true);
    expect(releasePhaseSucceeded(3, { version: 3, status: 'succeeded' }, undefined)).toBe(true);
    expect(releasePhaseSucceeded(3, { version: 3, status: 'pending' }, 1)).toBe(false); // its failure comes as a status
  });
});
