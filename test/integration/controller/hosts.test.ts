import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App, Assignment, Host, HostTagOverride } from '../../../services/core/types.js';
import { newUser, startController, type Harness } from './harness.js';

// GET /hosts, GET /hosts/:host, PATCH|DELETE /hosts/:host/tags and an app's
// pool (PATCH /apps/:app {pool}) over the real etcd and the real express app.
// Hosts and assignments are written into etcd as an agent and the scheduler
// would write them.

let h: Harness;
let alice: { id: string; token: string };
let bob: { id: string; token: string };

function hostRecord(id: string, over: Partial<Host> = {}): Host {
  return {
    id,
    address: '127.0.0.1',
    tags: { pool: 'shared', ssd: 'true' },
    capacity: { memoryMb: 8192, cpus: 4 },
    registeredAt: '2024-05-01T10:00:00.000Z',
    ...over,
  };
}

function assignment(host: string, id: string, memoryMb: number, cpuShares: number): Assignment {
  return {
    id,
    host,
    app: 'some-app',
    release: 1,
    type: 'web',
    index: 1,
    image: 'i',
    command: 'c',
    env: {},
    port: 5000,
    memoryMb,
    cpuShares,
    createdAt: 't',
  };
}

const admin = () => ({ token: h.adminToken });
const override = (id: string) => h.store.getVersioned<HostTagOverride>(h.store.keys.hostTags(id));
const appRecord = (name: string) => h.store.get<App>(h.store.keys.app(name));

beforeAll(async () => {
  h = await startController('hosts');
  alice = await newUser(h, 'alice@example.com');
  bob = await newUser(h, 'bob@example.com');
  const s = h.store;
  await s.put(
    s.keys.host('host-b'),
    hostRecord('host-b', { address: '127.0.0.2', used: { memoryMb: 300, cpus: 0.5 } }),
  );
  await s.put(
    s.keys.host('host-a'),
    hostRecord('host-a', { tags: { pool: 'high' }, capacity: { memoryMb: 4096, cpus: 2 } }),
  );
  await s.put(s.keys.assignment('host-b', 'x.web.1.v1'), assignment('host-b', 'x.web.1.v1', 512, 1024));
  await s.put(s.keys.assignment('host-b', 'x.web.2.v1'), assignment('host-b', 'x.web.2.v1', 1024, 2048));
  await s.put(s.keys.assignment('host-a', 'y.worker.1.v3'), assignment('host-a', 'y.worker.1.v3', 256, 256));
  // an override left for a host whose agent is gone
  await s.put(s.keys.hostTags('host-gone'), { tags: { pool: 'high' }, updatedAt: 't' } satisfies HostTagOverride);
  const res = await h.call('POST', '/apps', { token: alice.token, body: { name: 'pooled' } });
  if (res.status !== 201) throw new Error(`POST /apps ${res.status}`);
  const grant = await h.call('POST', '/apps/pooled/collaborators', {
    token: alice.token,
    body: { user: 'bob@example.com' },
  });
  if (grant.status !== 201) throw new Error(`POST collaborators ${grant.status}`);
});
afterAll(async () => {
  await h?.close();
});

describe('GET /hosts', () => {
  it('lists the live hosts by id with capacity, allocated sums and used', async () => {
    const res = await h.call('GET', '/hosts', admin());
    expect(res.status).toBe(200);
    expect(res.body.map((x: { id: string }) => x.id)).toEqual(['host-a', 'host-b']);
    expect(res.body[1]).toEqual({
      id: 'host-b',
      address: '127.0.0.2',
      tags: { pool: 'shared', ssd: 'true' },
      agent_tags: { pool: 'shared', ssd: 'true' },
      tag_overrides: {},
      capacity: { memory_mb: 8192, cpus: 4 },
      placement_capacity: null, // no scheduler has said how it counts
      allocated: { memory_mb: 1536, cpu_shares: 3072, containers: 2 },
      used: { memory_mb: 300, cpus: 0.5 },
      registered_at: '2024-05-01T10:00:00.000Z',
      state: 'up',
    });
    expect(res.body[0]).toMatchObject({
      id: 'host-a',
      allocated: { memory_mb: 256, cpu_shares: 256, containers: 1 },
      used: null,
      capacity: { memory_mb: 4096, cpus: 2 },
    });
  });

  it('is for admins only', async () => {
    for (const token of [alice.token, bob.token]) {
      expect(await h.call('GET', '/hosts', { token })).toEqual({
        status: 403,
        body: { id: 'forbidden', message: 'This action needs an admin account.' },
      });
      expect((await h.call('GET', '/hosts/host-a', { token })).status).toBe(403);
      expect((await h.call('PATCH', '/hosts/host-a/tags', { token, body: { tags: { pool: 'x' } } })).status).toBe(403);
    }
    expect((await h.call('GET', '/hosts')).status).toBe(401);
    expect(await override('host-a')).toBeUndefined();
  });

  it('shows one host; a host known only by its override is down; unknown is 404', async () => {
    expect((await h.call('GET', '/hosts/host-a', admin())).body).toMatchObject({
      id: 'host-a',
      state: 'up',
      tags: { pool: 'high' },
    });
    expect((await h.call('GET', '/hosts/host-gone', admin())).body).toMatchObject({
      id: 'host-gone',
      state: 'down',
      address: null,
      tags: { pool: 'high' },
    });
    expect(await h.call('GET', '/hosts/nope', admin())).toEqual({
      status: 404,
      body: { id: 'not_found', message: "Couldn't find that host." },
    });
  });
});

describe('PATCH /hosts/:host/tags', () => {
  it('creates the override, then merges into it; null removes a tag the agent set', async () => {
    const set = await h.call('PATCH', '/hosts/host-b/tags', {
      ...admin(),
      body: { tags: { pool: 'high', gpu: 'a100' } },
    });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({
      id: 'host-b',
      tags: { pool: 'high', ssd: 'true', gpu: 'a100' },
      agent_tags: { pool: 'shared', ssd: 'true' },
    });
    expect((await override('host-b'))?.value.tags).toEqual({ pool: 'high', gpu: 'a100' });

    const removed = await h.call('PATCH', '/hosts/host-b/tags', {
      ...admin(),
      body: { tags: { ssd: null, gpu: null } },
    });
    expect(removed.body.tags).toEqual({ pool: 'high' });
    expect(removed.body.tag_overrides).toEqual({ pool: 'high', gpu: null, ssd: null });
    expect((await override('host-b'))?.value.tags).toEqual({ pool: 'high', gpu: null, ssd: null });
    // the listing shows the same effective tags
    const listed = (await h.call('GET', '/hosts', admin())).body.find((x: { id: string }) => x.id === 'host-b');
    expect(listed.tags).toEqual({ pool: 'high' });
  });

  it('keeps the override when the agent registers again', async () => {
    await h.store.put(h.store.keys.host('host-b'), hostRecord('host-b', { registeredAt: '2024-06-01T00:00:00.000Z' }));
    const res = await h.call('GET', '/hosts/host-b', admin());
    expect(res.body).toMatchObject({ tags: { pool: 'high' }, registered_at: '2024-06-01T00:00:00.000Z' });
  });

  it('changes the override of a host that is down, and 404s a host nobody knows', async () => {
    const res = await h.call('PATCH', '/hosts/host-gone/tags', { ...admin(), body: { tags: { ssd: 'true' } } });
    expect(res).toMatchObject({ status: 200, body: { state: 'down', tags: { pool: 'high', ssd: 'true' } } });
    expect(await h.call('PATCH', '/hosts/nope/tags', { ...admin(), body: { tags: { pool: 'high' } } })).toEqual({
      status: 404,
      body: { id: 'not_found', message: "Couldn't find that host." },
    });
    expect(await override('nope')).toBeUndefined();
  });

  it('refuses invalid changes with 422 and writes nothing', async () => {
    const before = await override('host-b');
    const bad: [unknown, string][] = [
      [{ tags: { Pool: 'x' } }, 'Invalid tag key "Pool"'],
      [{ tags: { pool: 'has space' } }, 'Invalid value "has space" for tag pool'],
      [{ tags: { pool: '' } }, 'Invalid value "" for tag pool'],
      [{ tags: { pool: 7 } }, 'Invalid value 7 for tag pool'],
      [{ tags: {} }, 'Nothing to change'],
      [{ tags: 'pool=x' }, 'tags must be an object'],
      [{}, '{"tags": {"key": "value" | null}}'],
      [
        { tags: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v'])) },
        'Too many tags (33); the limit is 32',
      ],
      [
        { tags: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, 'v'])) },
        'Too many tag overrides on this host (33); the limit is 32',
      ],
    ];
    for (const [body, message] of bad) {
      const res = await h.call('PATCH', '/hosts/host-b/tags', { ...admin(), body });
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.id).toBe('invalid_params');
      expect(res.body.message).toContain(message);
    }
    expect(await override('host-b')).toEqual(before);
  });

  it('DELETE drops every override: back to the agent tags', async () => {
    const res = await h.call('DELETE', '/hosts/host-b/tags', admin());
    expect(res).toMatchObject({ status: 200, body: { tags: { pool: 'shared', ssd: 'true' }, tag_overrides: {} } });
    expect(await override('host-b')).toBeUndefined();
    expect((await h.call('DELETE', '/hosts/nope/tags', admin())).status).toBe(404);
  });
});

describe("an app's pool", () => {
  it('is null at first; the owner sets it (the whole set), an admin replaces it, null clears it', async () => {
    expect((await h.call('GET', '/apps/pooled', { token: alice.token })).body.pool).toBeNull();
    const set = await h.call('PATCH', '/apps/pooled', {
      token: alice.token,
      body: { pool: { pool: 'high', ssd: 'true' } },
    });
    expect(set).toMatchObject({ status: 200, body: { name: 'pooled', pool: { pool: 'high', ssd: 'true' } } });
    expect((await appRecord('pooled'))?.pool).toEqual({ pool: 'high', ssd: 'true' });

    const replaced = await h.call('PATCH', '/apps/pooled', { ...admin(), body: { pool: { pool: 'shared' } } });
    expect(replaced.body.pool).toEqual({ pool: 'shared' });
    expect((await appRecord('pooled'))?.pool).toEqual({ pool: 'shared' });

    const cleared = await h.call('PATCH', '/apps/pooled', { token: alice.token, body: { pool: null } });
    expect(cleared.body.pool).toBeNull();
    const rec = await appRecord('pooled');
    expect(rec && 'pool' in rec).toBe(false);
  });

  it('sets pool and maintenance in one change', async () => {
    const res = await h.call('PATCH', '/apps/pooled', {
      token: alice.token,
      body: { pool: { pool: 'high' }, maintenance: true },
    });
    expect(res.body).toMatchObject({ pool: { pool: 'high' }, maintenance: true });
    expect(await appRecord('pooled')).toMatchObject({ pool: { pool: 'high' }, maintenance: true, latestRelease: 0 });
    await h.call('PATCH', '/apps/pooled', { token: alice.token, body: { maintenance: false } });
  });

  it('is not for collaborators (403) nor strangers (404), and leaves the pool as it was', async () => {
    expect(await h.call('PATCH', '/apps/pooled', { token: bob.token, body: { pool: { pool: 'shared' } } })).toEqual({
      status: 403,
      body: { id: 'forbidden', message: 'Only the owner of pooled can change its pool.' },
    });
    const carol = await newUser(h, 'carol@example.com');
    expect((await h.call('PATCH', '/apps/pooled', { token: carol.token, body: { pool: null } })).status).toBe(404);
    expect((await h.call('GET', '/apps/pooled', { token: bob.token })).body.pool).toEqual({ pool: 'high' });
    // a collaborator still toggles maintenance
    expect((await h.call('PATCH', '/apps/pooled', { token: bob.token, body: { maintenance: false } })).status).toBe(
      200,
    );
  });

  it('refuses an invalid pool with 422 and writes nothing', async () => {
    const before = await h.store.getVersioned<App>(h.store.keys.app('pooled'));
    for (const [pool, message] of [
      [{ POOL: 'high' }, 'Invalid tag key "POOL"'],
      [{ pool: 'a/b' }, 'Invalid value "a/b" for tag pool'],
      ['pool=high', 'pool must be an object'],
      [{ pool: null }, 'Invalid value null for tag pool'],
    ] as const) {
      const res = await h.call('PATCH', '/apps/pooled', { token: alice.token, body: { pool } });
      expect(res.status).toBe(422);
      expect(res.body.message).toContain(message);
    }
    expect(
      (await h.call('PATCH', '/apps/pooled', { token: alice.token, body: { pool: { pool: 'x' }, name: 'other-name' } }))
        .body.message,
    ).toBe('Change the name and the pool in separate requests');
    expect(await h.store.getVersioned<App>(h.store.keys.app('pooled'))).toEqual(before);
    expect((await h.call('PATCH', '/apps/no-such-app', { token: alice.token, body: { pool: null } })).status).toBe(404);
  });

  it('moves with the app on rename', async () => {
    const res = await h.call('PATCH', '/apps/pooled', { token: alice.token, body: { name: 'pooled-2' } });
    expect(res.body).toMatchObject({ name: 'pooled-2', pool: { pool: 'high' } });
  });
});
