import { describe, expect, it } from 'vitest';
import { accessText } from '../../../cli/commands/access/index.js';
import { emailArg } from '../../../cli/commands/access/parse.js';
import { remoteNameArg } from '../../../cli/commands/git/remote.js';
import { keyToRemove } from '../../../cli/commands/keys/remove.js';
import { tokensText } from '../../../cli/commands/tokens/index.js';
import { tokenIdArg } from '../../../cli/commands/tokens/revoke.js';
import { createdJson } from '../../../cli/commands/users/create.js';
import { CliError } from '../../../cli/context.js';

// access, tokens, keys:remove, git:remote, users:create --json: parsing and output.

const FP = 'SHA256:uJ0F2mUTGx7BEyQ8mOvkSuvnWLb/PNNozbazVeA5iHk';
const FP2 = 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

function message(f: () => unknown): string {
  try {
    f();
    return 'no error';
  } catch (e) {
    return e instanceof CliError ? e.message : 'not a CliError';
  }
}

describe('keyToRemove', () => {
  const keys = [
    { fingerprint: FP, comment: 'me@laptop' },
    { fingerprint: FP2, comment: 'me@desk' },
    { fingerprint: 'SHA256:x', comment: 'me@desk' },
    { fingerprint: 'SHA256:y', comment: '' },
  ];
  it('takes a fingerprint as it is, without needing the list', () => {
    expect(keyToRemove([], FP)).toBe(FP);
  });
  it('finds the one key with a comment', () => {
    expect(keyToRemove(keys, 'me@laptop')).toBe(FP);
  });
  it('refuses an ambiguous or unknown comment, and never matches an empty one', () => {
    expect(message(() => keyToRemove(keys, 'me@desk'))).toMatch(/^Several of your keys have the comment me@desk/);
    expect(message(() => keyToRemove(keys, 'nope'))).toMatch(
      /^No SSH key of yours has the fingerprint or comment nope/,
    );
    expect(message(() => keyToRemove(keys, ''))).toMatch(/^No SSH key/);
  });
});

describe('arguments', () => {
  it('token ids are UUIDs', () => {
    expect(tokenIdArg(' 0B1C2D3E-4F50-6172-8394-A5B6C7D8E9F0 ')).toBe('0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0');
    expect(message(() => tokenIdArg('../keys'))).toBe('Not a token id: ../keys (see `paas tokens`)');
  });
  it('emails look like emails', () => {
    expect(emailArg(' dev@example.com')).toBe('dev@example.com');
    expect(message(() => emailArg('dev'))).toBe('Not an email address: dev');
  });
  it('git remote names are plain', () => {
    expect(remoteNameArg('paas')).toBe('paas');
    expect(remoteNameArg('staging_2.eu')).toBe('staging_2.eu');
    for (const bad of ['', '-x', '.x', 'a b', 'a/b', 'x.lock', 'a..b', 'a]b'])
      expect(
        message(() => remoteNameArg(bad)),
        bad,
      ).toMatch(/^Not a valid git remote name/);
  });
});

describe('output', () => {
  it('access lists email and role', () => {
    const text = accessText('my-app', [
      { id: 'u1', user: { id: 'u1', email: 'me@example.com' }, role: 'owner', created_at: 'T' },
      { id: 'u2', user: { id: 'u2', email: null }, role: 'collaborator', created_at: 'T' },
    ]);
    expect(text.split('\n')).toEqual([
      '=== my-app Access',
      'Email           Role',
      '──────────────  ────────────',
      'me@example.com  owner',
      'u2              collaborator',
    ]);
  });
  it('tokens never print more than the last four characters', () => {
    const now = Date.parse('2024-05-02T00:00:00Z');
    const text = tokensText(
      [
        { id: 'id-1', description: 'ci', created_at: '2024-05-01T10:20:30.000Z', expires_at: null, last4: 'x3Fq' },
        { id: 'id-2', description: '', created_at: 'T', expires_at: '2024-05-03T00:00:00.000Z' },
        { id: 'id-3', description: '', created_at: 'T', expires_at: '2024-05-01T12:00:00.000Z' },
      ],
      now,
    );
    expect(text.split('\n')[0]).toBe('ID    Token  Description  Created                  Expires');
    expect(text.split('\n')[2]).toBe('id-1  …x3Fq  ci           2024/05/01 10:20:30 UTC  never');
    expect(text.split('\n')[3]).toBe('id-2                      T                        2024/05/03 00:00:00 UTC');
    expect(text.split('\n')[4]).toBe(
      'id-3                      T                        expired 2024/05/01 12:00:00 UTC',
    );
    expect(tokensText([])).toMatch(/no API tokens/);
  });
  it('users:create --json gives {name, token} and keeps user', () => {
    const user = { id: 'u1', email: 'dev@example.com', admin: false };
    expect(createdJson({ user, token: 'tok' })).toEqual({ name: 'dev@example.com', token: 'tok', user });
  });
});
