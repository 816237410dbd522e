import { describe, expect, it } from 'vitest';
import { buildDuration, buildsToDrop, capOutput, outputText } from '../../../services/core/builds.js';

describe('capOutput', () => {
  it('keeps everything that fits', () => {
    expect(capOutput(['a', 'b'], 10)).toEqual({ lines: ['a', 'b'], truncatedBytes: 0 });
  });
  it('keeps the last lines that fit and counts the bytes cut, with those cut before', () => {
    expect(capOutput(['aaaa', 'bbbb', 'cc'], 8)).toEqual({ lines: ['bbbb', 'cc'], truncatedBytes: 5 });
    expect(capOutput(['aaaa', 'bbbb', 'cc'], 8, 100)).toEqual({ lines: ['bbbb', 'cc'], truncatedBytes: 105 });
  });
  it('counts UTF-8 bytes', () => {
    expect(capOutput(['é', 'ab'], 3)).toEqual({ lines: ['ab'], truncatedBytes: 3 });
  });
  it('keeps the end of one line longer than the limit', () => {
    const out = capOutput(['0123456789'], 5);
    expect(out).toEqual({ lines: ['6789'], truncatedBytes: 6 });
  });
  it('notes what was cut in the text', () => {
    expect(outputText({ lines: ['x'], truncatedBytes: 0 })).toBe('x\n');
    expect(outputText({ lines: ['x'], truncatedBytes: 12 })).toBe('[12 bytes of earlier output were not kept]\nx\n');
  });
});

describe('buildsToDrop', () => {
  it('drops the oldest so that one more build makes `kept`', () => {
    expect(buildsToDrop(['3', '1', '2'], 3)).toEqual(['1']);
    expect(buildsToDrop(['1', '2'], 3)).toEqual([]);
    expect(buildsToDrop(['5', '4', '3', '2', '1'], 3)).toEqual(['1', '2', '3']);
  });
});

describe('buildDuration', () => {
  it('adds the phases', () => {
    expect(buildDuration({ fetch: 1, compile: 10, launch: 100 })).toBe(111);
    expect(buildDuration({})).toBe(0);
  });
});
