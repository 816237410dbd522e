import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitApp, makeKey, run, startHarness, type Harness } from '../harness.js';

// Authentication and the refusals that happen before any build: real git over
// real ssh to the builder's ssh2 server.

describe('builder: ssh and pushes it refuses', () => {
  let h: Harness;
  let alice: { path: string; fingerprint: string };
  let stranger: { path: string; fingerprint: string };
  let work: string;

  beforeAll(async () => {
    h = await startHarness();
    alice = await makeKey(h.dir, 'alice');
    stranger = await makeKey(h.dir, 'stranger');
    h.controller.users.set(alice.fingerprint, { id: 'u-alice', email: 'alice@example.com' });
    h.controller.users.set('SHA256:other', { id: 'u-bob', email: 'bob@example.com' });
    h.controller.apps.set('alice-app', { owner: 'u-alice', config: {} });
    h.controller.apps.set('bob-app', { owner: 'u-bob', config: {} });
    work = join(h.dir, 'work');
    await mkdir(work);
    await commitApp(work, { 'package.json': '{"name":"x","version":"1.0.0"}\n' });
  });

  afterAll(async () => {
    await h?.close();
  });

  it('refuses a key nobody registered', async () => {
    const r = await h.push({ key: stranger.path, app: 'alice-app', cwd: work });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Permission denied \(publickey\)/);
    const asked = h.controller.requests.filter((q) => q.path === '/internal/authorize').map((q) => q.body);
    expect(asked).toContainEqual({ fingerprint: stranger.fingerprint });
    expect(
      h.controller.requests.every((q) => q.auth === h.controller.requests[0]?.auth && q.auth?.startsWith('Bearer ')),
    ).toBe(true);
  });

  it('says when the app does not exist or is not yours', async () => {
    const missing = await h.push({ key: alice.path, app: 'no-such-app', cwd: work });
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('App not found');
    const theirs = await h.push({ key: alice.path, app: 'bob-app', cwd: work });
    expect(theirs.code).not.toBe(0);
    expect(theirs.stderr).toContain('You do not have access to bob-app');
  });

  it('refuses shells and other commands with a message and status 1', async () => {
    const sshArgs = [
      '-i',
      alice.path,
      '-o',
      'IdentitiesOnly=yes',
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
      '-o',
      'LogLevel=ERROR',
      '-p',
      String(h.builder.sshPort),
      'git@127.0.0.1',
    ];
    const ls = await run('ssh', [...sshArgs, 'ls', '/']);
    expect(ls.code).toBe(1);
    expect(ls.stderr).toContain('Only git push is supported');
    const fetch = await run('ssh', [...sshArgs, "git-upload-pack '/alice-app.git'"]);
    expect(fetch.code).toBe(1);
    expect(fetch.stderr).toContain('not supported yet');
  });

  it('refuses branches other than main and master, and does not build them', async () => {
    const r = await h.push({ key: alice.path, app: 'alice-app', cwd: work, ref: 'main:feature' });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('remote:  !     Pushing to refs/heads/feature is not allowed');
    expect(r.stderr).toMatch(/pre-receive hook declined/);
    const ref = await run('git', [
      '--git-dir',
      join(h.stateDir, 'repos', 'alice-app.git'),
      'rev-parse',
      '--verify',
      '-q',
      'refs/heads/feature',
    ]);
    expect(ref.code).not.toBe(0);
    expect(h.controller.releaseRequests()).toEqual([]);
  });
});
