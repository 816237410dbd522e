import { describe, expect, it } from 'vitest';
import type { Release } from '../../../services/core/types.js';
import { rollbackProblem } from '../../../services/controller/releases/releases.js';
import { releaseStatusOf } from '../../../services/controller/releases/status.js';

describe('releaseStatusOf', () => {
  it('failed with its reason, succeeded by record, by being older or served, else pending', () => {
    expect(releaseStatusOf(7, { status: 'failed', reason: 'web.1 crashed (exit 1) once' }, 7, 6)).toEqual({
      status: 'failed',
      failure: 'web.1 crashed (exit 1) once',
    });
    expect(releaseStatusOf(5, { status: 'failed', reason: 'x' }, 7, 6)).toEqual({ status: 'failed', failure: 'x' });
    expect(releaseStatusOf(7, { status: 'succeeded' }, 7, 0)).toEqual({ status: 'succeeded', failure: null });
    expect(releaseStatusOf(6, undefined, 7, 0)).toEqual({ status: 'succeeded', failure: null });
    expect(releaseStatusOf(7, undefined, 7, 7)).toEqual({ status: 'succeeded', failure: null });
    expect(releaseStatusOf(7, undefined, 7, 6)).toEqual({ status: 'pending', failure: null });
    expect(releaseStatusOf(7, { status: 'released' }, 7, 6)).toEqual({ status: 'pending', failure: null });
  });
});

describe('rollbackProblem and failed releases', () => {
  const r = (version: number): Release => ({
    app: 'a',
    version,
    image: 'img',
    config: {},
    processTypes: {},
    description: '',
    createdBy: 'u',
    createdAt: '',
  });
  it('allows trying the failed latest release again, not the current one otherwise', () => {
    expect(rollbackProblem(r(7), r(7))).toBe('v7 is already the current release');
    expect(rollbackProblem(r(7), r(7), undefined, true)).toBeUndefined();
  });
});
