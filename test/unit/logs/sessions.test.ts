import { describe, expect, it } from 'vitest';
import {
  openSession,
  sealSession,
  sessionKey,
  SessionTable,
  SESSION_TTL_MS,
} from '../../../services/controller/logs/sessions.js';

// Log sessions sealed with a key from the internal token (logs/sessions.ts):
// any controller of the platform opens one another made; a changed byte, an
// expired one, another app's or another platform's is refused.

const token = 'internal-token-of-the-platform-0123';
const grant = { app: 'web-app', userId: 'u-1', tokenHash: 'a'.repeat(64) };
const now = Date.parse('2026-01-02T03:04:05.000Z');

describe('sealed log sessions', () => {
  it('opens on another table with the same internal token, with everything it was made with', () => {
    const a = new SessionTable();
    a.useSecret(token);
    const b = new SessionTable();
    b.useSecret(token);
    const s = a.create('web-app', { lines: 25, tail: true, dyno: 'web.1', source: 'app' }, grant, now);
    expect(s.id).toMatch(/^[A-Za-z0-9_-]{60,}$/);
    expect(b.get('web-app', s.id, now + 1000)).toEqual({
      id: s.id,
      app: 'web-app',
      lines: 25,
      tail: true,
      dyno: 'web.1',
      source: 'app',
      createdAt: '2026-01-02T03:04:05.000Z',
      expiresAt: now + SESSION_TTL_MS,
      grant,
    });
  });

  it('reveals nothing of what it seals (the token hash, the user) and differs each time', () => {
    const key = sessionKey(token);
    const base = { app: 'web-app', lines: 1, tail: false, createdAt: new Date(now).toISOString(), expiresAt: now + 1 };
    const id = sealSession(key, { ...base, grant });
    const raw = Buffer.from(id, 'base64url').toString('latin1');
    expect(raw).not.toContain('u-1');
    expect(raw).not.toContain('aaaa');
    expect(id).not.toBe(sealSession(key, { ...base, grant }));
  });

  it('refuses a changed byte, a cut id, another app, another platform’s key, and one past its 5 minutes', () => {
    const key = sessionKey(token);
    const t = new SessionTable();
    t.useSecret(token);
    const s = t.create('web-app', { lines: 5, tail: false }, undefined, now);
    expect(openSession(key, 'web-app', s.id, now)?.lines).toBe(5);
    const raw = Buffer.from(s.id, 'base64url');
    for (const i of [0, 12, 20, raw.length - 1]) {
      const bad = Buffer.from(raw);
      bad[i] = (bad[i] as number) ^ 1;
      expect(openSession(key, 'web-app', bad.toString('base64url'), now), `byte ${i}`).toBeUndefined();
    }
    expect(openSession(key, 'web-app', s.id.slice(0, -4), now)).toBeUndefined();
    expect(openSession(key, 'web-app', 'not a session', now)).toBeUndefined();
    expect(openSession(key, 'other-app', s.id, now)).toBeUndefined();
    expect(openSession(sessionKey('another-platform-token-0123456'), 'web-app', s.id, now)).toBeUndefined();
    expect(openSession(key, 'web-app', s.id, now + SESSION_TTL_MS - 1)).toBeDefined();
    expect(openSession(key, 'web-app', s.id, now + SESSION_TTL_MS)).toBeUndefined();
  });

  it('without the internal token, a table opens only its own sessions', () => {
    const a = new SessionTable();
    const b = new SessionTable();
    const s = a.create('web-app', { lines: 1, tail: false }, undefined, now);
    expect(a.get('web-app', s.id, now)).toBeDefined();
    expect(b.get('web-app', s.id, now)).toBeUndefined();
  });
});
