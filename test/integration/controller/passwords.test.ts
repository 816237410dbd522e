import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenRecord } from '../../../services/core/types.js';
import { hashToken } from '../../../services/controller/auth.js';
import { newUser, startController, type Harness } from './harness.js';

// Passwords, password logins (Basic on POST /account/tokens), their rate
// limit, tokens that expire, and the reserved app name, over the real etcd.
// Each test logs in from an address of its own (X-Forwarded-For, believed
// from loopback) so that the per-address limit of one does not touch another.

let h: Harness;
let erin: { id: string; token: string };
let frank: { id: string; token: string };
let nextAddress = 10;

const basic = (email: string, password: string) =>
  `Basic ${Buffer.from(`${email}:${password}`, 'utf8').toString('base64')}`;

/** POST /account/tokens with these headers, from `address`. */
async function login(
  authorization: string,
  opts: { address?: string; body?: unknown } = {},
): Promise<{ status: number; body: any; retryAfter: string | null }> {
  const res = await fetch(`${h.url}/account/tokens`, {
    method: 'POST',
    headers: {
      authorization,
      'content-type': 'application/json',
      'x-forwarded-for': opts.address ?? `203.0.113.${nextAddress++}`,
    },
    body: JSON.stringify(opts.body ?? {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, retryAfter: res.headers.get('retry-after') };
}

beforeAll(async () => {
  h = await startController('controller-passwords');
  erin = await newUser(h, 'erin@example.com');
  frank = await newUser(h, 'frank@example.com');
});
afterAll(async () => {
  await h?.close();
});

describe('PUT /account/password', () => {
  it('sets a first password without the current one (204), stored hashed under its own key', async () => {
    const set = await h.call('PUT', '/account/password', { token: erin.token, body: { password: 'erin-secret-1' } });
    expect(set).toEqual({ status: 204, body: undefined });
    const stored = await h.store.get<Record<string, unknown>>(h.store.keys.password(erin.id));
    expect(stored).toMatchObject({ algorithm: 'scrypt', n: expect.any(Number), salt: expect.any(String) });
    expect(JSON.stringify(stored)).not.toContain('erin-secret-1');
    const account = await h.call('GET', '/account', { token: erin.token });
    expect(JSON.stringify(account.body)).not.toMatch(/scrypt|salt|password/);
  });

  it('refuses a bad password with 422 and writes nothing', async () => {
    for (const password of ['short', 'x'.repeat(1025), 'has\u0007bell-in-it', 42, undefined]) {
      const res = await h.call('PUT', '/account/password', { token: frank.token, body: { password } });
      expect(res).toMatchObject({ status: 422, body: { id: 'invalid_params' } });
    }
    expect(await h.store.get(h.store.keys.password(frank.id))).toBeUndefined();
    expect((await h.call('PUT', '/account/password', { body: { password: 'no-token-here' } })).status).toBe(401);
  });

  it('needs the right current password once one is set (403)', async () => {
    const missing = await h.call('PUT', '/account/password', {
      token: erin.token,
      body: { password: 'erin-secret-2' },
    });
    expect(missing).toMatchObject({
      status: 403,
      body: { message: expect.stringMatching(/^current_password is required/) },
    });
    const wrong = await h.call('PUT', '/account/password', {
      token: erin.token,
      body: { password: 'erin-secret-2', current_password: 'not-erins-password' },
    });
    expect(wrong).toMatchObject({ status: 403, body: { message: 'current_password is not your current password.' } });
    const ok = await h.call('PUT', '/account/password', {
      token: erin.token,
      body: { password: 'erin-secret-2', current_password: 'erin-secret-1' },
    });
    expect(ok.status).toBe(204);
    expect((await login(basic('erin@example.com', 'erin-secret-1'))).status).toBe(401);
    expect((await login(basic('erin@example.com', 'erin-secret-2'))).status).toBe(201);
  });
});

describe('password login: POST /account/tokens with Basic', () => {
  it('mints a token for the right email and password, with expires_in', async () => {
    await h.call('PUT', '/account/password', { token: frank.token, body: { password: 'frank-secret-1' } });
    const res = await login(basic(' Frank@Example.com ', 'frank-secret-1'), {
      body: { description: 'dashboard session', expires_in: 43200 },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ description: 'dashboard session', token: expect.any(String) });
    const expires = Date.parse(res.body.expires_at) - Date.parse(res.body.created_at);
    expect(expires).toBe(43200 * 1000);
    const me = await h.call('GET', '/account', { token: res.body.token });
    expect(me.body).toMatchObject({ id: frank.id, email: 'frank@example.com' });
  });

  it('answers the same 401 for an unknown email, no password set, a wrong password, a malformed header', async () => {
    const none = await newUser(h, 'nopass@example.com');
    for (const authorization of [
      basic('nobody@example.com', 'frank-secret-1'),
      basic('nopass@example.com', 'anything-at-all'),
      basic('frank@example.com', 'frank-secret-2'),
      basic('not an email', 'frank-secret-1'),
      'Basic not-base64!',
    ]) {
      const res = await login(authorization);
      expect(res).toMatchObject({
        status: 401,
        body: { id: 'unauthorized', message: 'Invalid credentials provided.' },
      });
    }
    expect((await h.call('GET', '/account', { token: none.token })).status).toBe(200);
  });

  it('refuses a bad body with 422 before checking the password', async () => {
    for (const expires_in of [59, 31_536_001, 1.5, '3600']) {
      const res = await login(basic('frank@example.com', 'frank-secret-1'), { body: { expires_in } });
      expect(res).toMatchObject({ status: 422, body: { id: 'invalid_params' } });
    }
  });

  it('takes Basic on no other route', async () => {
    const res = await fetch(`${h.url}/account`, {
      headers: { authorization: basic('frank@example.com', 'frank-secret-1') },
    });
    expect(res.status).toBe(401);
    const list = await fetch(`${h.url}/account/tokens`, {
      headers: { authorization: basic('frank@example.com', 'frank-secret-1') },
    });
    expect(list.status).toBe(401);
  });

  it('limits failures per email: the 6th attempt in a minute is 429 with Retry-After, even with the right password', async () => {
    const grace = await newUser(h, 'grace@example.com');
    await h.call('PUT', '/account/password', { token: grace.token, body: { password: 'grace-secret-1' } });
    for (let i = 0; i < 5; i++)
      expect((await login(basic('grace@example.com', `wrong-password-${i}`))).status).toBe(401);
    const limited = await login(basic('grace@example.com', 'grace-secret-1'));
    expect(limited).toMatchObject({ status: 429, body: { id: 'too_many_requests' } });
    expect(Number(limited.retryAfter)).toBeGreaterThan(50);
    expect(Number(limited.retryAfter)).toBeLessThanOrEqual(60);
    // the current password of PUT /account/password counts as well
    const put = await h.call('PUT', '/account/password', {
      token: grace.token,
      body: { password: 'grace-secret-2', current_password: 'grace-secret-1' },
    });
    expect(put.status).toBe(429);
    // another user is not affected
    expect((await login(basic('frank@example.com', 'frank-secret-1'))).status).toBe(201);
  });

  it('limits failures per remote address across emails', async () => {
    const address = '198.51.100.77';
    for (let i = 0; i < 20; i++)
      expect((await login(basic(`who${i}@example.com`, 'wrong-password'), { address })).status).toBe(401);
    const limited = await login(basic('frank@example.com', 'frank-secret-1'), { address });
    expect(limited.status).toBe(429);
    expect(limited.retryAfter).toMatch(/^\d+$/);
    expect((await login(basic('frank@example.com', 'frank-secret-1'))).status).toBe(201); // from elsewhere
  });
});

describe('tokens that expire', () => {
  it('a bearer login takes expires_in too, and lists expires_at', async () => {
    const res = await h.call('POST', '/account/tokens', { token: frank.token, body: { expires_in: 60 } });
    expect(res.status).toBe(201);
    expect(Date.parse(res.body.expires_at) - Date.parse(res.body.created_at)).toBe(60_000);
    const list = await h.call('GET', '/account/tokens', { token: frank.token });
    expect(list.body.find((t: { id: string }) => t.id === res.body.id).expires_at).toBe(res.body.expires_at);
    expect(list.body[0].expires_at).toBeNull(); // the first token never expires
    const bad = await h.call('POST', '/account/tokens', { token: frank.token, body: { expires_in: 10 } });
    expect(bad).toMatchObject({ status: 422, body: { id: 'invalid_params' } });
  });

  it('refuses an expired token with 401 "Token expired"', async () => {
    const res = await h.call('POST', '/account/tokens', { token: frank.token, body: { expires_in: 60 } });
    expect((await h.call('GET', '/account', { token: res.body.token })).status).toBe(200);
    // move its expiry into the past through the store
    const key = h.store.keys.token(hashToken(res.body.token));
    const record = (await h.store.get<TokenRecord>(key)) as TokenRecord;
    await h.store.put(key, { ...record, expiresAt: new Date(Date.now() - 1000).toISOString() });
    const refused = await h.call('GET', '/account', { token: res.body.token });
    expect(refused).toEqual({
      status: 401,
      body: { id: 'unauthorized', message: 'Token expired. Run `paas login` again.' },
    });
  });

  it('deletes expired tokens when the user lists or makes tokens', async () => {
    const res = await h.call('POST', '/account/tokens', { token: frank.token, body: { expires_in: 60 } });
    const key = h.store.keys.token(hashToken(res.body.token));
    const record = (await h.store.get<TokenRecord>(key)) as TokenRecord;
    await h.store.put(key, { ...record, expiresAt: new Date(Date.now() - 1000).toISOString() });
    const list = await h.call('GET', '/account/tokens', { token: frank.token });
    expect(list.status).toBe(200);
    expect(list.body.map((t: { id: string }) => t.id)).not.toContain(res.body.id);
    expect(await h.store.get(key)).toBeUndefined();
    expect(await h.store.get(h.store.keys.userToken(record.user, res.body.id))).toBeUndefined();
    expect((await h.call('GET', '/account', { token: frank.token })).status).toBe(200); // the others are kept
  });
});

describe('the reserved app name', () => {
  it('refuses to create or rename an app called dashboard', async () => {
    const created = await h.call('POST', '/apps', { token: frank.token, body: { name: 'dashboard' } });
    expect(created).toEqual({
      status: 422,
      body: { id: 'invalid_params', message: "dashboard is reserved for the platform's dashboard" },
    });
    expect((await h.call('POST', '/apps', { token: frank.token, body: { name: 'frank-dash' } })).status).toBe(201);
    const renamed = await h.call('PATCH', '/apps/frank-dash', { token: frank.token, body: { name: 'dashboard' } });
    expect(renamed).toMatchObject({
      status: 422,
      body: { message: "dashboard is reserved for the platform's dashboard" },
    });
    expect((await h.call('GET', '/apps/frank-dash', { token: frank.token })).status).toBe(200);
  });
});
