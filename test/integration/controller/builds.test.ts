import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILDS_KEPT } from '../../../services/core/builds.js';
import { INTERRUPTED_BUILD } from '../../../services/controller/builds/builds.js';
import { newUser, startController, type Harness } from './harness.js';

// Build records (the builder's POST/PATCH /internal/apps/:app/builds, the
// users' GET /apps/:app/builds...) and the build-cache clear, against the
// real controller in-process over the real etcd.

let h: Harness;
let dev: { id: string; token: string };
let other: { id: string; token: string };
const SHA = 'a'.repeat(40);

const internal = (method: string, path: string, body?: unknown) =>
  h.call(method, path, { token: h.internalToken, body });
const newBuild = (app: string, id: string, commit = SHA) =>
  internal('POST', `/internal/apps/${app}/builds`, { id, commit, user: { id: dev.id, email: 'dev@example.com' } });

beforeAll(async () => {
  h = await startController('builds');
  dev = await newUser(h, 'dev@example.com');
  other = await newUser(h, 'other@example.com');
  expect((await h.call('POST', '/apps', { token: dev.token, body: { name: 'built' } })).status).toBe(201);
  expect((await h.call('POST', '/apps', { token: dev.token, body: { name: 'many' } })).status).toBe(201);
});
afterAll(async () => {
  await h?.close();
});

describe('build records', () => {
  it('records a build from pending to succeeded with phases, release and output', async () => {
    const made = await newBuild('built', '20260101-000000-aaaaaa');
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ id: '20260101-000000-aaaaaa', status: 'pending', commit: SHA, release: null });

    expect(
      (
        await internal('PATCH', '/internal/apps/built/builds/20260101-000000-aaaaaa', {
          status: 'building',
          append: ['-----> Building', 'line 2'],
        })
      ).status,
    ).toBe(200);
    const done = await internal('PATCH', '/internal/apps/built/builds/20260101-000000-aaaaaa', {
      status: 'succeeded',
      release: 1,
      phases: { queue_wait: 5, fetch: 10, compile: 1200, image: 300, release: 20, launch: 900 },
      append: ['-----> Released v1'],
    });
    expect(done.status).toBe(200);

    const list = await h.call('GET', '/apps/built/builds', { token: dev.token });
    expect(list.status).toBe(200);
    expect(list.body).toEqual([
      {
        id: '20260101-000000-aaaaaa',
        app: { name: 'built' },
        status: 'succeeded',
        source_blob: { version: SHA },
        user: { id: dev.id, email: 'dev@example.com' },
        created_at: expect.any(String),
        updated_at: expect.any(String),
        release: { version: 1 },
        phases: { queue_wait: 5, fetch: 10, compile: 1200, image: 300, release: 20, launch: 900 },
        failure: null,
        slug: { id: 'built/v1' },
      },
    ]);
    const one = await h.call('GET', '/apps/built/builds/20260101-000000-aaaaaa', { token: dev.token });
    expect(one.body).toEqual(list.body[0]);
    const out = await h.call('GET', '/apps/built/builds/20260101-000000-aaaaaa/output', { token: dev.token });
    expect(out.body).toEqual({
      id: '20260101-000000-aaaaaa',
      status: 'succeeded',
      lines: ['-----> Building', 'line 2', '-----> Released v1'],
      truncated_bytes: 0,
    });
  });

  it('records a failed build with its message, lists newest first', async () => {
    expect((await newBuild('built', '20260102-000000-bbbbbb', 'b'.repeat(40))).status).toBe(201);
    const failed = await internal('PATCH', '/internal/apps/built/builds/20260102-000000-bbbbbb', {
      status: 'failed',
      failure: 'Build failed: it ran out of memory (limit 256 MB; PAAS_BUILD_MEMORY_MB)',
    });
    expect(failed.body).toMatchObject({
      status: 'failed',
      failure: 'Build failed: it ran out of memory (limit 256 MB; PAAS_BUILD_MEMORY_MB)',
    });
    const list = await h.call('GET', '/apps/built/builds', { token: dev.token });
    expect(list.body.map((b: { id: string }) => b.id)).toEqual(['20260102-000000-bbbbbb', '20260101-000000-aaaaaa']);
    expect(list.body[0]).toMatchObject({ status: 'failed', release: null, source_blob: { version: 'b'.repeat(40) } });
  });

  it('fails a build left building by a dead builder once another build of the app starts building', async () => {
    expect((await h.call('POST', '/apps', { token: dev.token, body: { name: 'orphan' } })).status).toBe(201);
    const [dead, next] = ['20260103-000000-cccccc', '20260103-000100-dddddd'];
    expect((await newBuild('orphan', dead)).status).toBe(201);
    await internal('PATCH', `/internal/apps/orphan/builds/${dead}`, { status: 'building' });
    // its builder dies: the next push's build is made (pending: the dead one stays building), then builds
    expect((await newBuild('orphan', next)).status).toBe(201);
    let list = await h.call('GET', '/apps/orphan/builds', { token: dev.token });
    expect(list.body.map((b: { status: string }) => b.status)).toEqual(['pending', 'building']);
    await internal('PATCH', `/internal/apps/orphan/builds/${next}`, { status: 'building' });
    list = await h.call('GET', '/apps/orphan/builds', { token: dev.token });
    expect(list.body).toMatchObject([
      { id: next, status: 'building' },
      { id: dead, status: 'failed', failure: INTERRUPTED_BUILD },
    ]);
    // a build reporting building again (a phase) fails nothing more
    await internal('PATCH', `/internal/apps/orphan/builds/${next}`, { status: 'building', append: ['line'] });
    expect((await h.call('GET', `/apps/orphan/builds/${next}`, { token: dev.token })).body.status).toBe('building');
  });

  it('keeps the last 256 KiB of output and counts what it cut', async () => {
    expect((await newBuild('built', '20260103-000000-cccccc')).status).toBe(201);
    const line = 'x'.repeat(1023); // 1 KiB with its newline
    for (let i = 0; i < 5; i++) {
      const chunk = Array.from({ length: 60 }, (_, j) => `${i * 60 + j} ${line}`.slice(0, 1023));
      expect(
        (await internal('PATCH', '/internal/apps/built/builds/20260103-000000-cccccc', { append: chunk })).status,
      ).toBe(200);
    }
    const out = await h.call('GET', '/apps/built/builds/20260103-000000-cccccc/output', { token: dev.token });
    expect(out.body.lines).toHaveLength(256);
    expect(out.body.lines[0]).toMatch(/^44 /);
    expect(out.body.lines.at(-1)).toMatch(/^299 /);
    expect(out.body.truncated_bytes).toBe(44 * 1024);
  });

  it(`keeps the last ${BUILDS_KEPT} builds of an app, deleting older ones as new ones come`, async () => {
    for (let i = 0; i < BUILDS_KEPT + 2; i++)
      expect((await newBuild('many', `20260101-0000${String(i).padStart(2, '0')}-dddddd`)).status).toBe(201);
    const list = await h.call('GET', '/apps/many/builds', { token: dev.token });
    expect(list.body).toHaveLength(BUILDS_KEPT);
    expect(list.body[0].id).toBe(`20260101-0000${String(BUILDS_KEPT + 1)}-dddddd`);
    expect(list.body.at(-1).id).toBe('20260101-000002-dddddd');
    expect((await h.call('GET', '/apps/many/builds/20260101-000001-dddddd/output', { token: dev.token })).status).toBe(
      404,
    );
    const outputs = await h.store.etcd
      .getAll()
      .prefix(h.store.keys.prefix + '/build-output/many/')
      .keys();
    expect(outputs).toHaveLength(BUILDS_KEPT);
  });

  it('refuses bad reports with 422 and writes nothing', async () => {
    expect(
      (
        await internal('POST', '/internal/apps/built/builds', {
          id: '../x',
          commit: SHA,
          user: { id: dev.id, email: 'e' },
        })
      ).status,
    ).toBe(422);
    expect(
      (
        await internal('POST', '/internal/apps/built/builds', {
          id: 'ok-id',
          commit: 'nope',
          user: { id: dev.id, email: 'e' },
        })
      ).status,
    ).toBe(422);
    expect(
      (await internal('PATCH', '/internal/apps/built/builds/20260101-000000-aaaaaa', { status: 'done' })).body,
    ).toMatchObject({ id: 'invalid_params' });
    expect(
      (await internal('PATCH', '/internal/apps/built/builds/20260101-000000-aaaaaa', { phases: { nap: 3 } })).status,
    ).toBe(422);
    expect((await internal('PATCH', '/internal/apps/built/builds/nope', { status: 'failed' })).status).toBe(404);
    expect((await newBuild('no-such-app', '20260101-000000-eeeeee')).status).toBe(404);
    expect((await newBuild('built', '20260101-000000-aaaaaa')).status).toBe(409); // exists
    expect((await h.call('GET', '/apps/built/builds/20260101-000000-aaaaaa', { token: dev.token })).body.status).toBe(
      'succeeded',
    );
  });

  it('shows builds only to those who may see the app; the internal endpoints need the internal token', async () => {
    expect((await h.call('GET', '/apps/built/builds', { token: other.token })).status).toBe(404);
    expect(
      (await h.call('GET', '/apps/built/builds/20260101-000000-aaaaaa/output', { token: other.token })).status,
    ).toBe(404);
    expect(
      (
        await h.call('POST', '/internal/apps/built/builds', {
          token: dev.token,
          body: { id: 'x', commit: SHA, user: { id: dev.id, email: 'e' } },
        })
      ).status,
    ).toBe(401);
    expect((await h.call('GET', '/apps/built/builds', { token: h.adminToken })).status).toBe(200);
  });
});

describe('build cache clear', () => {
  it('bumps the generation the builder reads from GET /internal/apps/:app', async () => {
    expect((await internal('GET', '/internal/apps/built')).body.build_cache_generation).toBe(0);
    const first = await h.call('DELETE', '/apps/built/build-cache', { token: dev.token });
    expect(first).toMatchObject({
      status: 200,
      body: { app: { name: 'built' }, generation: 1, cleared_at: expect.any(String) },
    });
    expect((await h.call('DELETE', '/apps/built/build-cache', { token: dev.token })).body.generation).toBe(2);
    expect((await internal('GET', '/internal/apps/built')).body.build_cache_generation).toBe(2);
    expect((await h.call('DELETE', '/apps/built/build-cache', { token: other.token })).status).toBe(404);
    expect((await internal('GET', '/internal/apps/built')).body.build_cache_generation).toBe(2);
  });
});

describe('GET /internal/apps', () => {
  it("lists each app's release images newest first", async () => {
    for (const tag of ['b1', 'b2']) {
      expect(
        (
          await internal('POST', '/internal/apps/many/releases', {
            image: `tb/app-many:${tag}`,
            processTypes: { web: 'npm start' },
            description: 'Deploy',
          })
        ).status,
      ).toBe(201);
    }
    const inv = await internal('GET', '/internal/apps');
    expect(inv.body.find((a: { name: string }) => a.name === 'many')).toEqual({
      name: 'many',
      images: ['tb/app-many:b1', 'tb/app-many:b2'],
      releases: [
        { version: 2, image: 'tb/app-many:b2' },
        { version: 1, image: 'tb/app-many:b1' },
      ],
    });
  });
});

describe('destroy and rename', () => {
  it('leave no build records, output or cache generation under the old name', async () => {
    for (const name of ['gone-app', 'old-name']) {
      expect((await h.call('POST', '/apps', { token: dev.token, body: { name } })).status).toBe(201);
      expect((await newBuild(name, '20260105-000000-ffffff')).status).toBe(201);
      expect((await h.call('DELETE', `/apps/${name}/build-cache`, { token: dev.token })).status).toBe(200);
    }
    expect((await h.call('DELETE', '/apps/gone-app', { token: dev.token })).status).toBe(200);
    expect((await h.call('PATCH', '/apps/old-name', { token: dev.token, body: { name: 'new-name' } })).status).toBe(
      200,
    );
    for (const name of ['gone-app', 'old-name']) {
      for (const dir of ['builds', 'build-output', 'build-cache']) {
        expect(
          await h.store.etcd.getAll().prefix(`${h.store.keys.prefix}/${dir}/${name}`).keys(),
          `${dir}/${name}`,
        ).toEqual([]);
      }
    }
    // a new app of the old name starts with no builds
    expect((await h.call('POST', '/apps', { token: dev.token, body: { name: 'gone-app' } })).status).toBe(201);
    expect((await h.call('GET', '/apps/gone-app/builds', { token: dev.token })).body).toEqual([]);
  });
});
