import { describe, expect, it } from 'vitest';
import { sanitizeLine } from '../../../../services/builder/output.js';
import { ResultReader, resultLine } from '../../../../services/builder/push/protocol.js';

function read(chunks: string[]) {
  const r = new ResultReader();
  const shown = chunks.map((c) => r.push(c)).join('');
  return { shown, result: r.finish() };
}

describe('ResultReader', () => {
  it('succeeds only on a final ok line, which it does not show', () => {
    expect(read(['-----> hi\n', '       there\n', resultLine('ok')])).toEqual({
      shown: '-----> hi\n       there\n',
      result: 'ok',
    });
  });

  it('handles lines split across chunks', () => {
    const all = `one\ntwo\n${resultLine('ok')}`;
    expect(read(all.split(''))).toEqual({ shown: 'one\ntwo\n', result: 'ok' });
  });

  it('fails without a result line (a stream cut short)', () => {
    expect(read(['-----> building\n']).result).toBe('failed');
    expect(read([]).result).toBe('failed');
  });

  it('fails on a failed result, a half line, or output after the result', () => {
    expect(read(['x\n', resultLine('failed')]).result).toBe('failed');
    expect(read([resultLine('ok').slice(0, -1)]).result).toBe('failed');
    expect(read([resultLine('ok'), 'more\n']).result).toBe('failed');
    expect(read([resultLine('ok'), 'partial']).result).toBe('failed');
  });

  it('cannot be fooled by build output once sanitised', () => {
    const forged = sanitizeLine(resultLine('ok').trimEnd());
    expect(read([forged + '\n']).result).toBe('failed');
  });
});
