import { describe, expect, it } from 'vitest';
import { parseAssignments, patchBody } from '../../../../cli/commands/config/change.js';
import { configLines, shellLines, shellQuote } from '../../../../cli/commands/config/format.js';
import { releaseInfoText } from '../../../../cli/commands/releases/format.js';
import { parseVersionArg, previousVersion } from '../../../../cli/commands/releases/version.js';
import { CliError } from '../../../../cli/context.js';

function cliError(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof CliError) return e.message;
    throw e;
  }
  throw new Error('expected a CliError');
}

describe('parseAssignments', () => {
  it('splits at the first =, so values may hold = or be empty', () => {
    expect(parseAssignments(['FOO=bar', 'URL=postgres://u:p@h/db?a=b', 'EMPTY=', 'SP=a b'])).toEqual([
      ['FOO', 'bar'],
      ['URL', 'postgres://u:p@h/db?a=b'],
      ['EMPTY', ''],
      ['SP', 'a b'],
    ]);
  });

  it('refuses an argument without = or without a key, and no arguments', () => {
    expect(cliError(() => parseAssignments(['FOO=1', 'BAR']))).toBe('BAR is invalid. Must be in the format FOO=bar.');
    expect(cliError(() => parseAssignments(['=x']))).toBe('=x is invalid. Must be in the format FOO=bar.');
    expect(cliError(() => parseAssignments([]))).toMatch(/^Usage: paas config:set/);
  });
});

describe('patchBody', () => {
  it('lets a later assignment win and keeps __proto__ a plain key', () => {
    const body = patchBody([
      ['A', '1'],
      ['A', '2'],
      ['__proto__', 'x'],
      ['GONE', null],
    ]);
    expect(JSON.stringify(body)).toBe('{"A":"2","__proto__":"x","GONE":null}');
    expect(Object.getPrototypeOf(body)).toBe(Object.prototype);
  });
});

describe('config output', () => {
  it('aligns values one space after the longest key', () => {
    expect(configLines({ LANG: 'en_US.UTF-8', NODE_ENV: 'production' })).toBe(
      'LANG:     en_US.UTF-8\nNODE_ENV: production',
    );
    expect(configLines({})).toBe('');
  });

  it('quotes for a shell only where needed', () => {
    expect(shellQuote('postgres://u@h:5432/db')).toBe('postgres://u@h:5432/db');
    expect(shellQuote('a b')).toBe("'a b'");
    expect(shellQuote("it's $HOME")).toBe(`'it'\\''s $HOME'`);
    expect(shellQuote('')).toBe("''");
    expect(shellLines({ A: 'x=y', B: 'two words' })).toBe("A=x=y\nB='two words'");
  });
});

describe('releases:info and rollback arguments', () => {
  it('reads v12 or 12, refuses the rest', () => {
    expect(parseVersionArg('v12')).toBe(12);
    expect(parseVersionArg('3')).toBe(3);
    for (const bad of ['v0', 'x', 'v1.2', '-1', ''])
      expect(cliError(() => parseVersionArg(bad))).toMatch(/is not a release version; use one such as v12$/);
  });

  it('rolls back by default to the release before the latest', () => {
    expect(previousVersion('my-app', 7)).toBe(6);
    expect(cliError(() => previousVersion('my-app', 1))).toBe('my-app has no earlier release to roll back to');
  });

  it('shows a release and its config vars as Heroku does', () => {
    const text = releaseInfoText(
      {
        id: 'a-v3',
        version: 3,
        description: 'Set FOO config var',
        commit: 'abc1234',
        created_at: '2024-05-01T10:20:30.000Z',
        user: { id: 'u', email: 'me@example.com' },
        status: 'succeeded',
        failure: null,
        current: true,
        slug: { id: 'img' },
      },
      { FOO: 'bar baz' },
    );
    expect(text.split('\n')).toEqual([
      '=== Release v3',
      'Change:  Set FOO config var',
      'By:      me@example.com',
      'When:    2024/05/01 10:20:30 UTC',
      'Commit:  abc1234',
      'Status:  succeeded (current)',
      '',
      '=== v3 Config vars',
      'FOO: bar baz',
    ]);
  });
});
