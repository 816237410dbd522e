import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_DIR } from '../../../support/run.js';
import { commitApp, makeKey, stackImagesExist, startHarness, type FakeApp, type Harness } from '../harness.js';

// A push whose release fails (the stand-in controller answers release_status
// failed, as the real one does once the scheduler has failed the release):
// "Launching... failed: <reason>; vN keeps serving" and the push fails. The
// release command's output, which the stand-in's log session of the release
// one-off streams, is shown in the push either way.

const haveStacks = await stackImagesExist(new Docker());

describe.skipIf(!haveStacks)('builder: a failed release fails the push', () => {
  let h: Harness;
  let key: string;

  beforeAll(async () => {
    h = await startHarness({
      PAAS_BUILDPACKS_DIR: join(REPO_DIR, 'test/fixtures/buildpacks'),
      PAAS_BUILDPACKS: 'hello',
      PAAS_BUILD_DEPLOY_WAIT_MS: '20000',
    });
    const k = await makeKey(h.dir, 'rf');
    key = k.path;
    h.controller.users.set(k.fingerprint, { id: 'u-rf', email: 'rf@example.com' });
    h.controller.apps.set('rf', { owner: 'u-rf', config: {} });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('says why, names the release that keeps serving and exits non-zero', async () => {
    const dir = join(h.dir, 'src');
    const rf = h.controller.apps.get('rf') as FakeApp;
    rf.releaseLog = {
      earlier: ['output of an earlier release phase'],
      lines: ['migrating...', 'migrated 3 tables'],
      exit: 0,
    };
    await commitApp(dir, { 'hello.txt': 'hi\n', Procfile: 'web: hello && sleep 600\nrelease: exit 2\n' });
    const first = await h.push({ key, app: 'rf', cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    // the release command's output, indented like build output, between its header and the outcome
    const shown = first.stderr.split('\n').map((l) => l.replace(/^remote: /, '').trimEnd());
    const header = shown.indexOf('-----> Running release command: exit 2');
    expect(header, first.stderr).toBeGreaterThan(0);
    expect(shown.slice(header + 1, header + 3)).toEqual(['       migrating...', '       migrated 3 tables']);
    expect(shown[header + 3]).toMatch(/^-----> Release command succeeded \(\d+\.\ds\)$/);
    expect(shown[header + 4]).toMatch(/^-----> Launching\.\.\. done, v1 is serving/);
    expect(first.stderr).not.toContain('earlier release phase');

    rf.releaseFailure = 'release command failed (exit 2)';
    rf.releaseLog = { lines: ['error: relation "users" does not exist'], exit: 2 };
    await commitApp(dir, { 'hello.txt': 'hi again\n', Procfile: 'web: hello && sleep 600\nrelease: exit 2\n' });
    const second = await h.push({ key, app: 'rf', cwd: dir });
    expect(second.code).not.toBe(0);
    expect(second.stderr).toMatch(
      /Running release command: exit 2\s+remote: {8}error: relation "users" does not exist\s+remote:  ! {5}Launching\.\.\. failed: release command failed \(exit 2\); v1 keeps serving/,
    );
    expect(second.stderr).not.toContain('Release command succeeded');
    expect(second.stderr).not.toContain('Build failed');
    const builds = [...h.controller.builds.values()].filter((b) => b.app === 'rf');
    expect(builds.map((b) => b.status)).toEqual(['succeeded', 'failed']);
    expect(builds[1]?.failure).toBe('Launching... failed: release command failed (exit 2); v1 keeps serving');
  });

  it('tells the release command succeeded when the release serves before its exit line is in the log', async () => {
    const dir = join(h.dir, 'src');
    const rf = h.controller.apps.get('rf') as FakeApp;
    delete rf.releaseFailure;
    rf.releaseLog = { lines: ['quick'] };
    await commitApp(dir, {
      'hello.txt': 'hi a third time\n',
      Procfile: 'web: hello && sleep 600\nrelease: echo quick\n',
    });
    const third = await h.push({ key, app: 'rf', cwd: dir });
    expect(third.code, third.stderr).toBe(0);
    expect(third.stderr).toMatch(
      /remote: {8}quick\s+remote: -----> Release command succeeded \(\d+\.\ds\)\s+remote: -----> Launching\.\.\. done, v3 is serving/,
    );
  });
});
