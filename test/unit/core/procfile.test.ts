import { describe, expect, it } from 'vitest';
import { parseProcfile } from '../../../services/core/procfile.js';

describe('parseProcfile', () => {
  it('reads types and commands, skipping blanks and comments', () => {
    expect(parseProcfile('# hi\nweb: node server.js\n\nworker:  node worker.js --x=1\r\n')).toEqual({
      ok: true,
      processTypes: { web: 'node server.js', worker: 'node worker.js --x=1' },
    });
  });
  it('reports bad lines with their number', () => {
    const r = parseProcfile('web: ok\nnot a line\nweb: again\nbad$type: x\nempty:');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.map((e) => e.line)).toEqual([2, 3, 4, 5]);
  });
});
