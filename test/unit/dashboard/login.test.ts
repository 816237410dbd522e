import { describe, expect, it } from 'vitest';
import { login, parseCredentials, sessionView, type Answer, type LoginApi } from '../../../services/dashboard/login.js';

const now = Date.UTC(2026, 11, 6, 12);
const ID = '0b4e7a52-3c1d-4f7e-9a6b-2d8c5e1f0a93';

/** An API double recording each call; `answers` overrides by call name. */
function api(answers: Partial<Record<keyof LoginApi, Answer>> = {}) {
  const calls: Array<{ call: string; args: unknown[] }> = [];
  const fake: LoginApi = {
    account: async (token) => {
      calls.push({ call: 'account', args: [token] });
      return answers.account ?? { status: 200, body: { id: 'u1', email: 'alice@example.com', admin: true } };
    },
    mint: async (authorization, body) => {
      calls.push({ call: 'mint', args: [authorization, body] });
      return answers.mint ?? { status: 201, body: { id: ID, token: 'minted', description: 'dashboard session' } };
    },
    revoke: async (token, id) => {
      calls.push({ call: 'revoke', args: [token, id] });
      return answers.revoke ?? { status: 200, body: {} };
    },
  };
  return { fake, calls };
}

describe('parseCredentials', () => {
  it('takes a token, or an email and a password', () => {
    expect(parseCredentials({ token: ' abc ' })).toEqual({ kind: 'token', token: 'abc' });
    expect(parseCredentials({ email: 'a@b.c', password: 'pw pw pw pw' })).toEqual({
      kind: 'password',
      email: 'a@b.c',
      password: 'pw pw pw pw',
    });
  });

  it('says what to send for anything else', () => {
    for (const b of [
      null,
      [],
      'x',
      {},
      { token: 1 },
      { token: '' },
      { email: 'a@b.c' },
      { token: 't', email: 'a@b.c' },
      { password: 'x' },
      { token: 'x'.repeat(2000) },
    ])
      expect(parseCredentials(b)).toMatch(/Send \{"token"/);
    expect(parseCredentials({ email: 'a:b@c.d', password: 'x' })).toMatch(/no ":"/);
  });
});

describe('login', () => {
  it('with a token: checks it, then mints the session its own 12 h token', async () => {
    const { fake, calls } = api();
    const r = await login(fake, { kind: 'token', token: 'typed' }, now);
    expect(calls).toEqual([
      { call: 'account', args: ['typed'] },
      { call: 'mint', args: ['Bearer typed', { description: 'dashboard session', expires_in: 43200 }] },
    ]);
    expect(r).toMatchObject({
      ok: true,
      session: { token: 'minted', tokenId: ID, email: 'alice@example.com', admin: true, expiresAt: now + 43_200_000 },
    });
  });

  it('with an email and password: mints with Basic auth, then asks who that is', async () => {
    const { fake, calls } = api();
    const r = await login(fake, { kind: 'password', email: 'alice@example.com', password: 'sécret pass' }, now);
    const basic = Buffer.from('alice@example.com:sécret pass', 'utf8').toString('base64');
    expect(calls).toEqual([
      { call: 'mint', args: [`Basic ${basic}`, { description: 'dashboard session', expires_in: 43200 }] },
      { call: 'account', args: ['minted'] },
    ]);
    expect(r.ok).toBe(true);
  });

  it('ends the session when its token ends, if sooner', async () => {
    const end = new Date(now + 60_000).toISOString();
    const { fake } = api({ mint: { status: 201, body: { id: ID, token: 'minted', expires_at: end } } });
    const r = await login(fake, { kind: 'token', token: 't' }, now);
    expect(r.ok && r.session.expiresAt).toBe(now + 60_000);
  });

  it("passes the API's refusals on: a bad token, bad credentials, too many tries", async () => {
    const bad = { status: 401, body: { id: 'unauthorized', message: 'Invalid credentials provided.' } };
    const byToken = api({ account: bad });
    expect(await login(byToken.fake, { kind: 'token', token: 'nope' }, now)).toEqual({ ok: false, answer: bad });
    expect(byToken.calls.map((c) => c.call)).toEqual(['account']);
    const limited = { status: 429, body: { id: 'rate_limited', message: 'Slow down' }, retryAfter: '30' };
    const r = await login(api({ mint: limited }).fake, { kind: 'password', email: 'a@b.c', password: 'x' }, now);
    expect(r).toEqual({ ok: false, answer: limited });
  });

  it('answers 502 when the API fails or answers nonsense', async () => {
    const failed = await login(api({ account: { status: 500, body: {} } }).fake, { kind: 'token', token: 't' }, now);
    expect(failed).toMatchObject({ ok: false, answer: { status: 502, body: { id: 'unavailable' } } });
    const odd = await login(
      api({ mint: { status: 201, body: { token: 1 } } }).fake,
      { kind: 'token', token: 't' },
      now,
    );
    expect(odd).toMatchObject({ ok: false, answer: { status: 502 } });
  });

  it('shows the page its session without the token', () => {
    const v = sessionView({ token: 'secret', tokenId: ID, email: 'a@b.c', admin: false, csrf: 'c', expiresAt: now });
    expect(v).toEqual({ email: 'a@b.c', admin: false, csrf: 'c', expires_at: new Date(now).toISOString() });
    expect(JSON.stringify(v)).not.toContain('secret');
  });
});
