import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { newCsrf, openSession, sealSession, type Session } from '../../../services/dashboard/session.js';

const key = randomBytes(32);
const now = Date.UTC(2026, 11, 6, 12);
const session: Session = {
  token: 'tok-0123456789abcdef0123456789abcdef0123456',
  tokenId: '0b4e7a52-3c1d-4f7e-9a6b-2d8c5e1f0a93',
  email: 'alice@example.com',
  admin: false,
  csrf: newCsrf(),
  expiresAt: now + 3600_000,
};

/** The sealed value with one byte of its binary part flipped. */
function flipped(sealed: string, at: number): string {
  const raw = Buffer.from(sealed.slice(3), 'base64url');
  raw[at % raw.length] = (raw[at % raw.length] as number) ^ 0x01;
  return 'v1.' + raw.toString('base64url');
}

describe('session cookies', () => {
  it('opens what it sealed, and nothing of it is readable in the cookie', () => {
    const sealed = sealSession(session, key);
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]+$/);
    expect(openSession(sealed, key, now)).toEqual(session);
    const raw = Buffer.from(sealed.slice(3), 'base64url').toString('latin1');
    expect(raw).not.toContain('alice');
    expect(sealed).not.toContain(session.token);
  });

  it('seals the same session differently each time (a random IV)', () => {
    expect(sealSession(session, key)).not.toBe(sealSession(session, key));
  });

  it('opens a tampered cookie to no session, whichever byte changed', () => {
    const sealed = sealSession(session, key);
    const length = Buffer.from(sealed.slice(3), 'base64url').length;
    for (const at of [0, 5, 11, 12, 20, length - 17, length - 16, length - 1])
      expect(openSession(flipped(sealed, at), key, now)).toBeUndefined();
    expect(openSession(sealed.slice(0, -4), key, now)).toBeUndefined();
    expect(openSession(sealed + 'AA', key, now)).toBeUndefined();
  });

  it('opens an expired session to none', () => {
    const sealed = sealSession(session, key);
    expect(openSession(sealed, key, session.expiresAt - 1)).toEqual(session);
    expect(openSession(sealed, key, session.expiresAt)).toBeUndefined();
    expect(openSession(sealed, key, session.expiresAt + 1)).toBeUndefined();
  });

  it('opens a cookie sealed with another key to none', () => {
    expect(openSession(sealSession(session, randomBytes(32)), key, now)).toBeUndefined();
  });

  it('opens malformed values to none', () => {
    for (const v of [
      undefined,
      '',
      'v1.',
      'v1.!!!',
      'v2.' + sealSession(session, key).slice(3),
      'abc',
      'v1.AAAA',
      'v1.' + 'A'.repeat(5000),
    ])
      expect(openSession(v, key, now)).toBeUndefined();
  });

  it('opens a sealed value of another shape to none', () => {
    const odd = { ...session, admin: 'yes' } as unknown as Session;
    expect(openSession(sealSession(odd, key), key, now)).toBeUndefined();
    const noToken = { ...session, token: '' };
    expect(openSession(sealSession(noToken, key), key, now)).toBeUndefined();
  });

  it('makes CSRF tokens of 256 random bits', () => {
    const a = newCsrf();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newCsrf()).not.toBe(a);
  });
});
