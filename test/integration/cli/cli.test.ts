import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as fs from 'node:fs';
import git from 'isomorphic-git';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ctx } from '../../../cli/context.js';
import { run } from '../../../cli/program.js';
import { startController, type Harness } from '../controller/harness.js';
import { CLI, runBin, type BinResult } from '../../support/bin.js';

// The `paas` CLI against the real controller (in-process, real etcd): the
// program runs in-process with its own environment, folders and output.

let h: Harness;
const tmp = mkdtempSync(join(tmpdir(), 'paas-cli-'));
const home = join(tmp, 'home');
const configDir = join(tmp, 'config');
const repo = join(tmp, 'my-project');

interface Result {
  code: number;
  out: string;
  err: string;
}

async function paas(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string>; input?: string } = {},
): Promise<Result> {
  const out: string[] = [];
  const err: string[] = [];
  const ctx: Ctx = {
    env: { HOME: home, PAAS_CONFIG_DIR: configDir, ...opts.env },
    cwd: opts.cwd ?? tmp,
    home,
    out: (s) => out.push(s),
    err: (s) => err.push(s),
    readLine: async () => opts.input ?? '',
    fetch: globalThis.fetch,
  };
  const code = await run(args, ctx);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

beforeAll(async () => {
  h = await startController('cli');
  mkdirSync(home, { recursive: true });
  mkdirSync(join(repo, 'src'), { recursive: true });
  await git.init({ fs, dir: repo, defaultBranch: 'main' });
});
afterAll(async () => {
  await h?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('paas CLI', () => {
  it('logs in with a token read from the prompt, saving credentials with mode 0600', async () => {
    const res = await paas(['login', '--api', h.url + '/'], { input: h.adminToken + '\n' });
    expect(res).toMatchObject({ code: 0, out: 'Logged in as admin@example.com' });
    const file = join(configDir, 'credentials.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ api: h.url, token: h.adminToken });
    expect(await paas(['whoami'])).toMatchObject({ code: 0, out: 'admin@example.com' });
  });

  it('refuses a wrong token at login with the API message and exit 1', async () => {
    const res = await paas(['login', '--api', h.url, '--token', 'wrong'], {
      env: { PAAS_CONFIG_DIR: join(tmp, 'other') },
    });
    expect(res).toMatchObject({ code: 1, err: 'paas: Invalid credentials provided.' });
    expect(existsSync(join(tmp, 'other', 'credentials.json'))).toBe(false);
  });

  it('creates an app inside a git repo and adds the paas remote', async () => {
    const res = await paas(['apps:create', 'cli-app'], { cwd: join(repo, 'src') });
    expect(res.code).toBe(0);
    expect(res.out.split('\n')).toEqual([
      'Creating cli-app... done',
      'http://cli-app.localhost/ | ssh://git@127.0.0.1:2222/cli-app.git',
      'Git remote paas added',
    ]);
    const remotes = await git.listRemotes({ fs, dir: repo });
    expect(remotes).toContainEqual({ remote: 'paas', url: 'ssh://git@127.0.0.1:2222/cli-app.git' });
  });

  it('updates the paas remote for the next app, and leaves it alone with --no-remote', async () => {
    const json = await paas(['apps:create', '--json'], { cwd: repo });
    expect(json.code).toBe(0);
    const app = JSON.parse(json.out) as { name: string; git_url: string };
    expect((await git.listRemotes({ fs, dir: repo })).find((r) => r.remote === 'paas')?.url).toBe(app.git_url);
    expect((await paas(['apps:create', 'cli-app-2', '--no-remote'], { cwd: repo })).code).toBe(0);
    expect((await git.listRemotes({ fs, dir: repo })).find((r) => r.remote === 'paas')?.url).toBe(app.git_url);
    await git.addRemote({ fs, dir: repo, remote: 'paas', url: 'ssh://git@127.0.0.1:2222/cli-app.git', force: true });
  });

  it('finds the app from the git remote for apps:info, or from -a', async () => {
    const res = await paas(['apps:info', '--json'], { cwd: join(repo, 'src') });
    expect(res.code).toBe(0);
    expect(JSON.parse(res.out)).toMatchObject({
      name: 'cli-app',
      web_url: 'http://cli-app.localhost/',
      git_url: 'ssh://git@127.0.0.1:2222/cli-app.git',
    });
    const text = await paas(['apps:info', '-a', 'cli-app-2']);
    expect(text.out).toMatch(
      /^=== cli-app-2\nGit URL: +ssh:\/\/git@127\.0\.0\.1:2222\/cli-app-2\.git\nOwner: +admin@example\.com\nWeb URL: +http:\/\/cli-app-2\.localhost\/\nHTTPS URL: +https:\/\/cli-app-2\.localhost\//,
    );
    expect((await paas(['apps'])).out.split('\n')).toEqual(
      expect.arrayContaining(['=== Apps', 'cli-app', 'cli-app-2']),
    );
  });

  it('says which app is missing outside an app folder', async () => {
    expect(await paas(['apps:info'], { cwd: home })).toMatchObject({
      code: 1,
      err: 'paas: No app specified. Run this command from an app folder or specify which app to use with --app APP.',
    });
  });

  it('adds SSH keys from a file or ~/.ssh, and shows the API message for a duplicate', async () => {
    const none = await paas(['keys:add']);
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/No SSH public key found .*ssh-keygen/);
    mkdirSync(join(home, '.ssh'), { recursive: true });
    execFileSync('ssh-keygen', [
      '-q',
      '-t',
      'ed25519',
      '-N',
      '',
      '-C',
      'me@cli',
      '-f',
      join(home, '.ssh', 'id_ed25519'),
    ]);
    const add = await paas(['keys:add']);
    expect(add.code).toBe(0);
    expect(add.out).toMatch(/^Uploading .*id_ed25519\.pub SSH key\.\.\. done \(SHA256:/);
    const list = await paas(['keys']);
    expect(list.out).toMatch(/me@cli/);
    const again = await paas(['keys:add', join(home, '.ssh', 'id_ed25519.pub')]);
    expect(again).toMatchObject({ code: 1, err: 'paas: This key is already in use by an account' });
    writeFileSync(join(tmp, 'junk.pub'), 'hello\n');
    expect((await paas(['keys:add', join(tmp, 'junk.pub')])).err).toMatch(/^paas: Not an OpenSSH public key/);
  });

  it('lists releases newest first with user and date', async () => {
    const empty = await paas(['releases'], { cwd: repo });
    expect(empty).toMatchObject({ code: 0, out: 'cli-app has no releases yet. Deploy with: git push paas main' });
    const account = await h.call('GET', '/account', { token: h.adminToken });
    for (const c of ['1111111', '2222222']) {
      const r = await h.call('POST', '/internal/apps/cli-app/releases', {
        token: h.internalToken,
        body: { image: 'paas/app-cli-app:x', processTypes: { web: 'npm start' }, commit: c, user: account.body.id },
      });
      expect(r.status).toBe(201);
    }
    const res = await paas(['releases'], { cwd: repo });
    expect(res.code).toBe(0);
    const lines = res.out.split('\n');
    expect(lines[0]).toBe('=== cli-app Releases');
    expect(lines[1]).toMatch(/^Version +Description +User +Date$/);
    expect(lines[3]).toMatch(/^v2 +Deploy 2222222 +admin@example\.com +\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d UTC$/);
    expect(lines[4]).toMatch(/^v1 +Deploy 1111111 /);
    const json = JSON.parse((await paas(['releases', '-a', 'cli-app', '--json'])).out) as { version: number }[];
    expect(json.map((r) => r.version)).toEqual([1, 2]);
  });

  it('prints the API message and exits 1 on failure; other users see no foreign app', async () => {
    const bad = await paas(['apps:create', 'Bad_Name', '--no-remote']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^paas: Name must start with a letter/);
    const created = await paas(['users:create', 'dev@example.com', '--json']);
    expect(created.code).toBe(0);
    const dev = JSON.parse(created.out) as { token: string; user: { admin: boolean } };
    expect(dev.user.admin).toBe(false);
    const asDev = { PAAS_TOKEN: dev.token };
    expect(await paas(['whoami'], { env: asDev })).toMatchObject({ code: 0, out: 'dev@example.com' });
    expect(await paas(['apps:info', '-a', 'cli-app'], { env: asDev })).toMatchObject({
      code: 1,
      err: "paas: Couldn't find that app.",
    });
    expect(await paas(['users:create', 'x@example.com'], { env: asDev })).toMatchObject({
      code: 1,
      err: 'paas: This action needs an admin account.',
    });
  });

  it('names the API URL when it cannot reach it', async () => {
    const res = await paas(['apps'], { env: { PAAS_API_URL: 'http://127.0.0.1:9999' } });
    expect(res.code).toBe(1);
    expect(res.err).toMatch(/^paas: Could not reach the paas API at http:\/\/127\.0\.0\.1:9999/);
  });

  it('prints the token it uses (auth:token): PAAS_TOKEN first, then the saved one', async () => {
    const saved = await paas(['auth:token']);
    expect(saved.code).toBe(0);
    expect(saved.out).toMatch(/^\S{20,}$/);
    expect(await paas(['whoami'], { env: { PAAS_TOKEN: saved.out } })).toMatchObject({ code: 0 });
    expect(await paas(['auth:token'], { env: { PAAS_TOKEN: 'from-env' } })).toMatchObject({ code: 0, out: 'from-env' });
  });

  it('logs out', async () => {
    expect(await paas(['logout'])).toMatchObject({ code: 0, out: 'Logged out' });
    expect(await paas(['auth:token'])).toMatchObject({ code: 1, err: 'paas: Not logged in. Run `paas login` first.' });
    expect(await paas(['whoami'])).toMatchObject({ code: 1, err: 'paas: Not logged in. Run `paas login` first.' });
  });
});

describe('the built paas binary', () => {
  const bin = CLI;

  // asynchronously: the controller answering it runs in this very process
  async function bin_(args: string[], env: NodeJS.ProcessEnv): Promise<BinResult> {
    return runBin(args, env);
  }

  it('runs as a process: exit 0 with output, exit 1 with the API message', async () => {
    expect(existsSync(bin)).toBe(true);
    const env = {
      ...process.env,
      HOME: home,
      PAAS_CONFIG_DIR: join(tmp, 'bin-config'),
      PAAS_API_URL: h.url,
      PAAS_TOKEN: h.adminToken,
    };
    const ok = await bin_(['apps:info', '-a', 'cli-app', '--json'], env);
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ name: 'cli-app' });
    const bad = await bin_(['apps:info', '-a', 'nope-app'], env);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe("paas: Couldn't find that app.\n");
    expect(bad.stdout).toBe('');
  });
});
