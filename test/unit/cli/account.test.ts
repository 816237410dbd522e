import { describe, expect, it } from 'vitest';
import { newPassword } from '../../../cli/commands/account/password.js';
import { activityText } from '../../../cli/commands/activity/index.js';
import { expiresInArg } from '../../../cli/commands/tokens/create.js';
import type { Ctx } from '../../../cli/context.js';

// account:password's asking, tokens:create's --expires-in: pure but for the fake terminal.

function ctx(lines: string[], secrets?: string[]): Ctx {
  return {
    env: {},
    cwd: '/',
    home: '/nonexistent',
    out: () => {},
    err: () => {},
    readLine: async () => lines.shift() ?? '',
    ...(secrets && { readSecret: async () => secrets.shift() ?? '' }),
    fetch: () => Promise.reject(new Error('no network')),
  };
}

describe('newPassword', () => {
  it('reads one line with --stdin', async () => {
    expect(await newPassword(ctx(['pw-from-stdin', 'next']), true)).toBe('pw-from-stdin');
  });
  it('asks twice at a terminal; the two must match', async () => {
    expect(await newPassword(ctx([], ['same-secret', 'same-secret']), false)).toBe('same-secret');
    await expect(newPassword(ctx([], ['one-secret', 'other-secret']), false)).rejects.toThrow('differ');
  });
  it('refuses an empty password, and no terminal without --stdin', async () => {
    await expect(newPassword(ctx(['']), true)).rejects.toThrow('No password given');
    await expect(newPassword(ctx(['x']), false)).rejects.toThrow('--stdin');
  });
});

describe('expiresInArg', () => {
  it('takes durations and seconds', () => {
    expect(expiresInArg('12h')).toBe(43200);
    expect(expiresInArg('30d')).toBe(2_592_000);
    expect(expiresInArg('3600')).toBe(3600);
    expect(() => expiresInArg('soon')).toThrow('Not a duration');
    expect(() => expiresInArg('0')).toThrow('Not a duration');
  });
});

describe('activityText', () => {
  it('is a table of when, who, kind, description', () => {
    const text = activityText('shop', [
      {
        id: '1',
        at: '2026-12-07T10:20:30.000Z',
        kind: 'scale',
        user: { email: 'me@x.io' },
        description: 'Scaled web to 2:eco',
      },
      { id: '2', at: '2026-12-07T10:18:02Z', kind: 'release', user: { email: null }, description: 'Deploy 3f2a1c0' },
    ]);
    expect(text.split('\n')).toEqual([
      '=== shop Activity',
      'When                     Who      Kind     Description',
      '───────────────────────  ───────  ───────  ───────────────────',
      '2026/12/07 10:20:30 UTC  me@x.io  scale    Scaled web to 2:eco',
      '2026/12/07 10:18:02 UTC           release  Deploy 3f2a1c0',
    ]);
    expect(activityText('shop', [])).toBe('=== shop has no activity yet');
  });
});
