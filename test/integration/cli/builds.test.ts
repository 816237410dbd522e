import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runBin } from '../../support/bin.js';
import { newUser, startController, type Harness } from '../controller/harness.js';
import { paasInProcess } from '../../support/cli.js';

// builds, builds:output, builds:cache:clear: the CLI in-process against the
// real controller (real etcd), builds reported as the builder reports them;
// then once as the built binary.

let h: Harness;
let dev: { id: string; token: string };
const tmp = mkdtempSync(join(tmpdir(), 'paas-cli-builds-'));
const home = join(tmp, 'home');
const SHA1 = '1a2b3c4'.padEnd(40, '0');
const SHA2 = '5e6f7a8'.padEnd(40, '0');

async function paas(args: string[], token = dev.token): Promise<{ code: number; out: string; err: string }> {
  return paasInProcess(args, {
    env: { HOME: home, PAAS_CONFIG_DIR: join(tmp, 'config'), PAAS_API_URL: h.url, PAAS_TOKEN: token },
    cwd: tmp,
    home: home,
  });
}

async function report(app: string, id: string, commit: string, update: Record<string, unknown>): Promise<void> {
  const made = await h.call('POST', `/internal/apps/${app}/builds`, {
    token: h.internalToken,
    body: { id, commit, user: { id: dev.id, email: 'dev@example.com' } },
  });
  if (made.status !== 201) throw new Error(`POST builds: ${made.status} ${JSON.stringify(made.body)}`);
  const upd = await h.call('PATCH', `/internal/apps/${app}/builds/${id}`, { token: h.internalToken, body: update });
  if (upd.status !== 200) throw new Error(`PATCH build: ${upd.status} ${JSON.stringify(upd.body)}`);
}

beforeAll(async () => {
  h = await startController('cli-builds');
  mkdirSync(home, { recursive: true });
  dev = await newUser(h, 'dev@example.com');
  for (const name of ['bld-app', 'bld-none'])
    expect((await h.call('POST', '/apps', { token: dev.token, body: { name } })).status).toBe(201);
  await report('bld-app', '20260101-100000-aaaaaa', SHA1, {
    status: 'succeeded',
    release: 1,
    phases: { fetch: 200, compile: 4000 },
    append: ['-----> Building bld-app', '-----> Released v1'],
  });
  await report('bld-app', '20260101-110000-bbbbbb', SHA2, {
    status: 'failed',
    phases: { compile: 1000 },
    failure: 'Build failed: it took longer than 900 s (PAAS_BUILD_TIMEOUT_S)',
    append: ['-----> Building bld-app', ' !     Build failed: it took longer than 900 s (PAAS_BUILD_TIMEOUT_S)'],
  });
});
afterAll(async () => {
  await h?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('paas builds', () => {
  it('lists builds newest first, with their status, commit, user and duration', async () => {
    const res = await paas(['builds', '-a', 'bld-app']);
    expect(res.code).toBe(0);
    const lines = res.out.split('\n');
    expect(lines[0]).toBe('=== bld-app Builds');
    expect(lines[3]).toMatch(
      /^20260101-110000-bbbbbb\s+failed\s+5e6f7a8\s+dev@example.com\s+\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d UTC\s+1.0s$/,
    );
    expect(lines[4]).toMatch(/^20260101-100000-aaaaaa\s+succeeded \(v1\)\s+1a2b3c4\s+dev@example.com\s+.*UTC\s+4.2s$/);
    const json = JSON.parse((await paas(['builds', '-a', 'bld-app', '--json'])).out);
    expect(json.map((b: { id: string }) => b.id)).toEqual(['20260101-110000-bbbbbb', '20260101-100000-aaaaaa']);
    expect(json[1]).toMatchObject({
      source_blob: { version: SHA1 },
      release: { version: 1 },
      user: { email: 'dev@example.com' },
    });
    expect(await paas(['builds', '-a', 'bld-none'])).toMatchObject({
      code: 0,
      out: 'bld-none has no builds yet. Deploy with: git push paas main',
    });
  });

  it('shows the latest build output by default, or the one asked for', async () => {
    expect(await paas(['builds:output', '-a', 'bld-app'])).toMatchObject({
      code: 0,
      out: '-----> Building bld-app\n !     Build failed: it took longer than 900 s (PAAS_BUILD_TIMEOUT_S)',
    });
    expect(await paas(['builds:output', '20260101-100000-aaaaaa', '-a', 'bld-app'])).toMatchObject({
      code: 0,
      out: '-----> Building bld-app\n-----> Released v1',
    });
    expect(await paas(['builds:output', '20260101-000000-ffffff', '-a', 'bld-app'])).toMatchObject({
      code: 1,
      err: "paas: Couldn't find the build 20260101-000000-ffffff.",
    });
    expect(await paas(['builds:output', '-a', 'bld-none'])).toMatchObject({
      code: 1,
      err: 'paas: bld-none has no builds yet. Deploy with: git push paas main',
    });
  });

  it('clears the build cache', async () => {
    expect(await paas(['builds:cache:clear', '-a', 'bld-app'])).toMatchObject({
      code: 0,
      out: 'Clearing the build cache of bld-app... done; the next build starts cold',
    });
    expect(
      (await h.call('GET', '/internal/apps/bld-app', { token: h.internalToken })).body.build_cache_generation,
    ).toBe(1);
    const other = await newUser(h, 'other@example.com');
    expect(await paas(['builds:cache:clear', '-a', 'bld-app'], other.token)).toMatchObject({
      code: 1,
      err: "paas: Couldn't find that app.",
    });
  });
});

describe('the built paas binary', () => {
  it('lists builds and shows output as a process', async () => {
    expect(existsSync(CLI)).toBe(true);
    const env = {
      ...process.env,
      HOME: home,
      PAAS_CONFIG_DIR: join(tmp, 'bin-config'),
      PAAS_API_URL: h.url,
      PAAS_TOKEN: dev.token,
    };
    const list = await runBin(['builds', '-a', 'bld-app', '--json'], env);
    expect(list.status).toBe(0);
    expect(JSON.parse(list.stdout).map((b: { status: string }) => b.status)).toEqual(['failed', 'succeeded']);
    expect(await runBin(['builds:output', '20260101-100000-aaaaaa', '-a', 'bld-app'], env)).toEqual({
      status: 0,
      stdout: '-----> Building bld-app\n-----> Released v1\n',
      stderr: '',
    });
    expect(await runBin(['builds:output', 'bad/id', '-a', 'bld-app'], env)).toEqual({
      status: 1,
      stdout: '',
      stderr: 'paas: bad/id is not a build id; see `paas builds`\n',
    });
  });
});
