import * as fs from 'node:fs';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import git from 'isomorphic-git';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newUser, startController, type Harness } from '../controller/harness.js';
import { CLI, runBin, type BinResult } from '../../support/bin.js';
import { paasInProcess } from '../../support/cli.js';

// domains, maintenance, apps:rename and apps:destroy: the CLI in-process
// against the real controller (in-process, real etcd), and once as the built binary.

let h: Harness;
let alice: { id: string; token: string };
const tmp = mkdtempSync(join(tmpdir(), 'paas-cli-life-'));
const repo = join(tmp, 'project');

async function paas(
  args: string[],
  opts: { cwd?: string; token?: string } = {},
): Promise<{ code: number; out: string; err: string }> {
  return paasInProcess(args, {
    env: {
      HOME: tmp,
      PAAS_CONFIG_DIR: join(tmp, 'config'),
      PAAS_API_URL: h.url,
      PAAS_TOKEN: opts.token ?? alice.token,
    },
    cwd: opts.cwd ?? tmp,
    home: tmp,
  });
}

const remoteOf = async () => (await git.listRemotes({ fs, dir: repo })).find((r) => r.remote === 'paas')?.url;

beforeAll(async () => {
  h = await startController('cli-lifecycle');
  alice = await newUser(h, 'alice@example.com');
  mkdirSync(repo, { recursive: true });
  await git.init({ fs, dir: repo, defaultBranch: 'main' });
});
afterAll(async () => {
  await h?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('domains', () => {
  it('adds, lists (text and --json) and removes a domain', async () => {
    expect((await paas(['apps:create', 'life-app'], { cwd: repo })).code).toBe(0);
    expect(await paas(['domains:add', 'WWW.Life.example'], { cwd: repo })).toMatchObject({
      code: 0,
      out: 'Adding www.life.example to life-app... done',
    });
    const text = await paas(['domains'], { cwd: repo });
    expect(text.code).toBe(0);
    expect(text.out).toContain('=== life-app Default Domain\nlife-app.localhost');
    expect(text.out).toContain('www.life.example');
    const asJson = JSON.parse((await paas(['domains', '-a', 'life-app', '--json'])).out);
    expect(asJson.map((d: { hostname: string; kind: string }) => [d.hostname, d.kind])).toEqual([
      ['life-app.localhost', 'default'],
      ['www.life.example', 'custom'],
    ]);
    expect(await paas(['domains:remove', 'www.life.example', '-a', 'life-app'])).toMatchObject({
      code: 0,
      out: 'Removing www.life.example from life-app... done',
    });
    expect((await paas(['domains', '-a', 'life-app'])).out).toContain('has no custom domains');
  });

  it("shows the API's refusal and exits 1", async () => {
    const bad = await paas(['domains:add', '10.0.0.1', '-a', 'life-app']);
    expect(bad).toMatchObject({
      code: 1,
      err: 'paas: "10.0.0.1" is not a valid domain: it is an IP address, not a host name',
    });
    expect(await paas(['domains:remove', 'nope.example', '-a', 'life-app'])).toMatchObject({
      code: 1,
      err: "paas: Couldn't find that domain on life-app.",
    });
  });
});

describe('maintenance', () => {
  it('shows, turns on and off', async () => {
    expect(await paas(['maintenance', '-a', 'life-app'])).toMatchObject({ code: 0, out: 'off' });
    expect(await paas(['maintenance:on'], { cwd: repo })).toMatchObject({
      code: 0,
      out: 'Enabling maintenance mode for life-app... done',
    });
    expect(await paas(['maintenance', '-a', 'life-app'])).toMatchObject({ code: 0, out: 'on' });
    expect(JSON.parse((await paas(['apps:info', '-a', 'life-app', '--json'])).out).maintenance).toBe(true);
    expect(await paas(['maintenance:off', '-a', 'life-app'])).toMatchObject({
      code: 0,
      out: 'Disabling maintenance mode for life-app... done',
    });
    expect(await paas(['maintenance', '-a', 'life-app'])).toMatchObject({ code: 0, out: 'off' });
  });
});

describe('apps:rename', () => {
  it('renames the app and points the paas remote of the repo at the new name', async () => {
    const res = await paas(['apps:rename', 'life-renamed'], { cwd: repo });
    expect(res.code).toBe(0);
    expect(res.out).toBe(
      [
        'Renaming life-app to life-renamed... done',
        'http://life-renamed.localhost/ | ssh://git@127.0.0.1:2222/life-renamed.git',
        'Git remote paas updated',
      ].join('\n'),
    );
    expect(await remoteOf()).toBe('ssh://git@127.0.0.1:2222/life-renamed.git');
    expect((await paas(['apps:info', '-a', 'life-app'])).code).toBe(1);
  });

  it('leaves the remote alone when renaming another app, and fails on a bad name', async () => {
    await paas(['apps:create', 'other-app', '--no-remote']);
    const res = await paas(['apps:rename', 'other-renamed', '-a', 'other-app'], { cwd: repo });
    expect(res.code).toBe(0);
    expect(await remoteOf()).toBe('ssh://git@127.0.0.1:2222/life-renamed.git');
    const bad = await paas(['apps:rename', 'Bad_Name', '-a', 'other-renamed']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^paas: Name must start with a letter/);
    expect(await paas(['apps:rename', 'life-renamed', '-a', 'other-renamed'])).toMatchObject({
      code: 1,
      err: 'paas: Name life-renamed is already taken',
    });
  });
});

describe('apps:destroy', () => {
  it('refuses without a matching --confirm, and changes nothing', async () => {
    const res = await paas(['apps:destroy'], { cwd: repo });
    expect(res.code).toBe(1);
    expect(res.err).toContain('This will delete life-renamed');
    expect(res.err).toContain('To proceed, type paas apps:destroy life-renamed --confirm life-renamed');
    expect((await paas(['apps:destroy', '-a', 'life-renamed', '--confirm', 'other-renamed'])).code).toBe(1);
    expect((await paas(['apps:info', '-a', 'life-renamed'])).code).toBe(0);
  });

  it('destroys with --confirm and removes the git remote that pointed at it', async () => {
    const res = await paas(['apps:destroy', '--confirm', 'life-renamed'], { cwd: repo });
    expect(res).toMatchObject({
      code: 0,
      out: 'Destroying life-renamed (including all its releases and domains)... done\nGit remote paas removed',
    });
    expect(await remoteOf()).toBeUndefined();
    expect(await paas(['apps:info', '-a', 'life-renamed'])).toMatchObject({
      code: 1,
      err: "paas: Couldn't find that app.",
    });
  });

  it("says the API's refusal for a user who is not the owner", async () => {
    const bob = await newUser(h, 'bob@example.com');
    const res = await paas(['apps:destroy', 'other-renamed', '--confirm', 'other-renamed'], { token: bob.token });
    expect(res).toMatchObject({ code: 1, err: "paas: Couldn't find that app." });
  });
});

describe('the built paas binary', () => {
  const bin = CLI;

  async function binary(args: string[]): Promise<BinResult> {
    const env = {
      ...process.env,
      HOME: tmp,
      PAAS_CONFIG_DIR: join(tmp, 'bin-config'),
      PAAS_API_URL: h.url,
      PAAS_TOKEN: alice.token,
    };
    return runBin(args, env);
  }

  it('adds a domain, toggles maintenance and destroys an app as a process', async () => {
    expect(existsSync(bin)).toBe(true);
    expect((await binary(['domains:add', 'bin.example', '-a', 'other-renamed'])).stdout).toBe(
      'Adding bin.example to other-renamed... done\n',
    );
    expect((await binary(['maintenance:on', '-a', 'other-renamed'])).status).toBe(0);
    expect((await binary(['maintenance', '-a', 'other-renamed'])).stdout).toBe('on\n');
    const refused = await binary(['apps:destroy', '-a', 'other-renamed']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('To proceed, type paas apps:destroy other-renamed --confirm other-renamed');
    expect((await binary(['apps:destroy', '-a', 'other-renamed', '--confirm', 'other-renamed'])).status).toBe(0);
    expect(await h.store.get(h.store.keys.domain('bin.example'))).toBeUndefined();
  });
});
