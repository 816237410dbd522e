import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Assignment, Formation, Instance, ReleaseStatusRecord, Route } from '../../../services/core/types.js';
import { newUser, startController, type Harness } from '../controller/harness.js';
import { CLI, runBin } from '../../support/bin.js';
import { paasInProcess } from '../../support/cli.js';

// Release status (pending, succeeded, failed with the reason) through the real
// controller over the real etcd, with the records the scheduler writes put in
// place by the test; `paas releases` and `paas ps` in-process and `paas
// releases` through the built binary; rollback of a failed release; `release`
// refused as a formation type; the records moved by rename, gone with destroy.

let h: Harness;
let dev: { id: string; token: string };
const tmp = mkdtempSync(join(tmpdir(), 'paas-cli-rs-'));
const home = join(tmp, 'home');
const env = () => ({ HOME: home, PAAS_CONFIG_DIR: join(tmp, 'config'), PAAS_API_URL: h.url, PAAS_TOKEN: dev.token });
const paas = (args: string[]) => paasInProcess(args, { env: env(), cwd: tmp, home });
const get = (path: string) => h.call('GET', path, { token: dev.token });

async function push(app: string, processTypes: Record<string, string>): Promise<number> {
  const r = await h.call('POST', `/internal/apps/${app}/releases`, {
    token: h.internalToken,
    body: { image: `paas/app-${app}:x`, processTypes, commit: 'abcdef1234', user: dev.id },
  });
  expect(r.status).toBe(201);
  return r.body.release.version as number;
}

const putStatus = (app: string, version: number, status: ReleaseStatusRecord['status'], reason?: string) =>
  h.store.put(h.store.keys.releaseStatus(app, version), {
    app,
    version,
    status,
    ...(reason && { reason }),
    at: new Date().toISOString(),
  } satisfies ReleaseStatusRecord);

beforeAll(async () => {
  h = await startController('release-status');
  mkdirSync(home, { recursive: true });
  dev = await newUser(h, 'dev@example.com');
  expect((await h.call('POST', '/apps', { token: dev.token, body: { name: 'rs' } })).status).toBe(201);
});
afterAll(async () => {
  await h?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('release status in the API', () => {
  it('pending until served, then succeeded; a failed one says why; the internal view has it', async () => {
    await push('rs', { web: 'npm start', release: 'node migrate.js' });
    expect(
      (await get('/apps/rs/releases')).body.map((r: { status: string; failure: unknown }) => [r.status, r.failure]),
    ).toEqual([['pending', null]]);
    await h.store.put(h.store.keys.route('rs'), {
      app: 'rs',
      dynos: [{ upstream: '127.0.0.1:1', dyno: 'web.1', host: 'h' }],
      release: 1,
      updatedAt: new Date().toISOString(),
    } satisfies Route);
    expect((await get('/apps/rs/releases/1')).body).toMatchObject({
      status: 'succeeded',
      failure: null,
      current: true,
    });

    const v2 = await push('rs', { web: 'npm start', release: 'node migrate.js' });
    await putStatus('rs', v2, 'failed', 'web.1 crashed (exit 1) 3 times');
    const list = (await get('/apps/rs/releases')).body;
    expect(
      list.map((r: { version: number; status: string; failure: unknown }) => [r.version, r.status, r.failure]),
    ).toEqual([
      [1, 'succeeded', null],
      [2, 'failed', 'web.1 crashed (exit 1) 3 times'],
    ]);
    expect((await get('/apps/rs/releases/v2')).body).toMatchObject({
      status: 'failed',
      failure: 'web.1 crashed (exit 1) 3 times',
      current: true,
    });
    const internal = await h.call('GET', '/internal/apps/rs', { token: h.internalToken });
    expect(internal.body).toMatchObject({
      serving_release: 1,
      release_status: { version: 2, status: 'failed', failure: 'web.1 crashed (exit 1) 3 times' },
    });
  });

  it('paas releases and paas ps show the failure and what serves', async () => {
    const releases = await paas(['releases', '-a', 'rs']);
    expect(releases.code).toBe(0);
    expect(releases.out).toMatch(/\nv2 +Deploy abcdef1  failed: web\.1 crashed \(exit 1\) 3 times +dev@example\.com/);
    expect(releases.out).not.toMatch(/v1 +Deploy abcdef1 +failed/);
    // a web dyno of v1 up, v2's crashed
    const now = new Date().toISOString();
    const a = (release: number): Assignment => ({
      id: `rs.web.1.v${release}`,
      host: 'h1',
      app: 'rs',
      release,
      type: 'web',
      index: 1,
      image: 'x',
      command: 'npm start',
      env: {},
      port: 5000,
      memoryMb: 512,
      cpuShares: 1024,
      createdAt: now,
    });
    await h.store.put(h.store.keys.assignment('h1', 'rs.web.1.v1'), a(1));
    const inst: Instance = {
      id: 'rs.web.1.v1',
      host: 'h1',
      app: 'rs',
      release: 1,
      type: 'web',
      state: 'up',
      containerId: 'c',
      address: '127.0.0.1',
      port: 1,
      updatedAt: now,
    };
    await h.store.put(h.store.keys.instance('rs', 'rs.web.1.v1'), inst);
    const ps = await paas(['ps', '-a', 'rs']);
    expect(ps.code).toBe(0);
    expect(ps.out.split('\n').at(-1)).toBe('v2 failed: web.1 crashed (exit 1) 3 times; v1 is serving');
    const info = await paas(['releases:info', 'v2', '-a', 'rs']);
    expect(info.out).toMatch(/Failure: +web\.1 crashed \(exit 1\) 3 times/);
  });

  it('the built binary lists the failed release', async () => {
    const r = await runBin(['releases', '-a', 'rs'], {
      ...process.env,
      ...env(),
      PAAS_CONFIG_DIR: join(tmp, 'bin-config'),
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('failed: web.1 crashed (exit 1) 3 times');
    expect(CLI).toMatch(/main\.js$/);
  });

  it('rolls back to the failed latest release (a new release); not to the current one otherwise', async () => {
    const r = await h.call('POST', '/apps/rs/releases', { token: dev.token, body: { release: 2 } });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ version: 3, description: 'Rollback to v2', status: 'pending', failure: null });
    const again = await h.call('POST', '/apps/rs/releases', { token: dev.token, body: { release: 3 } });
    expect(again.status).toBe(422);
    expect(again.body.message).toBe('v3 is already the current release');
  });

  it('refuses to scale the release process type, writing nothing', async () => {
    const before = await h.store.get<Formation>(h.store.keys.formation('rs'));
    const r = await h.call('PATCH', '/apps/rs/formation', {
      token: dev.token,
      body: { updates: [{ type: 'release', quantity: 1 }] },
    });
    expect(r.status).toBe(422);
    expect(r.body.message).toMatch(/^The release process type runs once for each new release/);
    const cli = await paas(['ps:scale', 'release=1', '-a', 'rs']);
    expect(cli.code).toBe(1);
    expect(cli.err).toContain('cannot be scaled');
    expect(await h.store.get<Formation>(h.store.keys.formation('rs'))).toEqual(before);
  });

  it('moves the records with a rename and deletes them with the app', async () => {
    expect((await h.call('PATCH', '/apps/rs', { token: dev.token, body: { name: 'rs2' } })).status).toBe(200);
    expect(await h.store.get(h.store.keys.releaseStatus('rs', 2))).toBeUndefined();
    expect(await h.store.get(h.store.keys.releaseStatus('rs2', 2))).toMatchObject({ app: 'rs2', status: 'failed' });
    expect((await get('/apps/rs2/releases/2')).body).toMatchObject({ status: 'failed' });
    expect((await h.call('DELETE', '/apps/rs2', { token: dev.token })).status).toBe(200);
    expect(await h.store.list(h.store.keys.releaseStatuses('rs2'))).toEqual([]);
  });
});
