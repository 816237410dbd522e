import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import git from 'isomorphic-git';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startController, type Harness } from '../controller/harness.js';
import { CLI, runBin, type BinResult } from '../../support/bin.js';
import { paasInProcess } from '../../support/cli.js';

// access, tokens, keys:remove, git:remote and users:create --json against the
// real controller (in-process, real etcd), the CLI in-process with
// PAAS_API_URL/PAAS_TOKEN; and the revoked-token case through the built binary.

let h: Harness;
const tmp = mkdtempSync(join(tmpdir(), 'paas-cli-access-'));
const home = join(tmp, 'home');
const repo = join(tmp, 'project');
let ownerToken = '';
let devToken = '';

interface Result {
  code: number;
  out: string;
  err: string;
}

/** `paas ...` in-process as the holder of `token` (PAAS_API_URL and PAAS_TOKEN, no saved login). */
async function paas(token: string, args: string[], cwd = tmp): Promise<Result> {
  return paasInProcess(args, {
    env: { HOME: home, PAAS_CONFIG_DIR: join(tmp, 'no-login'), PAAS_API_URL: h.url, PAAS_TOKEN: token },
    cwd: cwd,
    home: home,
  });
}

beforeAll(async () => {
  h = await startController('cli-access');
  mkdirSync(join(home, '.ssh'), { recursive: true });
  mkdirSync(repo, { recursive: true });
  await git.init({ fs, dir: repo, defaultBranch: 'main' });
});
afterAll(async () => {
  await h?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('users:create --json', () => {
  it('gives {name, token} (the name is the email) and the user', async () => {
    const res = await paas(h.adminToken, ['users:create', 'Owner@Example.com', '--json']);
    expect(res.code).toBe(0);
    const created = JSON.parse(res.out) as { name: string; token: string; user: { email: string; admin: boolean } };
    expect(created).toEqual({
      name: 'owner@example.com',
      token: expect.any(String),
      user: expect.objectContaining({ email: 'owner@example.com', admin: false }),
    });
    ownerToken = created.token;
    expect(await paas(ownerToken, ['whoami'])).toMatchObject({ code: 0, out: 'owner@example.com' });
    devToken = (
      JSON.parse((await paas(h.adminToken, ['users:create', 'dev@example.com', '--json'])).out) as { token: string }
    ).token;
  });
});

describe('access', () => {
  it('adds a collaborator, who then sees the app; lists owner and collaborators', async () => {
    expect((await paas(ownerToken, ['apps:create', 'team-app', '--no-remote'])).code).toBe(0);
    expect(await paas(devToken, ['apps:info', '-a', 'team-app'])).toMatchObject({
      code: 1,
      err: "paas: Couldn't find that app.",
    });
    expect(await paas(ownerToken, ['access:add', 'dev@example.com', '-a', 'team-app'])).toEqual({
      code: 0,
      out: 'Adding dev@example.com access to the app team-app... done',
      err: '',
    });
    expect((await paas(devToken, ['apps:info', '-a', 'team-app'])).code).toBe(0);
    const text = await paas(devToken, ['access', '-a', 'team-app']);
    expect(text.code).toBe(0);
    expect(text.out.split('\n')).toEqual([
      '=== team-app Access',
      expect.stringMatching(/^Email +Role$/),
      expect.stringMatching(/^─+ +─+$/),
      expect.stringMatching(/^owner@example\.com +owner$/),
      expect.stringMatching(/^dev@example\.com +collaborator$/),
    ]);
    const json = JSON.parse((await paas(ownerToken, ['access', '-a', 'team-app', '--json'])).out) as {
      role: string;
      user: { email: string };
    }[];
    expect(json.map((c) => [c.user.email, c.role])).toEqual([
      ['owner@example.com', 'owner'],
      ['dev@example.com', 'collaborator'],
    ]);
  });

  it("prints the API's message and exits 1 when refused", async () => {
    expect(await paas(devToken, ['access:add', 'owner@example.com', '-a', 'team-app'])).toMatchObject({
      code: 1,
      err: 'paas: Only the owner of team-app can manage collaborators.',
    });
    expect(await paas(ownerToken, ['access:add', 'nobody@example.com', '-a', 'team-app'])).toMatchObject({
      code: 1,
      err: "paas: Couldn't find that user.",
    });
    expect(await paas(ownerToken, ['access:add', 'dev@example.com', '-a', 'team-app'])).toMatchObject({
      code: 1,
      err: 'paas: dev@example.com is already a collaborator on team-app.',
    });
    expect(await paas(ownerToken, ['access:add', 'not-an-email', '-a', 'team-app'])).toMatchObject({
      code: 1,
      err: 'paas: Not an email address: not-an-email',
    });
  });

  it('removes a collaborator, who loses the app', async () => {
    expect(await paas(ownerToken, ['access:remove', 'dev@example.com', '-a', 'team-app'])).toMatchObject({
      code: 0,
      out: 'Removing dev@example.com access from the app team-app... done',
    });
    expect(await paas(devToken, ['apps:info', '-a', 'team-app'])).toMatchObject({
      code: 1,
      err: "paas: Couldn't find that app.",
    });
    expect(await paas(ownerToken, ['access:remove', 'dev@example.com', '-a', 'team-app'])).toMatchObject({
      code: 1,
      err: 'paas: dev@example.com is not a collaborator on team-app.',
    });
  });
});

describe('tokens', () => {
  it('creates a token shown once, lists it, revokes it; the revoked PAAS_TOKEN then fails with the API message', async () => {
    const created = await paas(devToken, ['tokens:create', '--description', 'ci']);
    expect(created.code).toBe(0);
    const [line1, line2, line3] = created.out.split('\n');
    const id = /^Created token ([0-9a-f-]{36}) \(ci\)$/.exec(line1 ?? '')?.[1];
    const token = /^Token: (\S+)$/.exec(line2 ?? '')?.[1];
    expect(id && token).toBeTruthy();
    expect(line3).toBe('(it is not shown again)');
    expect(await paas(token!, ['whoami'])).toMatchObject({ code: 0, out: 'dev@example.com' });

    const list = await paas(devToken, ['tokens']);
    expect(list.out).toMatch(new RegExp(`^${id} +…${token!.slice(-4).replace(/[-]/g, '\\-')} +ci +\\d{4}/`, 'm'));
    expect(list.out).not.toContain(token);
    const json = JSON.parse((await paas(devToken, ['tokens', '--json'])).out) as { id: string; description: string }[];
    expect(json.map((t) => t.description)).toEqual(['first token', 'ci']);

    expect(await paas(devToken, ['tokens:revoke', id!])).toMatchObject({
      code: 0,
      out: `Revoking token ${id}... done`,
    });
    expect(await paas(token!, ['whoami'])).toEqual({ code: 1, out: '', err: 'paas: Invalid credentials provided.' });
    expect(await paas(devToken, ['tokens:revoke', id!])).toMatchObject({
      code: 1,
      err: "paas: Couldn't find that token.",
    });
    expect(await paas(devToken, ['tokens:revoke', 'nope'])).toMatchObject({
      code: 1,
      err: 'paas: Not a token id: nope (see `paas tokens`)',
    });
  });

  it('prints {id, token, description, created_at, expires_at} with --json', async () => {
    const res = await paas(devToken, ['tokens:create', '--json']);
    expect(JSON.parse(res.out)).toEqual({
      id: expect.any(String),
      token: expect.any(String),
      description: '',
      created_at: expect.any(String),
      expires_at: null,
      last4: expect.any(String),
    });
  });
});

describe('keys:remove', () => {
  it('removes a key by comment or by fingerprint; an unknown one gets the API message', async () => {
    const keyFile = (name: string, comment: string) => {
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', join(home, '.ssh', name)]);
      const fp = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(home, '.ssh', `${name}.pub`)], {
        encoding: 'utf8',
      }).split(' ')[1] as string;
      return { file: join(home, '.ssh', `${name}.pub`), fp };
    };
    const a = keyFile('a', 'dev@laptop');
    const b = keyFile('b', 'dev@desk');
    expect((await paas(devToken, ['keys:add', a.file])).code).toBe(0);
    expect((await paas(devToken, ['keys:add', b.file])).code).toBe(0);
    expect(await paas(ownerToken, ['keys:remove', a.fp])).toMatchObject({
      code: 1,
      err: "paas: Couldn't find that SSH key.",
    });
    expect(await paas(devToken, ['keys:remove', 'dev@laptop'])).toMatchObject({
      code: 0,
      out: `Removing ${a.fp} SSH key... done`,
    });
    expect(await paas(devToken, ['keys:remove', b.fp])).toMatchObject({
      code: 0,
      out: `Removing ${b.fp} SSH key... done`,
    });
    expect((await paas(devToken, ['keys'])).out).toMatch(/no SSH keys/);
    expect(await paas(devToken, ['keys:remove', b.fp])).toMatchObject({
      code: 1,
      err: "paas: Couldn't find that SSH key.",
    });
  });
});

describe('git:remote', () => {
  it('adds the paas remote, updates it, or adds another name with -r', async () => {
    expect((await paas(ownerToken, ['apps:create', 'other-app', '--no-remote'])).code).toBe(0);
    const url = (app: string) => `ssh://git@127.0.0.1:2222/${app}.git`;
    const remotes = async () =>
      Object.fromEntries((await git.listRemotes({ fs, dir: repo })).map((r) => [r.remote, r.url]));
    expect(await paas(ownerToken, ['git:remote', '-a', 'team-app'], repo)).toMatchObject({
      code: 0,
      out: `set git remote paas to ${url('team-app')}`,
    });
    expect(await remotes()).toEqual({ paas: url('team-app') });
    expect(await paas(ownerToken, ['git:remote'], repo)).toMatchObject({
      code: 0,
      out: `git remote paas already points to ${url('team-app')}`,
    });
    expect((await paas(ownerToken, ['git:remote', '-a', 'other-app'], repo)).code).toBe(0);
    expect((await paas(ownerToken, ['git:remote', '-a', 'team-app', '-r', 'staging'], repo)).out).toBe(
      `set git remote staging to ${url('team-app')}`,
    );
    expect(await remotes()).toEqual({ paas: url('other-app'), staging: url('team-app') });
  });

  it('refuses outside a repository, a bad remote name, and an app the caller cannot see', async () => {
    expect((await paas(ownerToken, ['git:remote', '-a', 'team-app'], home)).err).toMatch(
      /is not inside a git repository/,
    );
    expect(await paas(ownerToken, ['git:remote', '-a', 'team-app', '-r', '../x'], repo)).toMatchObject({
      code: 1,
      err: 'paas: Not a valid git remote name: ../x',
    });
    expect(await paas(devToken, ['git:remote', '-a', 'team-app', '-r', 'x'], repo)).toMatchObject({
      code: 1,
      err: "paas: Couldn't find that app.",
    });
    expect(
      Object.keys(Object.fromEntries((await git.listRemotes({ fs, dir: repo })).map((r) => [r.remote, r.url]))),
    ).not.toContain('x');
  });
});

describe('the built paas binary', () => {
  const bin = CLI;

  // asynchronously: the controller answering it runs in this very process
  async function bin_(args: string[], token: string): Promise<BinResult> {
    const env = {
      ...process.env,
      HOME: home,
      PAAS_CONFIG_DIR: join(tmp, 'bin-config'),
      PAAS_API_URL: h.url,
      PAAS_TOKEN: token,
    };
    return runBin(args, env);
  }

  it('creates and revokes a token; a revoked PAAS_TOKEN exits 1 with the API message', async () => {
    expect(existsSync(bin)).toBe(true);
    const created = await bin_(['tokens:create', '--description', 'bin', '--json'], devToken);
    expect(created.status).toBe(0);
    const { id, token } = JSON.parse(created.stdout) as { id: string; token: string };
    expect(await bin_(['whoami'], token)).toEqual({ status: 0, stdout: 'dev@example.com\n', stderr: '' });
    expect((await bin_(['tokens:revoke', id], devToken)).stdout).toBe(`Revoking token ${id}... done\n`);
    expect(await bin_(['whoami'], token)).toEqual({
      status: 1,
      stdout: '',
      stderr: 'paas: Invalid credentials provided.\n',
    });
    expect(await bin_(['access', '-a', 'team-app'], token)).toEqual({
      status: 1,
      stdout: '',
      stderr: 'paas: Invalid credentials provided.\n',
    });
  });
});
