import { describe, expect, it } from 'vitest';
import { assertNewAppName } from '../../../services/core/names.js';
import { basicCredentials } from '../../../services/controller/auth.js';
import { remoteAddress } from '../../../services/controller/http.js';
import { tokenExpired } from '../../../services/controller/repo.js';
import { parseExpiresIn, parseTokenRequest, tokenView } from '../../../services/controller/tokens/tokens.js';
import { parsePasswordChange } from '../../../services/controller/users/login.js';
import {
  hashPassword,
  parsePassword,
  verifyDummy,
  verifyPassword,
} from '../../../services/controller/users/passwords.js';
import { FailureLimiter, LoginLimiter } from '../../../services/controller/users/ratelimit.js';

// Passwords, Basic credentials, token expiry and the login rate limit: the pure parts, no etcd.

const basic = (text: string) => `Basic ${Buffer.from(text, 'utf8').toString('base64')}`;

describe('parsePassword', () => {
  it('takes 10 to 1024 characters', () => {
    expect(parsePassword('0123456789')).toBe('0123456789');
    expect(parsePassword('x'.repeat(1024))).toHaveLength(1024);
    expect(parsePassword('🔑'.repeat(10))).toBe('🔑'.repeat(10)); // characters, not UTF-16 units
  });
  it('refuses short, long, non-string and control characters with 422', () => {
    for (const bad of ['short', 'x'.repeat(1025), 12345678901, undefined, null, 'tab\there12345', 'nl\n123456789'])
      expect(() => parsePassword(bad)).toThrow(expect.objectContaining({ code: 'invalid_params' }));
    expect(() => parsePassword('short', 'current_password')).toThrow('current_password must be 10 to 1024');
  });
  it('parsePasswordChange: the new password, and the current one if given', () => {
    expect(parsePasswordChange({ password: 'new-password' })).toEqual({ password: 'new-password' });
    expect(parsePasswordChange({ password: 'new-password', current_password: 'old' })).toEqual({
      password: 'new-password',
      current: 'old',
    });
    expect(() => parsePasswordChange({ password: 'new-password', current_password: 7 })).toThrow('must be a string');
    expect(() => parsePasswordChange({})).toThrow('password is required');
  });
});

describe('hashPassword / verifyPassword', () => {
  const cost = { n: 1024, r: 8, p: 1 }; // cheap for the test; the record says which it used
  it('stores scrypt with a random salt and its parameters, and checks it', async () => {
    const a = await hashPassword('correct horse battery', { cost });
    const b = await hashPassword('correct horse battery', { cost });
    expect(a).toMatchObject({ algorithm: 'scrypt', n: 1024, r: 8, p: 1 });
    expect(a.salt).not.toBe(b.salt);
    expect(a.hash).not.toBe(b.hash);
    expect(JSON.stringify(a)).not.toContain('correct horse');
    expect(await verifyPassword(a, 'correct horse battery')).toBe(true);
    expect(await verifyPassword(b, 'correct horse battery')).toBe(true);
    expect(await verifyPassword(a, 'correct horse batterY')).toBe(false);
  });
  it('is false for a record it cannot read, and for the dummy', async () => {
    const a = await hashPassword('correct horse battery', { cost });
    expect(await verifyPassword({ ...a, hash: 'AAAA' }, 'correct horse battery')).toBe(false);
    expect(await verifyPassword({ ...a, algorithm: 'md5' as 'scrypt' }, 'correct horse battery')).toBe(false);
    expect(await verifyDummy('anything at all')).toBe(false);
  });
});

describe('basicCredentials', () => {
  it('splits at the first colon: the password may hold more', () => {
    expect(basicCredentials(basic('a@b.c:pa:ss word'))).toEqual({ email: 'a@b.c', password: 'pa:ss word' });
    expect(basicCredentials(`basic  ${Buffer.from('a@b.c:é').toString('base64')} `)).toEqual({
      email: 'a@b.c',
      password: 'é',
    });
  });
  it('is undefined for anything else', () => {
    for (const h of [undefined, '', 'Bearer abc', basic('no-colon'), basic(':pw'), 'Basic !!!', 'Basic'])
      expect(basicCredentials(h)).toBeUndefined();
  });
});

describe('remoteAddress', () => {
  it('is the peer, unless the peer is local and forwards for someone', () => {
    expect(remoteAddress('198.51.100.7', '203.0.113.9')).toBe('198.51.100.7');
    expect(remoteAddress('127.0.0.1', undefined)).toBe('127.0.0.1');
    expect(remoteAddress('127.0.0.1', '203.0.113.9')).toBe('203.0.113.9');
    expect(remoteAddress('::ffff:127.0.0.1', '10.0.0.1, 203.0.113.9, 127.0.0.1')).toBe('203.0.113.9');
    expect(remoteAddress('::1', '127.0.0.1')).toBe('::1');
    expect(remoteAddress(undefined, '203.0.113.9')).toBeUndefined();
  });
});

describe('token expiry', () => {
  it('parses expires_in: whole seconds from 60 to 31536000, absent or null for never', () => {
    expect(parseExpiresIn(undefined)).toBeUndefined();
    expect(parseExpiresIn(null)).toBeUndefined();
    expect(parseExpiresIn(60)).toBe(60);
    expect(parseExpiresIn(31_536_000)).toBe(31_536_000);
    for (const bad of [59, 31_536_001, 120.5, '3600', -60, 0, true])
      expect(() => parseExpiresIn(bad)).toThrow(expect.objectContaining({ code: 'invalid_params' }));
    expect(parseTokenRequest({ description: ' s ', expires_in: 43200 })).toEqual({
      description: 's',
      expiresInS: 43200,
    });
  });
  it('a token expires at its expiresAt, never without one', () => {
    const at = Date.parse('2026-01-01T00:00:00Z');
    expect(tokenExpired({}, at)).toBe(false);
    expect(tokenExpired({ expiresAt: '2026-01-01T00:00:01.000Z' }, at)).toBe(false);
    expect(tokenExpired({ expiresAt: '2026-01-01T00:00:00.000Z' }, at)).toBe(true);
  });
  it('the view says when, or null', () => {
    const rec = { user: 'u', description: 'd', createdAt: 'T' };
    expect(tokenView('i', rec).expires_at).toBeNull();
    expect(tokenView('i', { ...rec, expiresAt: 'E' }).expires_at).toBe('E');
  });
});

describe('FailureLimiter', () => {
  it('refuses after max failures in the window, until the oldest leaves it', () => {
    let now = 1_000_000;
    const l = new FailureLimiter({ max: 3, windowMs: 60_000 }, () => now);
    for (let i = 0; i < 3; i++) {
      expect(l.retryAfterS('a')).toBe(0);
      l.fail('a');
      now += 10_000;
    }
    // failures at 0 s, 10 s, 20 s; now 30 s: the first leaves the window at 60 s
    expect(l.retryAfterS('a')).toBe(30);
    expect(l.retryAfterS('b')).toBe(0);
    now += 29_500;
    expect(l.retryAfterS('a')).toBe(1); // never 0 while refused
    now += 500;
    expect(l.retryAfterS('a')).toBe(0);
    now += 60_000;
    expect(l.retryAfterS('a')).toBe(0);
    expect(l.size).toBe(0); // pruned
  });
  it('clear forgets a key', () => {
    const l = new FailureLimiter({ max: 1, windowMs: 60_000 }, () => 0);
    l.fail('a');
    expect(l.retryAfterS('a')).toBe(60);
    l.clear('a');
    expect(l.retryAfterS('a')).toBe(0);
  });
});

describe('LoginLimiter', () => {
  it('counts per email and per address; a success clears only the email', () => {
    const now = 0;
    const l = new LoginLimiter(() => now, {
      email: { max: 2, windowMs: 60_000 },
      address: { max: 3, windowMs: 60_000 },
    });
    l.fail({ email: 'a@x', address: '1.1.1.1' });
    l.fail({ email: 'a@x', address: '2.2.2.2' });
    expect(l.retryAfterS({ email: 'a@x', address: '3.3.3.3' })).toBe(60); // the email, from anywhere
    expect(l.retryAfterS({ email: 'b@x', address: '1.1.1.1' })).toBe(0);
    l.fail({ email: 'b@x', address: '1.1.1.1' });
    l.fail({ email: 'c@x', address: '1.1.1.1' });
    expect(l.retryAfterS({ email: 'd@x', address: '1.1.1.1' })).toBe(60); // the address, any email
    expect(l.retryAfterS({ address: '1.1.1.1' })).toBe(60);
    l.succeed({ email: 'a@x' });
    expect(l.retryAfterS({ email: 'a@x', address: '3.3.3.3' })).toBe(0);
    expect(l.retryAfterS({ email: 'a@x', address: '1.1.1.1' })).toBe(60);
  });
});

describe('assertNewAppName', () => {
  it('refuses the reserved name dashboard, and invalid names', () => {
    expect(assertNewAppName('dashboards')).toBe('dashboards');
    expect(() => assertNewAppName('dashboard')).toThrow("dashboard is reserved for the platform's dashboard");
    expect(() => assertNewAppName('Dash')).toThrow(expect.objectContaining({ code: 'invalid_params' }));
  });
});
