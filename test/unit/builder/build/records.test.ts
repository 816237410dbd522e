import { describe, expect, it } from 'vitest';
import { chunkLines, PhaseTimer } from '../../../../services/builder/build/records.js';

describe('chunkLines', () => {
  it('splits lines into chunks of at most maxBytes (a newline each)', () => {
    expect(chunkLines(['aa', 'bb', 'cc'], 6)).toEqual([['aa', 'bb'], ['cc']]);
    expect(chunkLines([], 6)).toEqual([]);
  });
  it('cuts a line too long for one chunk', () => {
    expect(chunkLines(['abcdefgh'], 4)).toEqual([['abc']]);
  });
});

describe('PhaseTimer', () => {
  it('times each phase until the next starts, and adds a phase entered twice', () => {
    let t = 0;
    const timer = new PhaseTimer(() => t);
    timer.start('fetch');
    t = 10;
    timer.start('compile');
    t = 25;
    timer.start('fetch');
    t = 27;
    timer.end();
    timer.end();
    expect(timer.phases).toEqual({ fetch: 12, compile: 15 });
  });
});
