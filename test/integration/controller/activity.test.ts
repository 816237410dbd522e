import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_EVENTS_KEPT, type AppEventLog } from '../../../services/core/appevents.js';
import { newUser, startController, type Harness } from './harness.js';

// GET /apps/:app/activity and AppInfo.state over the real etcd: builds and
// releases from their records, scale/restart/policy/maintenance/domain events
// recorded by the handlers, bounded, moved on rename and gone with the app.

let h: Harness;
let ann: { id: string; token: string };
let ben: { id: string; token: string };
const commit = 'ab12cd3'.padEnd(40, '0');

const as = (token: string) => ({
  get: (path: string) => h.call('GET', path, { token }),
  send: (method: string, path: string, body?: unknown) => h.call(method, path, { token, body }),
});

beforeAll(async () => {
  h = await startController('controller-activity');
  ann = await newUser(h, 'ann@example.com');
  ben = await newUser(h, 'ben@example.com');
});
afterAll(async () => {
  await h?.close();
});

describe('GET /apps/:app/activity', () => {
  it('shows what was done, newest first, with who did it', async () => {
    const a = as(ann.token);
    expect((await a.send('POST', '/apps', { name: 'feed' })).status).toBe(201);
    expect((await a.send('PATCH', '/apps/feed/formation', { updates: [{ type: 'web', quantity: 2 }] })).status).toBe(
      200,
    );
    expect((await a.send('PATCH', '/apps/feed/config-vars', { FOO: 'bar' })).status).toBe(200);
    expect((await a.send('DELETE', '/apps/feed/dynos')).status).toBe(202);
    expect((await a.send('DELETE', '/apps/feed/dynos/web.1')).status).toBe(202);
    expect((await a.send('PATCH', '/apps/feed/dyno-policy', { autosleep: '30m' })).status).toBe(200);
    expect((await a.send('PATCH', '/apps/feed/dyno-policy', { autosleep: '30m' })).status).toBe(200); // no change
    expect((await a.send('PATCH', '/apps/feed', { maintenance: true })).status).toBe(200);
    expect((await a.send('PATCH', '/apps/feed', { maintenance: true })).status).toBe(200); // no change
    expect((await a.send('POST', '/apps/feed/domains', { hostname: 'www.feed.example.com' })).status).toBe(201);
    expect((await a.send('DELETE', '/apps/feed/domains/www.feed.example.com')).status).toBe(200);
    expect((await a.send('PATCH', '/apps/feed/formation/web', { size: 'standard-2x' })).status).toBe(200);

    const feed = await a.get('/apps/feed/activity');
    expect(feed.status).toBe(200);
    expect(feed.body.map((e: { kind: string; description: string }) => [e.kind, e.description])).toEqual([
      ['scale', 'Scaled web to 2:standard-2x'],
      ['domain', 'Removed domain www.feed.example.com'],
      ['domain', 'Added domain www.feed.example.com'],
      ['maintenance', 'Maintenance mode turned on'],
      ['policy', 'Autosleep set to 30m'],
      ['restart', 'Restarted web.1'],
      ['restart', 'Restarted all dynos'],
      ['release', 'Set FOO config var'],
      ['scale', 'Scaled web to 2:standard-1x'],
    ]);
    for (const e of feed.body) {
      expect(e.user).toEqual({ email: 'ann@example.com' });
      expect(e.id).toEqual(expect.any(String));
      expect(Date.parse(e.at)).toBeGreaterThan(0);
    }
    expect(feed.body[7].release).toEqual({ version: 1 });
    expect(feed.body[7].id).toBe('feed-v1');
    const two = await a.get('/apps/feed/activity?limit=2');
    expect(two.body.map((e: { id: string }) => e.id)).toEqual(feed.body.slice(0, 2).map((e: { id: string }) => e.id));
  });

  it('shows builds with their status, and a release of the builder with its pusher', async () => {
    const internal = (method: string, path: string, body: unknown) =>
      h.call(method, path, { token: h.internalToken, body });
    const id = '20260101-000000-feed01';
    const created = await internal('POST', '/internal/apps/feed/builds', {
      id,
      commit,
      user: { id: ben.id, email: 'ben@example.com' },
    });
    expect(created.status).toBe(201);
    expect((await as(ann.token).get('/apps/feed')).body.state).toBe('deploying');
    const building = (await as(ann.token).get('/apps/feed/activity')).body[0];
    expect(building).toMatchObject({
      id,
      kind: 'build',
      description: 'Building ab12cd3',
      build: { id, status: 'pending' },
      user: { email: 'ben@example.com' },
    });
    const done = await internal('PATCH', `/internal/apps/feed/builds/${id}`, { status: 'failed', failure: 'no' });
    expect(done.status).toBe(200);
    expect(await h.store.get(h.store.keys.activeBuild('feed'))).toBeUndefined();
    const failed = (await as(ann.token).get('/apps/feed/activity')).body[0];
    expect(failed).toMatchObject({ id, description: 'Build ab12cd3 failed', build: { status: 'failed' } });
    // a release the builder made (createdBy builder) names the build's pusher
    await h.store.createRelease('feed', () => ({
      image: 'feed/x',
      config: {},
      processTypes: { web: 'node x' },
      description: 'Deploy ab12cd3',
      buildId: id,
      createdBy: 'builder',
      createdAt: new Date().toISOString(),
    }));
    const deploy = (await as(ann.token).get('/apps/feed/activity')).body[0];
    expect(deploy).toMatchObject({
      id: 'feed-v2',
      kind: 'release',
      description: 'Deploy ab12cd3',
      user: { email: 'ben@example.com' },
      release: { version: 2 },
    });
  });

  it('is for whoever sees the app: others get 404; a bad limit 422', async () => {
    expect((await as(ben.token).get('/apps/feed/activity')).status).toBe(404);
    expect((await as(h.adminToken).get('/apps/feed/activity')).status).toBe(200);
    expect((await as(ann.token).send('POST', '/apps/feed/collaborators', { user: 'ben@example.com' })).status).toBe(
      201,
    );
    expect((await as(ben.token).get('/apps/feed/activity')).status).toBe(200);
    expect((await as(ben.token).send('DELETE', '/apps/feed/dynos')).status).toBe(202);
    expect((await as(ann.token).get('/apps/feed/activity?limit=1')).body[0]).toMatchObject({
      kind: 'restart',
      user: { email: 'ben@example.com' },
    });
    for (const limit of ['0', '201', 'x'])
      expect((await as(ann.token).get(`/apps/feed/activity?limit=${limit}`)).status).toBe(422);
    expect((await as(ann.token).get('/apps/nope/activity')).status).toBe(404);
  });

  it('keeps the newest events only, moves them on rename and deletes them with the app', async () => {
    const a = as(ann.token);
    expect((await a.send('POST', '/apps', { name: 'busy' })).status).toBe(201);
    for (let i = 0; i < APP_EVENTS_KEPT + 3; i++) expect((await a.send('DELETE', '/apps/busy/dynos')).status).toBe(202);
    const log = await h.store.get<AppEventLog>(h.store.keys.appEvents('busy'));
    expect(log?.events).toHaveLength(APP_EVENTS_KEPT);
    expect((await a.get('/apps/busy/activity?limit=200')).body).toHaveLength(APP_EVENTS_KEPT);
    expect((await a.send('PATCH', '/apps/busy', { name: 'quiet' })).status).toBe(200);
    expect(await h.store.get(h.store.keys.appEvents('busy'))).toBeUndefined();
    expect((await a.get('/apps/quiet/activity?limit=200')).body).toHaveLength(APP_EVENTS_KEPT);
    expect((await a.send('DELETE', '/apps/quiet')).status).toBe(200);
    expect(await h.store.get(h.store.keys.appEvents('quiet'))).toBeUndefined();
  });
});

describe('AppInfo.state', () => {
  it('is idle for a new app, deploying while it builds, in GET /apps too', async () => {
    const a = as(ann.token);
    expect((await a.send('POST', '/apps', { name: 'fresh' })).body.state).toBe('idle');
    const id = '20260101-000000-fresh1';
    await h.call('POST', '/internal/apps/fresh/builds', {
      token: h.internalToken,
      body: { id, commit, user: { id: ann.id, email: 'ann@example.com' } },
    });
    const list = await a.get('/apps');
    const byName = new Map(list.body.map((i: { name: string; state: string }) => [i.name, i.state]));
    expect(byName.get('fresh')).toBe('deploying');
    expect(byName.get('feed')).toBe('deploying'); // v2 has an image, and no scheduler runs it
    await h.call('PATCH', `/internal/apps/fresh/builds/${id}`, { token: h.internalToken, body: { status: 'failed' } });
    expect((await a.get('/apps/fresh')).body.state).toBe('idle');
  });
});
