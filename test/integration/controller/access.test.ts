import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App, Collaborator } from '../../../services/core/types.js';
import { Repo } from '../../../services/controller/repo.js';
import { ensureAdmin } from '../../../services/controller/users/users.js';
import { newUser, startController, type Harness } from './harness.js';

// Collaborators, a user's own API tokens and SSH key removal, over the real etcd.

function sshKey(comment: string): { pub: string; fingerprint: string } {
  const dir = mkdtempSync(join(tmpdir(), 'paas-key-'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', join(dir, 'k')]);
  const fingerprint = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(dir, 'k.pub')], {
    encoding: 'utf8',
  }).split(' ')[1] as string;
  return { pub: readFileSync(join(dir, 'k.pub'), 'utf8'), fingerprint };
}

let h: Harness;
let owner: { id: string; token: string };
let carol: { id: string; token: string };
let dave: { id: string; token: string };

beforeAll(async () => {
  h = await startController('access');
  owner = await newUser(h, 'owner@example.com');
  carol = await newUser(h, 'carol@example.com');
  dave = await newUser(h, 'dave@example.com');
  expect((await h.call('POST', '/apps', { token: owner.token, body: { name: 'shared-app' } })).status).toBe(201);
});
afterAll(async () => {
  await h?.close();
});

describe('collaborators', () => {
  it('lets the owner add a user by email, who then sees, lists and may push to the app', async () => {
    expect((await h.call('GET', '/apps/shared-app', { token: carol.token })).status).toBe(404);
    const added = await h.call('POST', '/apps/shared-app/collaborators', {
      token: owner.token,
      body: { user: ' Carol@Example.com ' },
    });
    expect(added).toMatchObject({
      status: 201,
      body: { id: carol.id, user: { id: carol.id, email: 'carol@example.com' }, role: 'collaborator' },
    });
    expect((await h.call('GET', '/apps/shared-app', { token: carol.token })).body.name).toBe('shared-app');
    expect((await h.call('GET', '/apps', { token: carol.token })).body.map((a: { name: string }) => a.name)).toEqual([
      'shared-app',
    ]);
    expect((await h.call('GET', '/apps', { token: dave.token })).body).toEqual([]);

    const key = sshKey('carol@laptop');
    expect((await h.call('POST', '/account/keys', { token: carol.token, body: { public_key: key.pub } })).status).toBe(
      201,
    );
    const push = await h.call('POST', '/internal/authorize', {
      token: h.internalToken,
      body: { fingerprint: key.fingerprint, app: 'shared-app' },
    });
    expect(push).toEqual({ status: 200, body: { user: { id: carol.id, email: 'carol@example.com' } } });
  });

  it('lists the owner first, then collaborators, to anyone who can see the app', async () => {
    const list = await h.call('GET', '/apps/shared-app/collaborators', { token: carol.token });
    expect(list.status).toBe(200);
    expect(list.body.map((c: { user: { email: string }; role: string }) => [c.user.email, c.role])).toEqual([
      ['owner@example.com', 'owner'],
      ['carol@example.com', 'collaborator'],
    ]);
    expect(list.body[0]).toMatchObject({ id: owner.id, user: { id: owner.id }, created_at: expect.any(String) });
    expect((await h.call('GET', '/apps/shared-app/collaborators', { token: dave.token })).status).toBe(404);
  });

  it('refuses an unknown email, the owner, a duplicate and a missing user field', async () => {
    const call = (user: unknown) =>
      h.call('POST', '/apps/shared-app/collaborators', { token: owner.token, body: { user } });
    expect(await call('nobody@example.com')).toEqual({
      status: 404,
      body: { id: 'not_found', message: "Couldn't find that user." },
    });
    expect(await call('owner@example.com')).toMatchObject({
      status: 409,
      body: { message: 'owner@example.com is the owner of shared-app.' },
    });
    expect(await call('carol@example.com')).toMatchObject({
      status: 409,
      body: { message: 'carol@example.com is already a collaborator on shared-app.' },
    });
    expect((await call(undefined)).status).toBe(422);
    expect(await call('not an email')).toMatchObject({ status: 422, body: { id: 'invalid_params' } });
    expect((await call(42)).status).toBe(422);
  });

  it('adds a user exactly once when asked many times at once', async () => {
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        h.call('POST', '/apps/shared-app/collaborators', { token: owner.token, body: { user: 'dave@example.com' } }),
      ),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    expect(
      (await h.call('DELETE', '/apps/shared-app/collaborators/dave@example.com', { token: owner.token })).status,
    ).toBe(200);
  });

  it('lets only the owner or an admin manage collaborators: collaborator 403, stranger 404', async () => {
    const byCarol = await h.call('POST', '/apps/shared-app/collaborators', {
      token: carol.token,
      body: { user: 'dave@example.com' },
    });
    expect(byCarol).toEqual({
      status: 403,
      body: { id: 'forbidden', message: 'Only the owner of shared-app can manage collaborators.' },
    });
    expect(
      (await h.call('DELETE', '/apps/shared-app/collaborators/carol@example.com', { token: carol.token })).status,
    ).toBe(403);
    expect(
      (
        await h.call('POST', '/apps/shared-app/collaborators', {
          token: dave.token,
          body: { user: 'dave@example.com' },
        })
      ).status,
    ).toBe(404);
    const byAdmin = await h.call('POST', '/apps/shared-app/collaborators', {
      token: h.adminToken,
      body: { user: 'dave@example.com' },
    });
    expect(byAdmin.status).toBe(201);
    const removed = await h.call('DELETE', `/apps/shared-app/collaborators/${dave.id}`, { token: h.adminToken });
    expect(removed).toMatchObject({ status: 200, body: { user: { email: 'dave@example.com' } } });
  });

  it('removes a collaborator by email: they lose the app at once; removing again is 404', async () => {
    const del = await h.call('DELETE', '/apps/shared-app/collaborators/carol%40example.com', { token: owner.token });
    expect(del).toMatchObject({ status: 200, body: { id: carol.id, role: 'collaborator' } });
    expect((await h.call('GET', '/apps/shared-app', { token: carol.token })).status).toBe(404);
    expect((await h.call('GET', '/apps', { token: carol.token })).body).toEqual([]);
    const again = await h.call('DELETE', '/apps/shared-app/collaborators/carol@example.com', { token: owner.token });
    expect(again).toEqual({
      status: 404,
      body: { id: 'not_found', message: 'carol@example.com is not a collaborator on shared-app.' },
    });
    expect(
      (await h.call('DELETE', '/apps/shared-app/collaborators/nobody@example.com', { token: owner.token })).status,
    ).toBe(404);
  });

  it('does not carry a grant left behind by a destroyed app to a new app of the same name', async () => {
    const { store } = h;
    expect((await h.call('POST', '/apps', { token: owner.token, body: { name: 'reborn-app' } })).status).toBe(201);
    const old = (await store.get<App>(store.keys.app('reborn-app')))!;
    const stale: Collaborator = {
      user: dave.id,
      app: 'reborn-app',
      appId: 'id-of-a-destroyed-app',
      createdAt: old.createdAt,
    };
    await store.put(store.keys.collaborator('reborn-app', dave.id), stale);
    expect((await h.call('GET', '/apps/reborn-app', { token: dave.token })).status).toBe(404);
    expect((await h.call('GET', '/apps', { token: dave.token })).body).toEqual([]);
    const list = await h.call('GET', '/apps/reborn-app/collaborators', { token: owner.token });
    expect(list.body).toHaveLength(1);
    // adding them for real replaces the stale grant
    expect(
      (
        await h.call('POST', '/apps/reborn-app/collaborators', {
          token: owner.token,
          body: { user: 'dave@example.com' },
        })
      ).status,
    ).toBe(201);
    expect((await h.call('GET', '/apps/reborn-app', { token: dave.token })).status).toBe(200);
  });
});

describe('API tokens', () => {
  it('creates a token shown once, lists it without the token, and it works', async () => {
    const created = await h.call('POST', '/account/tokens', { token: carol.token, body: { description: '  ci  ' } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      token: expect.any(String),
      description: 'ci',
      created_at: expect.any(String),
      expires_at: null,
      last4: created.body.token.slice(-4),
    });
    expect((await h.call('GET', '/account', { token: created.body.token })).body.email).toBe('carol@example.com');
    const list = await h.call('GET', '/account/tokens', { token: carol.token });
    expect(list.status).toBe(200);
    expect(list.body.map((t: { description: string }) => t.description)).toEqual(['first token', 'ci']);
    expect(JSON.stringify(list.body)).not.toContain(created.body.token);
    expect(list.body[1]).toEqual({
      id: created.body.id,
      description: 'ci',
      created_at: created.body.created_at,
      expires_at: null,
      last4: created.body.token.slice(-4),
    });
  });

  it('revokes a token: its next request is 401, and both its keys are gone from etcd', async () => {
    const created = await h.call('POST', '/account/tokens', { token: carol.token, body: {} });
    expect(created.body.description).toBe('');
    const revoked = await h.call('DELETE', `/account/tokens/${created.body.id}`, { token: carol.token });
    expect(revoked).toMatchObject({ status: 200, body: { id: created.body.id } });
    expect(await h.call('GET', '/account', { token: created.body.token })).toEqual({
      status: 401,
      body: { id: 'unauthorized', message: 'Invalid credentials provided.' },
    });
    expect(await h.store.get(h.store.keys.userToken(carol.id, created.body.id))).toBeUndefined();
    expect(
      (await h.call('GET', '/account/tokens', { token: carol.token })).body.map((t: { id: string }) => t.id),
    ).not.toContain(created.body.id);
    expect((await h.call('DELETE', `/account/tokens/${created.body.id}`, { token: carol.token })).status).toBe(404);
  });

  it("lets nobody list or revoke another user's token (404), not even an admin", async () => {
    const created = await h.call('POST', '/account/tokens', { token: carol.token, body: { description: 'mine' } });
    const byDave = await h.call('DELETE', `/account/tokens/${created.body.id}`, { token: dave.token });
    expect(byDave).toEqual({ status: 404, body: { id: 'not_found', message: "Couldn't find that token." } });
    expect((await h.call('DELETE', `/account/tokens/${created.body.id}`, { token: h.adminToken })).status).toBe(404);
    expect(
      (await h.call('GET', '/account/tokens', { token: dave.token })).body.map(
        (t: { description: string }) => t.description,
      ),
    ).toEqual(['first token']);
    expect((await h.call('GET', '/account', { token: created.body.token })).status).toBe(200);
    expect((await h.call('DELETE', '/account/tokens/not-a-uuid', { token: carol.token })).status).toBe(404);
  });

  it('indexes the tokens of users:create and ensure-admin too, so they can be listed and revoked', async () => {
    const { token } = await ensureAdmin(new Repo(h.store), 'admin@example.com');
    const list = await h.call('GET', '/account/tokens', { token });
    expect(list.body.map((t: { description: string }) => t.description)).toEqual(['first token', 'ensure-admin']);
    expect((await h.call('DELETE', `/account/tokens/${list.body[1].id}`, { token })).status).toBe(200);
    expect((await h.call('GET', '/account', { token })).status).toBe(401);
    expect((await h.call('GET', '/account', { token: h.adminToken })).status).toBe(200);
  });

  it('refuses a bad description with 422', async () => {
    const long = await h.call('POST', '/account/tokens', {
      token: carol.token,
      body: { description: 'x'.repeat(201) },
    });
    expect(long).toEqual({
      status: 422,
      body: { id: 'invalid_params', message: 'description must be at most 200 characters' },
    });
    expect((await h.call('POST', '/account/tokens', { token: carol.token, body: { description: 7 } })).status).toBe(
      422,
    );
    expect(
      (await h.call('POST', '/account/tokens', { token: carol.token, body: { description: 'a\nb' } })).status,
    ).toBe(422);
  });

  it('can revoke the very token making the request', async () => {
    const created = await h.call('POST', '/account/tokens', { token: dave.token, body: { description: 'self' } });
    expect((await h.call('DELETE', `/account/tokens/${created.body.id}`, { token: created.body.token })).status).toBe(
      200,
    );
    expect((await h.call('GET', '/account/tokens', { token: created.body.token })).status).toBe(401);
  });
});

describe('SSH key removal', () => {
  it('removes one of your keys by its URL-encoded fingerprint; anyone else gets 404', async () => {
    const key = sshKey('dave@desk');
    expect((await h.call('POST', '/account/keys', { token: dave.token, body: { public_key: key.pub } })).status).toBe(
      201,
    );
    const path = `/account/keys/${encodeURIComponent(key.fingerprint)}`;
    expect(await h.call('DELETE', path, { token: carol.token })).toEqual({
      status: 404,
      body: { id: 'not_found', message: "Couldn't find that SSH key." },
    });
    expect((await h.call('DELETE', path, { token: h.adminToken })).status).toBe(404);
    const removed = await h.call('DELETE', path, { token: dave.token });
    expect(removed).toMatchObject({ status: 200, body: { fingerprint: key.fingerprint, comment: 'dave@desk' } });
    expect((await h.call('GET', '/account/keys', { token: dave.token })).body).toEqual([]);
    expect((await h.call('DELETE', path, { token: dave.token })).status).toBe(404);
    const push = await h.call('POST', '/internal/authorize', {
      token: h.internalToken,
      body: { fingerprint: key.fingerprint },
    });
    expect(push.status).toBe(404);
    // the key is free again: another user may add it
    expect((await h.call('POST', '/account/keys', { token: carol.token, body: { public_key: key.pub } })).status).toBe(
      201,
    );
  });
});
