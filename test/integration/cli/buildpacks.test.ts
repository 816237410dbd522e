import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startController, type Harness } from '../controller/harness.js';
import { runBin } from '../../support/bin.js';
import { paasInProcess } from '../../support/cli.js';

// buildpacks, buildpacks:set|add|remove|clear: the CLI in-process against the
// real controller (real etcd), then once as the built binary.

let h: Harness;
const tmp = mkdtempSync(join(tmpdir(), 'paas-cli-bp-'));
const home = join(tmp, 'home');
const env = () => ({ HOME: home, PAAS_CONFIG_DIR: join(tmp, 'config'), PAAS_API_URL: h.url, PAAS_TOKEN: h.adminToken });

async function paas(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return paasInProcess(args, { env: env(), cwd: tmp, home: home });
}

beforeAll(async () => {
  h = await startController('cli-buildpacks');
  mkdirSync(home, { recursive: true });
  for (const name of ['bp-cli', 'bp-bin']) {
    const res = await h.call('POST', '/apps', { token: h.adminToken, body: { name } });
    if (res.status !== 201) throw new Error(`POST /apps: ${res.status}`);
  }
});
afterAll(async () => {
  await h?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('paas buildpacks', () => {
  const stored = async () =>
    (await h.call('GET', '/apps/bp-cli/buildpack-installations', { token: h.adminToken })).body.map(
      (b: { buildpack: { url: string } }) => b.buildpack.url,
    );

  it('sets, adds at an index, lists, removes and clears, in Heroku words', async () => {
    expect(await paas(['buildpacks', '-a', 'bp-cli'])).toEqual({
      code: 0,
      out: 'bp-cli has no Buildpack URL set.',
      err: '',
    });

    const set = await paas(['buildpacks:set', 'heroku/nodejs', '-a', 'bp-cli']);
    expect(set.out).toBe(
      'Buildpack set. Next release on bp-cli will use nodejs.\nRun git push paas main to create a new release using this buildpack.',
    );
    expect(await stored()).toEqual(['nodejs']);

    const tgz = 'https://example.com/buildpacks/apt.tgz';
    const add = await paas(['buildpacks:add', tgz, '-i', '1', '-a', 'bp-cli']);
    expect(add.code, add.err).toBe(0);
    expect(add.out).toContain(`Buildpacks added. Next release on bp-cli will use:\n  1. ${tgz}\n  2. nodejs`);
    expect(await stored()).toEqual([tgz, 'nodejs']);

    expect((await paas(['buildpacks', '-a', 'bp-cli'])).out).toBe(`=== bp-cli Buildpack URLs\n1. ${tgz}\n2. nodejs`);
    const listed = JSON.parse((await paas(['buildpacks', '-a', 'bp-cli', '--json'])).out);
    expect(listed[1]).toEqual({ ordinal: 1, buildpack: { url: 'nodejs', name: 'nodejs' } });

    const dup = await paas(['buildpacks:add', 'nodejs', '-a', 'bp-cli']);
    expect(dup).toMatchObject({ code: 1, err: 'paas: The buildpack nodejs is already set on your app.' });

    const removed = await paas(['buildpacks:remove', tgz, '-a', 'bp-cli']);
    expect(removed.out).toContain('Buildpack removed. Next release on bp-cli will use nodejs.');
    expect(await stored()).toEqual(['nodejs']);

    expect((await paas(['buildpacks:clear', '-a', 'bp-cli'])).out).toBe(
      'Buildpacks cleared. Next release on bp-cli will detect buildpacks normally.',
    );
    expect(await stored()).toEqual([]);
  });

  it("prints the API's message and exits 1 on a refused buildpack", async () => {
    const r = await paas(['buildpacks:set', 'ftp://example.com/x.tgz', '-a', 'bp-cli']);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      'paas: Buildpack URL "ftp://example.com/x.tgz" must use http, https (file:// is off on this platform)',
    );
    const idx = await paas(['buildpacks:remove', '-i', '0', '-a', 'bp-cli']);
    expect(idx).toMatchObject({ code: 1, err: 'paas: Invalid index "0": use a number from 1' });
  });

  it('works as the built binary', async () => {
    const r = await runBin(['buildpacks:set', 'https://example.com/bp.git#v1', '-a', 'bp-bin'], {
      ...process.env,
      ...env(),
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('Buildpack set. Next release on bp-bin will use https://example.com/bp.git#v1.');
    const list = await runBin(['buildpacks', '-a', 'bp-bin'], { ...process.env, ...env() });
    expect(list.stdout.trim()).toBe('=== bp-bin Buildpack URL\nhttps://example.com/bp.git#v1');
  });
});
