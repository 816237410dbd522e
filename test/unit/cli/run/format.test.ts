import { describe, expect, it } from 'vitest';
import { commandLine, exitOf, oneOffText, parseEnvFlag } from '../../../../cli/commands/run/format.js';

describe('paas run parsing', () => {
  it('parses --env', () => {
    expect(parseEnvFlag('A=1;B=x=y; ;C=')).toEqual({ A: '1', B: 'x=y', C: '' });
    expect(parseEnvFlag(undefined)).toEqual({});
    expect(() => parseEnvFlag('1=2')).toThrow(/KEY=value/);
    expect(() => parseEnvFlag('novalue')).toThrow(/KEY=value/);
  });

  it('joins the command words, quoting for the remote shell', () => {
    expect(commandLine(['ls -la | wc -l'])).toBe('ls -la | wc -l');
    expect(commandLine(['sh', '-c', "echo 'hi'; exit 7"])).toBe(`sh -c 'echo '\\''hi'\\''; exit 7'`);
    expect(() => commandLine([])).toThrow(/Usage/);
  });

  it('reads exit frames and formats the one-off section of ps', () => {
    expect(exitOf('{"exit":7}')).toBe(7);
    expect(exitOf('{"resize":{}}')).toBeUndefined();
    expect(exitOf('nope')).toBeUndefined();
    const d = {
      name: 'run.4821',
      type: 'run',
      state: 'up' as const,
      size: 'standard-1x',
      command: 'bash',
      updated_at: 'T',
    };
    expect(oneOffText([d, { ...d, type: 'web' }], () => 'WHEN')).toBe(
      '=== run: one-off processes (1)\nrun.4821 (standard-1x): up WHEN: bash',
    );
    expect(oneOffText([{ ...d, type: 'web' }], () => '')).toBe('');
  });
});
