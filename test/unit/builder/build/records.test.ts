import { describe, expect, it } from 'vitest';
import {
  appendReports,
  BuildRecorder,
  chunkLines,
  PhaseTimer,
  type BuildReport,
} from '../../../../services/builder/build/records.js';
import { createLogger } from '../../../../services/core/logger.js';
import { info, relay } from '../../../../services/builder/output.js';

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

describe('lines relayed from the app log', () => {
  it('go in reports of their own, marked alreadyLogged, in the order they came', () => {
    const kept = [
      { text: 'a', relayed: false },
      { text: 'b', relayed: true },
      { text: 'c', relayed: true },
      { text: 'd', relayed: false },
    ];
    expect(appendReports(kept)).toEqual([
      { append: ['a'] },
      { append: ['b', 'c'], alreadyLogged: true },
      { append: ['d'] },
    ]);
    expect(appendReports([])).toEqual([]);
  });

  it('a recorder shows them to the pusher as other lines and reports them apart', async () => {
    const reports: BuildReport[] = [];
    const recorder = new BuildRecorder(
      { create: async () => undefined, update: async (_app, _id, r) => void reports.push(r) },
      'app',
      'b1',
      createLogger('t', 'silent'),
      60_000,
    );
    await recorder.start('c'.repeat(40), { id: 'u', email: 'u@example.com' });
    const pushed: string[] = [];
    const out = recorder.tee({ line: (t) => pushed.push(t) });
    info(out, 'Running');
    relay(out, 'migrated');
    await recorder.finish({ status: 'succeeded' });
    expect(pushed).toEqual(['       Running', '       migrated']);
    expect(reports).toEqual([
      { append: ['       Running'] },
      { status: 'succeeded', phases: {}, append: ['       migrated'], alreadyLogged: true },
    ]);
  });
});
