import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newUser, startController, type Harness } from './harness.js';

// The controller's HTTP API over the real etcd.

function sshKey(comment: string): { pub: string; fingerprint: string } {
  const dir = mkdtempSync(join(tmpdir(), 'paas-key-'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', join(dir, 'k')]);
  const fingerprint = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(dir, 'k.pub')], {
    encoding: 'utf8',
  }).split(' ')[1] as string;
  return { pub: readFileSync(join(dir, 'k.pub'), 'utf8'), fingerprint };
}

let h: Harness;
let alice: { id: string; token: string };
let bob: { id: string; token: string };

beforeAll(async () => {
  h = await startController('controller-api');
  alice = await newUser(h, 'alice@example.com');
  bob = await newUser(h, 'Bob@Example.com');
});
afterAll(async () => {
  await h?.close();
});

describe('basics', () => {
  it('answers /healthz without a token', async () => {
    expect(await h.call('GET', '/healthz')).toEqual({ status: 200, body: { ok: true } });
  });

  it('refuses a request with no token or an unknown one with 401', async () => {
    const none = await h.call('GET', '/apps');
    expect(none.status).toBe(401);
    expect(none.body.id).toBe('unauthorized');
    expect((await h.call('GET', '/account', { token: 'nope' })).status).toBe(401);
  });

  it('answers malformed JSON with 400, a huge body with 413, an unknown path with 404', async () => {
    const bad = await h.call('POST', '/apps', { token: alice.token, raw: '{"name": ' });
    expect(bad).toMatchObject({ status: 400, body: { id: 'bad_request' } });
    const big = await h.call('POST', '/apps', { token: alice.token, body: { name: 'x'.repeat(200 * 1024) } });
    expect(big).toMatchObject({ status: 413, body: { id: 'payload_too_large' } });
    const arr = await h.call('POST', '/apps', { token: alice.token, raw: '[1]' });
    expect(arr.status).toBe(400);
    expect((await h.call('GET', '/nowhere', { token: alice.token })).status).toBe(404);
  });
});

describe('users', () => {
  it('GET /account names the caller', async () => {
    const me = await h.call('GET', '/account', { token: bob.token });
    expect(me).toEqual({ status: 200, body: { id: bob.id, email: 'bob@example.com', admin: false } });
  });

  it('lets only admins create users, with unique, valid emails', async () => {
    expect((await h.call('POST', '/users', { token: alice.token, body: { email: 'c@example.com' } })).status).toBe(403);
    const dup = await h.call('POST', '/users', { token: h.adminToken, body: { email: 'ALICE@example.com' } });
    expect(dup).toMatchObject({ status: 409, body: { id: 'conflict' } });
    const bad = await h.call('POST', '/users', { token: h.adminToken, body: { email: 'not-an-email' } });
    expect(bad).toMatchObject({ status: 422, body: { id: 'invalid_params' } });
    const ok = await h.call('POST', '/users', {
      token: h.adminToken,
      body: { email: 'root2@example.com', admin: true },
    });
    expect(ok.status).toBe(201);
    expect(ok.body.user).toMatchObject({ email: 'root2@example.com', admin: true });
    expect((await h.call('GET', '/account', { token: ok.body.token })).body.admin).toBe(true);
  });
});

describe('apps', () => {
  it('creates an app with the given name, with its URLs and a web=1 formation', async () => {
    const res = await h.call('POST', '/apps', { token: alice.token, body: { name: 'alice-app' } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: 'alice-app',
      owner: { id: alice.id, email: 'alice@example.com' },
      web_url: 'http://alice-app.localhost/',
      https_url: 'https://alice-app.localhost/',
      git_url: 'ssh://git@127.0.0.1:2222/alice-app.git',
      release: null,
    });
    const formation = await h.call('GET', '/apps/alice-app/formation', { token: alice.token });
    expect(formation.body).toEqual([{ type: 'web', quantity: 1, size: 'standard-1x' }]);
  });

  it('generates a name when none is given', async () => {
    const res = await h.call('POST', '/apps', { token: alice.token });
    expect(res.status).toBe(201);
    expect(res.body.name).toMatch(/^[a-z]+-[a-z]+-\d{4}$/);
  });

  it('refuses a bad name with 422 and its reason, a taken one with 409', async () => {
    const bad = await h.call('POST', '/apps', { token: alice.token, body: { name: 'Bad_Name' } });
    expect(bad.status).toBe(422);
    expect(bad.body.message).toMatch(/Name must start with a letter/);
    const dup = await h.call('POST', '/apps', { token: bob.token, body: { name: 'alice-app' } });
    expect(dup).toMatchObject({ status: 409, body: { id: 'conflict', message: 'Name alice-app is already taken' } });
  });

  it('hides an app from other users (404, as if absent) but not from admins', async () => {
    const other = await h.call('GET', '/apps/alice-app', { token: bob.token });
    expect(other).toMatchObject({ status: 404, body: { id: 'not_found' } });
    expect(other.body).toEqual((await h.call('GET', '/apps/no-such-app', { token: bob.token })).body);
    expect((await h.call('GET', '/apps/alice-app/releases', { token: bob.token })).status).toBe(404);
    const bobs = await h.call('GET', '/apps', { token: bob.token });
    expect(bobs.body.map((a: { name: string }) => a.name)).not.toContain('alice-app');
    expect((await h.call('GET', '/apps/alice-app', { token: h.adminToken })).status).toBe(200);
    const alices = await h.call('GET', '/apps', { token: alice.token });
    expect(alices.body.map((a: { name: string }) => a.name)).toContain('alice-app');
  });
});

describe('keys', () => {
  const key = sshKey('alice@laptop');

  it('adds a key, lists it, and refuses it a second time for anyone (409)', async () => {
    const add = await h.call('POST', '/account/keys', { token: alice.token, body: { public_key: key.pub } });
    expect(add.status).toBe(201);
    expect(add.body).toMatchObject({ fingerprint: key.fingerprint, comment: 'alice@laptop' });
    const list = await h.call('GET', '/account/keys', { token: alice.token });
    expect(list.body.map((k: { fingerprint: string }) => k.fingerprint)).toEqual([key.fingerprint]);
    expect((await h.call('GET', '/account/keys', { token: bob.token })).body).toEqual([]);
    expect((await h.call('POST', '/account/keys', { token: alice.token, body: { public_key: key.pub } })).status).toBe(
      409,
    );
    expect((await h.call('POST', '/account/keys', { token: bob.token, body: { public_key: key.pub } })).status).toBe(
      409,
    );
  });

  it('refuses what is not a key with 422', async () => {
    const bad = await h.call('POST', '/account/keys', { token: alice.token, body: { public_key: 'ssh-ed25519 AAAA' } });
    expect(bad).toMatchObject({ status: 422, body: { id: 'invalid_params' } });
    expect((await h.call('POST', '/account/keys', { token: alice.token, body: {} })).status).toBe(422);
  });

  it('authorizes pushes on /internal/authorize: owner 200, others 403, unknown key or app 404', async () => {
    const internal = (body: unknown) => h.call('POST', '/internal/authorize', { token: h.internalToken, body });
    expect(await internal({ fingerprint: key.fingerprint, app: 'alice-app' })).toEqual({
      status: 200,
      body: { user: { id: alice.id, email: 'alice@example.com' } },
    });
    expect(await internal({ fingerprint: key.fingerprint })).toMatchObject({ status: 200 });
    expect((await internal({ fingerprint: 'SHA256:unknown' })).status).toBe(404);
    expect((await internal({ fingerprint: key.fingerprint, app: 'no-such-app' })).status).toBe(404);
    const bobKey = sshKey('bob@desk');
    expect((await h.call('POST', '/account/keys', { token: bob.token, body: { public_key: bobKey.pub } })).status).toBe(
      201,
    );
    expect(await internal({ fingerprint: bobKey.fingerprint, app: 'alice-app' })).toMatchObject({
      status: 403,
      body: { id: 'forbidden' },
    });
  });
});

describe('internal API', () => {
  it('takes only the internal token, and never on user routes', async () => {
    expect(
      (await h.call('POST', '/internal/authorize', { token: alice.token, body: { fingerprint: 'x' } })).status,
    ).toBe(401);
    expect(
      (await h.call('POST', '/internal/authorize', { token: h.adminToken, body: { fingerprint: 'x' } })).status,
    ).toBe(401);
    expect((await h.call('POST', '/internal/authorize', { body: { fingerprint: 'x' } })).status).toBe(401);
    expect((await h.call('GET', '/apps', { token: h.internalToken })).status).toBe(401);
  });

  it('gives 10 concurrent releases the versions 1..10, none lost, config carried over', async () => {
    expect((await h.call('POST', '/apps', { token: alice.token, body: { name: 'busy-app' } })).status).toBe(201);
    const posts = Array.from({ length: 10 }, (_, i) =>
      h.call('POST', '/internal/apps/busy-app/releases', {
        token: h.internalToken,
        body: {
          image: `paas/app-busy-app:b${i}`,
          processTypes: { web: 'npm start' },
          commit: 'abcdef0' + i,
          buildId: `b${i}`,
          user: alice.id,
        },
      }),
    );
    const answers = await Promise.all(posts);
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(201));
    expect(answers.map((a) => a.body.release.version).sort((x: number, y: number) => x - y)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    ]);
    expect(answers[0]!.body.web_url).toBe('http://busy-app.localhost/');

    const list = await h.call('GET', '/apps/busy-app/releases', { token: alice.token });
    expect(list.body.map((r: { version: number }) => r.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(list.body[0]).toMatchObject({ id: 'busy-app-v1', user: { id: alice.id, email: 'alice@example.com' } });
    expect(list.body[0].description).toMatch(/^Deploy abcdef0/);
    expect((await h.call('GET', '/apps/busy-app', { token: alice.token })).body.release).toEqual({ version: 10 });

    // a config-carrying release written straight to the store; the next build keeps its config
    await h.store.createRelease('busy-app', (_v, prev) => ({
      ...prev!,
      config: { DATABASE_URL: 'postgres://x' },
      description: 'Set DATABASE_URL',
    }));
    const next = await h.call('POST', '/internal/apps/busy-app/releases', {
      token: h.internalToken,
      body: {
        image: 'paas/app-busy-app:b12',
        processTypes: { web: 'node server.js', worker: 'node worker.js' },
        description: 'Deploy 1234567',
      },
    });
    expect(next.status).toBe(201);
    expect(next.body.release).toMatchObject({
      version: 12,
      config: { DATABASE_URL: 'postgres://x' },
      createdBy: 'builder',
      description: 'Deploy 1234567',
    });

    const info = await h.call('GET', '/internal/apps/busy-app', { token: h.internalToken });
    expect(info.status).toBe(200);
    expect(info.body).toMatchObject({
      app: { name: 'busy-app', latestRelease: 12 },
      release: { version: 12 },
      serving_release: 0,
      git_url: 'ssh://git@127.0.0.1:2222/busy-app.git',
    });

    // The release the router serves is the one the scheduler wrote into the route.
    await h.store.put(h.store.keys.route('busy-app'), {
      app: 'busy-app',
      upstreams: ['127.0.0.1:1'],
      release: 11,
      updatedAt: new Date().toISOString(),
    });
    const serving = await h.call('GET', '/internal/apps/busy-app', { token: h.internalToken });
    expect(serving.body.serving_release).toBe(11);
  });

  it('validates release requests (422) and knows unknown apps (404)', async () => {
    const post = (app: string, body: unknown) =>
      h.call('POST', `/internal/apps/${app}/releases`, { token: h.internalToken, body });
    expect((await post('busy-app', { image: 'Not An Image', processTypes: {} })).status).toBe(422);
    expect((await post('busy-app', { image: 'paas/x:1', processTypes: { 'bad type!': 'x' } })).status).toBe(422);
    expect((await post('busy-app', { image: 'paas/x:1', processTypes: { web: 'x' }, user: 'nobody' })).status).toBe(
      422,
    );
    expect((await post('no-such-app', { image: 'paas/x:1', processTypes: { web: 'x' } })).status).toBe(404);
    expect((await h.call('GET', '/internal/apps/no-such-app', { token: h.internalToken })).status).toBe(404);
  });
});
