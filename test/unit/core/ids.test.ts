import { describe, expect, it } from 'vitest';
import { by, compareStrings, sameList, sortedEntries } from '../../../services/core/compare.js';
import { assignmentId, dynoName, parseAssignmentId, parseDynoName, releaseId } from '../../../services/core/ids.js';

describe('ids', () => {
  it('builds and parses dyno names and assignment ids', () => {
    expect(dynoName('web', 2)).toBe('web.2');
    expect(parseDynoName('web.2')).toEqual({ type: 'web', index: 2 });
    expect(parseDynoName('run.1234')).toEqual({ type: 'run', index: 1234 });
    for (const bad of ['web', 'web.0', 'web.01', '.1', 'web.1.2', 'we b.1']) expect(parseDynoName(bad)).toBeUndefined();
    expect(assignmentId('my-app', dynoName('web', 1), 3)).toBe('my-app.web.1.v3');
    expect(parseAssignmentId('my-app.web.1.v3')).toEqual({ app: 'my-app', type: 'web', index: 1, release: 3 });
    expect(parseAssignmentId('my-app.run.1234.v12')).toEqual({ app: 'my-app', type: 'run', index: 1234, release: 12 });
    for (const bad of ['my-app.web.1', 'my-app.web.v3', 'My.web.1.v3', 'my-app.web.1.v0'])
      expect(parseAssignmentId(bad)).toBeUndefined();
    expect(releaseId('my-app', 3)).toBe('my-app-v3');
  });
});

describe('compare', () => {
  it('orders by code unit, not by locale', () => {
    expect(['b', 'B', 'a', 'A'].sort(compareStrings)).toEqual(['A', 'B', 'a', 'b']);
    expect([{ n: 'web' }, { n: 'clock' }].sort(by((x) => x.n)).map((x) => x.n)).toEqual(['clock', 'web']);
    expect(sortedEntries({ b: 1, a: 2 })).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
    expect(sameList([1, 2], [1, 2])).toBe(true);
    expect(sameList([1, 2], [2, 1])).toBe(false);
    expect(sameList([1], [1, 1])).toBe(false);
  });
});
