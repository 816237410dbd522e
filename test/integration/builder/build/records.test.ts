import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_DIR } from '../../../support/run.js';
import { commitApp, makeKey, must, stackImagesExist, startHarness, type Harness } from '../harness.js';

// Real pushes (git over ssh, real Docker) of small apps with no dependencies:
// build records reported to the controller, the memory and time limits,
// push rules (forced pushes, other branches, deleting main), cache clear.
// The apps are built by a fixture buildpack that only runs their build.sh
// (test/fixtures/buildpacks/script), so a limit is hit by the script alone,
// not by a language's install (our nodejs buildpack downloads node).

const haveStacks = await stackImagesExist(new Docker());

const MEMORY_HOG = `node -e "const a=[];for(;;)a.push(Buffer.alloc(1<<24,1))"`;
const FORKER = `node -e "for(let i=0;i<400;i++)require('child_process').spawn('sleep',['30'])"`;

async function app(dir: string, buildScript: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  return commitApp(dir, { 'build.sh': `${buildScript}\n` });
}

async function commitAgain(dir: string, message: string, amend = false): Promise<string> {
  await writeFile(join(dir, 'change.txt'), `${message}\n`);
  await must('git', ['add', '-A'], { cwd: dir });
  await must(
    'git',
    [
      '-c',
      'user.name=T',
      '-c',
      'user.email=t@example.com',
      'commit',
      '-q',
      ...(amend ? ['--amend'] : []),
      '-m',
      message,
    ],
    { cwd: dir },
  );
  return (await must('git', ['rev-parse', 'HEAD'], { cwd: dir })).stdout.trim();
}

describe.skipIf(!haveStacks)('builder: build records, limits and push rules', () => {
  let h: Harness;
  let key: { path: string; fingerprint: string };

  beforeAll(async () => {
    h = await startHarness({
      PAAS_BUILDPACKS_DIR: join(REPO_DIR, 'test/fixtures/buildpacks'),
      PAAS_BUILDPACKS: 'script',
      PAAS_BUILD_MEMORY_MB: '256',
      PAAS_BUILD_TIMEOUT_S: '25',
      PAAS_BUILD_PIDS: '150',
      PAAS_BUILD_DISK_MB: '256',
      PAAS_BUILD_CACHE_MB: '64',
    });
    key = await makeKey(h.dir, 'alice');
    h.controller.users.set(key.fingerprint, { id: 'u-alice', email: 'alice@example.com' });
    for (const name of ['rec', 'hog', 'sleepy', 'rules', 'forker', 'filler', 'homefill', 'cachefill'])
      h.controller.apps.set(name, { owner: 'u-alice', config: {} });
  });

  afterAll(async () => {
    await h?.close();
  });

  it('reports a successful build with its commit, pusher, phases, release and output', async () => {
    const work = join(h.dir, 'rec');
    const commit = await app(work, 'echo built-it');
    const r = await h.push({ key: key.path, app: 'rec', cwd: work });
    expect(r.code, r.stderr).toBe(0);
    const builds = [...h.controller.builds.values()].filter((b) => b.app === 'rec');
    expect(builds).toHaveLength(1);
    const b = builds[0];
    expect(b).toMatchObject({
      commit,
      user: { id: 'u-alice', email: 'alice@example.com' },
      status: 'succeeded',
      release: 1,
    });
    expect(Object.keys(b?.phases ?? {}).sort()).toEqual([
      'compile',
      'fetch',
      'image',
      'launch',
      'queue_wait',
      'release',
    ]);
    expect(b?.phases.compile).toBeGreaterThan(0);
    expect(b?.lines).toContain(`-----> Building rec (commit ${commit.slice(0, 7)}, build ${b?.id})`);
    expect(b?.lines.some((l) => l.includes('built-it'))).toBe(true);
    expect(b?.lines).toContain('-----> Released v1');
  });

  it('fails a build that runs out of memory, says which limit, and releases nothing', async () => {
    const work = join(h.dir, 'hog');
    await app(work, MEMORY_HOG);
    const r = await h.push({ key: key.path, app: 'hog', cwd: work });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      'remote:  !     Build failed: it ran out of memory (limit 256 MB; PAAS_BUILD_MEMORY_MB)',
    );
    expect(h.controller.releaseRequests('hog')).toHaveLength(0);
    const b = [...h.controller.builds.values()].find((x) => x.app === 'hog');
    expect(b).toMatchObject({
      status: 'failed',
      failure: 'Build failed: it ran out of memory (limit 256 MB; PAAS_BUILD_MEMORY_MB)',
    });
  });

  it('fails a build that takes longer than the time limit', async () => {
    const work = join(h.dir, 'sleepy');
    await app(work, 'echo sleeping; sleep 600');
    const started = Date.now();
    const r = await h.push({ key: key.path, app: 'sleepy', cwd: work });
    expect(r.code).not.toBe(0);
    expect(Date.now() - started).toBeLessThan(90_000);
    expect(r.stderr).toContain('remote:  !     Build failed: it took longer than 25 s (PAAS_BUILD_TIMEOUT_S)');
    expect(h.controller.releaseRequests('sleepy')).toHaveLength(0);
    const left = await h.docker.listContainers({
      all: true,
      filters: { label: [`paas.cluster=${h.cluster}`, 'paas.app=sleepy'] },
    });
    expect(left).toHaveLength(0);
  });

  it('fails a build that starts too many processes', async () => {
    const work = join(h.dir, 'forker');
    await app(work, FORKER);
    const r = await h.push({ key: key.path, app: 'forker', cwd: work });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      'remote:  !     Build failed: it started too many processes (limit 150; PAAS_BUILD_PIDS)',
    );
    expect(h.controller.releaseRequests('forker')).toHaveLength(0);
  });

  it.each([
    ['filler', 'its folder', 'dd if=/dev/zero of=/tmp/build/fill bs=1M count=300'],
    ['homefill', 'its writable layer', 'dd if=/dev/zero of=$HOME/fill bs=1M count=300'],
    ['cachefill', "the app's cache", 'dd if=/dev/zero of=/tmp/cache/fill bs=1M count=100'],
  ])(
    'fails a build (%s) that fills %s, says which limit, and leaves no filesystem behind',
    async (name, _what, fill) => {
      const work = join(h.dir, name);
      await app(work, fill);
      const r = await h.push({ key: key.path, app: name, cwd: work });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('No space left on device');
      expect(r.stderr).toContain(
        'remote:  !     Build failed: it ran out of disk space (limits: 256 MB for the build, 64 MB for its cache; PAAS_BUILD_DISK_MB, PAAS_BUILD_CACHE_MB)',
      );
      expect(h.controller.releaseRequests(name)).toHaveLength(0);
      const mounts = await readFile('/proc/self/mountinfo', 'utf8');
      expect(mounts).not.toContain(h.stateDir);
      const images = await readdir(join(h.stateDir, 'build-disks'));
      expect(images.filter((f) => f.startsWith('build-'))).toEqual([]);
      expect(images).toContain(`cache-${name}.img`); // kept for the app's next build
    },
  );

  it('refuses a plain non-fast-forward push and deploys a forced one', async () => {
    const work = join(h.dir, 'rules');
    await app(work, 'echo ok');
    expect((await h.push({ key: key.path, app: 'rules', cwd: work })).code).toBe(0);
    const rewritten = await commitAgain(work, 'rewritten', true);
    const plain = await h.push({ key: key.path, app: 'rules', cwd: work });
    expect(plain.code).not.toBe(0);
    expect(plain.stderr).toMatch(/rejected|non-fast-forward|fetch first/);
    expect(h.controller.releaseRequests('rules')).toHaveLength(1);
    const forced = await h.push({ key: key.path, app: 'rules', cwd: work, ref: '+main' });
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toContain('remote: -----> Released v2');
    const head = await must('git', [
      '--git-dir',
      join(h.stateDir, 'repos', 'rules.git'),
      'rev-parse',
      'refs/heads/main',
    ]);
    expect(head.stdout.trim()).toBe(rewritten);
  });

  it('refuses other branches (saying which deploy) and deleting main', async () => {
    const work = join(h.dir, 'rules');
    await must('git', ['branch', '-f', 'feature'], { cwd: work });
    const other = await h.push({ key: key.path, app: 'rules', cwd: work, ref: 'feature' });
    expect(other.code).not.toBe(0);
    expect(other.stderr).toContain(
      'Pushing to refs/heads/feature is not allowed; push to main (git push paas HEAD:main)',
    );
    const del = await h.push({ key: key.path, app: 'rules', cwd: work, ref: ':main' });
    expect(del.code).not.toBe(0);
    expect(del.stderr).toContain('Deleting refs/heads/main is not allowed');
    expect(h.controller.releaseRequests('rules')).toHaveLength(2);
  });

  it('empties the cache before the next build once its generation changed', async () => {
    // The cache lives on the app's own filesystem, mounted only during its builds: the build itself looks.
    const HOLDS_MARKER = /cache holds: [a-z+_. -]*stale-marker/;
    const work = join(h.dir, 'gen');
    h.controller.apps.set('gen', { owner: 'u-alice', config: {} });
    await app(work, `echo "cache holds: $(ls /tmp/cache | tr '\\n' ' ')"; touch /tmp/cache/stale-marker`);
    const first = await h.push({ key: key.path, app: 'gen', cwd: work });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).not.toMatch(HOLDS_MARKER);
    await commitAgain(work, 'same generation');
    const same = await h.push({ key: key.path, app: 'gen', cwd: work });
    expect(same.code, same.stderr).toBe(0);
    expect(same.stderr).toMatch(HOLDS_MARKER);
    expect(same.stderr).not.toContain('build cache was cleared');

    (h.controller.apps.get('gen') as { cacheGeneration?: number }).cacheGeneration = 1;
    await commitAgain(work, 'after a clear');
    const cleared = await h.push({ key: key.path, app: 'gen', cwd: work });
    expect(cleared.code, cleared.stderr).toBe(0);
    expect(cleared.stderr).toContain('The build cache was cleared (builds:cache:clear); this build starts cold');
    expect(cleared.stderr).not.toMatch(HOLDS_MARKER);

    await commitAgain(work, 'no new clear');
    const again = await h.push({ key: key.path, app: 'gen', cwd: work });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toContain('build cache was cleared');
    expect(existsSync(join(h.stateDir, 'build-disks', 'cache-gen.img'))).toBe(true);
  });
});
