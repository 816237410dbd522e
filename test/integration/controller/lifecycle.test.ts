import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App, Collaborator, Domain, Route } from '../../../services/core/types.js';
import { newUser, startController, type Harness } from './harness.js';

// Domains, maintenance, rename and destroy over the real etcd.

let h: Harness;
let alice: { id: string; token: string };
let bob: { id: string; token: string };
let carol: { id: string; token: string };

beforeAll(async () => {
  h = await startController('controller-lifecycle');
  alice = await newUser(h, 'alice@example.com');
  bob = await newUser(h, 'bob@example.com');
  carol = await newUser(h, 'carol@example.com');
});
afterAll(async () => {
  await h?.close();
});

async function createApp(name: string, token = alice.token): Promise<void> {
  const res = await h.call('POST', '/apps', { token, body: { name } });
  expect(res.status).toBe(201);
}

/** Makes `user` a collaborator of `app` the way the collaborators API stores it. */
async function grant(app: string, user: string): Promise<void> {
  const a = (await h.store.get<App>(h.store.keys.app(app))) as App;
  const c: Collaborator = { user, app, appId: a.id, createdAt: new Date().toISOString() };
  await h.store.put(h.store.keys.collaborator(app, user), c);
}

async function release(app: string, image: string): Promise<void> {
  const res = await h.call('POST', `/internal/apps/${app}/releases`, {
    token: h.internalToken,
    body: { image, processTypes: { web: 'npm start' } },
  });
  expect(res.status).toBe(201);
}

/** Every key under the harness's prefix that mentions `app` as a path segment. */
async function keysOf(app: string): Promise<string[]> {
  const all = await h.store.etcd
    .getAll()
    .prefix(h.store.keys.prefix + '/')
    .keys();
  return all.filter((k) => k.split('/').includes(app)).sort();
}

describe('domains', () => {
  beforeAll(async () => {
    await createApp('dom-a');
    await createApp('dom-b', bob.token);
  });

  it('lists the default domain first, then adds, lists and removes a custom one', async () => {
    const empty = await h.call('GET', '/apps/dom-a/domains', { token: alice.token });
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual([
      { id: 'dom-a.localhost', hostname: 'dom-a.localhost', kind: 'default', created_at: expect.any(String) },
    ]);

    const added = await h.call('POST', '/apps/dom-a/domains', {
      token: alice.token,
      body: { hostname: 'WWW.Example.COM' },
    });
    expect(added.status).toBe(201);
    expect(added.body).toEqual({
      id: 'www.example.com',
      hostname: 'www.example.com',
      kind: 'custom',
      created_at: expect.any(String),
    });
    expect(await h.store.get<Domain>(h.store.keys.domain('www.example.com'))).toMatchObject({
      hostname: 'www.example.com',
      app: 'dom-a',
    });
    await h.call('POST', '/apps/dom-a/domains', { token: alice.token, body: { hostname: 'api.example.com' } });

    const list = await h.call('GET', '/apps/dom-a/domains', { token: alice.token });
    expect(list.body.map((d: { hostname: string; kind: string }) => `${d.kind}:${d.hostname}`)).toEqual([
      'default:dom-a.localhost',
      'custom:api.example.com',
      'custom:www.example.com',
    ]);

    const removed = await h.call('DELETE', '/apps/dom-a/domains/api.example.com', { token: alice.token });
    expect(removed).toMatchObject({ status: 200, body: { hostname: 'api.example.com' } });
    expect(await h.store.get(h.store.keys.domain('api.example.com'))).toBeUndefined();
    expect((await h.call('DELETE', '/apps/dom-a/domains/api.example.com', { token: alice.token })).status).toBe(404);
  });

  it('keeps a domain unique across apps without saying which app has it', async () => {
    const dup = await h.call('POST', '/apps/dom-b/domains', {
      token: bob.token,
      body: { hostname: 'www.example.com' },
    });
    expect(dup).toEqual({
      status: 409,
      body: { id: 'conflict', message: 'www.example.com is already in use by another app' },
    });
    const again = await h.call('POST', '/apps/dom-a/domains', {
      token: alice.token,
      body: { hostname: 'www.example.com' },
    });
    expect(again.status).toBe(409);
    // bob cannot remove alice's domain through his own app
    expect((await h.call('DELETE', '/apps/dom-b/domains/www.example.com', { token: bob.token })).status).toBe(404);
    expect(await h.store.get<Domain>(h.store.keys.domain('www.example.com'))).toMatchObject({ app: 'dom-a' });
  });

  it('gives one of two concurrent adds of a name, never both', async () => {
    const [x, y] = await Promise.all([
      h.call('POST', '/apps/dom-a/domains', { token: alice.token, body: { hostname: 'race.example.com' } }),
      h.call('POST', '/apps/dom-b/domains', { token: bob.token, body: { hostname: 'race.example.com' } }),
    ]);
    expect([x.status, y.status].sort()).toEqual([201, 409]);
  });

  it.each([
    ['', 'is empty'],
    ['localhost', 'two labels'],
    ['10.0.0.1', 'IP address'],
    ['[::1]', 'IP address'],
    ['*.example.com', 'wildcard'],
    ['-bad.example.com', 'letters, digits'],
    ['a_b.example.com', 'letters, digits'],
    ['x.example.com; return 200', 'letters, digits'],
    ['x.example.com\nserver_name evil', 'letters, digits'],
    ['a..example.com', 'empty label'],
    [`${'a'.repeat(64)}.com`, '63'],
    [`${'abcdefghi.'.repeat(26)}com`, '253'],
    ['other.localhost', "platform's own domain"],
    ['localhost.', 'empty label'],
  ])('refuses %j with 422 (%s)', async (hostname, reason) => {
    const res = await h.call('POST', '/apps/dom-a/domains', { token: alice.token, body: { hostname } });
    expect(res.status).toBe(422);
    expect(res.body.id).toBe('invalid_params');
    expect(res.body.message).toContain(reason);
  });

  it('refuses a missing or non-string hostname, and hides the app from strangers', async () => {
    expect((await h.call('POST', '/apps/dom-a/domains', { token: alice.token, body: {} })).status).toBe(422);
    expect((await h.call('POST', '/apps/dom-a/domains', { token: alice.token, body: { hostname: 42 } })).status).toBe(
      422,
    );
    expect((await h.call('GET', '/apps/dom-a/domains', { token: carol.token })).status).toBe(404);
    expect(
      (await h.call('POST', '/apps/dom-a/domains', { token: carol.token, body: { hostname: 'c.example.com' } })).status,
    ).toBe(404);
    expect((await h.call('GET', '/apps/dom-a/domains')).status).toBe(401);
  });
});

describe('maintenance', () => {
  it('turns on and off, shown in AppInfo; a collaborator may, a stranger gets 404', async () => {
    await createApp('maint-a');
    expect((await h.call('GET', '/apps/maint-a', { token: alice.token })).body.maintenance).toBe(false);
    const on = await h.call('PATCH', '/apps/maint-a', { token: alice.token, body: { maintenance: true } });
    expect(on).toMatchObject({ status: 200, body: { name: 'maint-a', maintenance: true } });
    expect((await h.store.get<App>(h.store.keys.app('maint-a')))?.maintenance).toBe(true);
    await grant('maint-a', bob.id);
    const off = await h.call('PATCH', '/apps/maint-a', { token: bob.token, body: { maintenance: false } });
    expect(off).toMatchObject({ status: 200, body: { maintenance: false } });
    expect((await h.call('PATCH', '/apps/maint-a', { token: carol.token, body: { maintenance: true } })).status).toBe(
      404,
    );
    expect((await h.store.get<App>(h.store.keys.app('maint-a')))?.maintenance).toBe(false);
  });

  it('refuses a non-boolean and an empty patch', async () => {
    const bad = await h.call('PATCH', '/apps/maint-a', { token: alice.token, body: { maintenance: 'yes' } });
    expect(bad).toMatchObject({ status: 422, body: { message: 'maintenance must be true or false' } });
    expect((await h.call('PATCH', '/apps/maint-a', { token: alice.token, body: {} })).status).toBe(422);
  });

  it('keeps a release made concurrently (compare-and-swap on the app record)', async () => {
    await Promise.all([
      release('maint-a', 'img/a:1'),
      h.call('PATCH', '/apps/maint-a', { token: alice.token, body: { maintenance: true } }),
    ]);
    const app = (await h.store.get<App>(h.store.keys.app('maint-a'))) as App;
    expect(app).toMatchObject({ maintenance: true, latestRelease: 1 });
  });
});

describe('rename', () => {
  it('moves the app, its releases, formation, domains and collaborators to the new name', async () => {
    await createApp('old-name');
    await release('old-name', 'img/old:1');
    await release('old-name', 'img/old:2');
    await grant('old-name', bob.id);
    await h.call('POST', '/apps/old-name/domains', { token: alice.token, body: { hostname: 'moving.example.com' } });
    await h.store.put(h.store.keys.restart('old-name'), { generation: 1, all: 1, types: {}, dynos: {} });
    const before = (await h.store.get<App>(h.store.keys.app('old-name'))) as App;

    const res = await h.call('PATCH', '/apps/old-name', { token: alice.token, body: { name: 'new-name' } });
    expect(res).toMatchObject({
      status: 200,
      body: { name: 'new-name', id: before.id, web_url: 'http://new-name.localhost/', release: { version: 2 } },
    });

    expect(await keysOf('old-name')).toEqual([]);
    expect(await h.store.get<App>(h.store.keys.app('new-name'))).toEqual({ ...before, name: 'new-name' });
    const releases = await h.store.listReleases('new-name');
    expect(releases.map((r) => [r.app, r.version, r.image])).toEqual([
      ['new-name', 1, 'img/old:1'],
      ['new-name', 2, 'img/old:2'],
    ]);
    expect(await h.store.getFormation('new-name')).toEqual({ web: { quantity: 1, size: 'standard-1x' } });
    expect(await h.store.get<Domain>(h.store.keys.domain('moving.example.com'))).toMatchObject({ app: 'new-name' });
    expect(await h.store.get<Collaborator>(h.store.keys.collaborator('new-name', bob.id))).toMatchObject({
      app: 'new-name',
      appId: before.id,
    });

    expect((await h.call('GET', '/apps/old-name', { token: alice.token })).status).toBe(404);
    expect((await h.call('GET', '/apps/new-name', { token: bob.token })).status).toBe(200);
    const releasesView = await h.call('GET', '/apps/new-name/releases', { token: alice.token });
    expect(releasesView.body.map((r: { version: number }) => r.version)).toEqual([1, 2]);
  });

  it('refuses a taken name (409), an invalid one (422), a collaborator (403) and a stranger (404)', async () => {
    await createApp('taken-name', carol.token);
    const taken = await h.call('PATCH', '/apps/new-name', { token: alice.token, body: { name: 'taken-name' } });
    expect(taken).toMatchObject({ status: 409, body: { id: 'conflict', message: 'Name taken-name is already taken' } });
    const invalid = await h.call('PATCH', '/apps/new-name', { token: alice.token, body: { name: 'Bad_Name' } });
    expect(invalid).toMatchObject({ status: 422, body: { id: 'invalid_params' } });
    expect((await h.call('PATCH', '/apps/new-name', { token: bob.token, body: { name: 'bobs-now' } })).status).toBe(
      403,
    );
    expect((await h.call('PATCH', '/apps/new-name', { token: carol.token, body: { name: 'carols-now' } })).status).toBe(
      404,
    );
    expect(await h.store.get(h.store.keys.app('new-name'))).toBeDefined();
    expect(await h.store.get(h.store.keys.app('taken-name'))).toMatchObject({ owner: carol.id });
  });

  it('lets an admin rename, and applies maintenance in the same step', async () => {
    const res = await h.call('PATCH', '/apps/new-name', {
      token: h.adminToken,
      body: { name: 'newer-name', maintenance: true },
    });
    expect(res).toMatchObject({ status: 200, body: { name: 'newer-name', maintenance: true } });
    expect(await keysOf('new-name')).toEqual([]);
  });
});

describe('destroy', () => {
  it('deletes everything under the app in one step; the name is free again', async () => {
    await createApp('doomed');
    await release('doomed', 'img/doomed:1');
    await grant('doomed', bob.id);
    await h.call('POST', '/apps/doomed/domains', { token: alice.token, body: { hostname: 'doomed.example.com' } });
    await h.store.put(h.store.keys.restart('doomed'), { generation: 1, all: 1, types: {}, dynos: {} });
    const route: Route = { app: 'doomed', dynos: [], updatedAt: new Date().toISOString() };
    await h.store.put(h.store.keys.route('doomed'), route); // the scheduler's, removed by the scheduler
    expect((await keysOf('doomed')).length).toBeGreaterThan(4);

    expect((await h.call('DELETE', '/apps/doomed', { token: bob.token })).status).toBe(403);
    expect((await h.call('DELETE', '/apps/doomed', { token: carol.token })).status).toBe(404);
    expect((await h.call('DELETE', '/apps/doomed')).status).toBe(401);

    const res = await h.call('DELETE', '/apps/doomed', { token: alice.token });
    expect(res).toMatchObject({ status: 200, body: { name: 'doomed' } });
    expect(await keysOf('doomed')).toEqual([h.store.keys.route('doomed')]);
    expect(await h.store.get(h.store.keys.domain('doomed.example.com'))).toBeUndefined();
    expect((await h.call('GET', '/apps/doomed', { token: alice.token })).status).toBe(404);
    expect((await h.call('DELETE', '/apps/doomed', { token: alice.token })).status).toBe(404);

    // a new app of that name inherits nothing
    await createApp('doomed', carol.token);
    expect((await h.call('GET', '/apps/doomed', { token: bob.token })).status).toBe(404);
    expect((await h.call('GET', '/apps/doomed/releases', { token: carol.token })).body).toEqual([]);
    const domainAgain = await h.call('POST', '/apps/doomed/domains', {
      token: carol.token,
      body: { hostname: 'doomed.example.com' },
    });
    expect(domainAgain.status).toBe(201);
  });

  it('lets an admin destroy any app', async () => {
    await createApp('admin-doomed', carol.token);
    expect((await h.call('DELETE', '/apps/admin-doomed', { token: h.adminToken })).status).toBe(200);
    expect(await keysOf('admin-doomed')).toEqual([]);
  });
});

describe('GET /internal/apps', () => {
  it('lists every app with the images its releases use, for the builder only', async () => {
    const res = await h.call('GET', '/internal/apps', { token: h.internalToken });
    expect(res.status).toBe(200);
    expect(res.body).toContainEqual({
      name: 'newer-name',
      images: ['img/old:1', 'img/old:2'],
      releases: [
        { version: 2, image: 'img/old:2' },
        { version: 1, image: 'img/old:1' },
      ],
    });
    expect(res.body).toContainEqual({ name: 'dom-a', images: [], releases: [] });
    expect(res.body.some((a: { name: string }) => a.name === 'admin-doomed')).toBe(false);
    expect((await h.call('GET', '/internal/apps', { token: alice.token })).status).toBe(401);
  });
});
