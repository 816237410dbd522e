import { describe, expect, it } from 'vitest';
import { joinParts } from '../../../services/scheduler/model.js';

describe('joinParts', () => {
  it('concatenates the lists in order, takes the earliest recheck, and lists run deletes only when there are some', () => {
    const a = { id: 'a', host: 'h' } as never;
    const p = joinParts([
      { remove: [{ host: 'h', id: '1' }], recheckInMs: 500 },
      {},
      { remove: [{ host: 'h', id: '2' }], put: [a], recheckInMs: 200, deleteRuns: [] },
    ]);
    expect(p).toEqual({
      put: [a],
      remove: [
        { host: 'h', id: '1' },
        { host: 'h', id: '2' },
      ],
      routes: [],
      deleteRoutes: [],
      unplaced: [],
      statuses: [],
      recheckInMs: 200,
    });
    expect(joinParts([{ deleteRuns: [{ app: 'x', name: 'run.1' }] }]).deleteRuns).toEqual([
      { app: 'x', name: 'run.1' },
    ]);
  });
});
