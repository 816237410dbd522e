import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { alignDeployRefs } from '../../../../services/builder/push/refsync.js';

// A builder's repo against the commit the app runs (services/builder/push/refsync.ts), with real git: a ref behind
// moves to the release's commit when the repo has it; a repo without that commit drops the ref (the next push sends
// everything, as a first push); a repo already there, or no commit known, is left alone.

const work = mkdtempSync(join(tmpdir(), 'paas-refsync-'));
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@x',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@x',
    },
  }).trim();
const src = join(work, 'src');
git(work, 'init', '-q', '-b', 'main', src);
const commit = (text: string) => {
  writeFileSync(join(src, 'f'), text);
  git(src, 'add', 'f');
  git(src, 'commit', '-qm', text);
  return git(src, 'rev-parse', 'HEAD');
};
const a = commit('a');
const b = commit('b');
/** A bare repo holding main at `at` (and what leads to it). */
const repo = (name: string, at: string) => {
  const dir = join(work, `${name}.git`);
  git(work, 'init', '-q', '--bare', '-b', 'main', dir);
  git(src, 'push', '-q', dir, `${at}:refs/heads/main`);
  return dir;
};
const main = (dir: string) => git(dir, 'rev-parse', '-q', '--verify', 'refs/heads/main^{commit}');

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('alignDeployRefs', () => {
  it('moves a ref that is behind to the release’s commit when the repo has it', async () => {
    const dir = repo('behind', b);
    git(dir, 'update-ref', 'refs/heads/main', a);
    expect(await alignDeployRefs(dir, b)).toEqual([{ ref: 'refs/heads/main', action: 'moved', from: a }]);
    expect(main(dir)).toBe(b);
  });

  it('drops a ref when the repo lacks the release’s commit (another builder took that push)', async () => {
    const dir = repo('stale', a);
    expect(await alignDeployRefs(dir, b)).toEqual([{ ref: 'refs/heads/main', action: 'dropped', from: a }]);
    expect(() => main(dir)).toThrow();
  });

  it('leaves a current repo, an empty one and an unknown commit alone', async () => {
    const dir = repo('current', b);
    expect(await alignDeployRefs(dir, b)).toEqual([]);
    expect(await alignDeployRefs(dir, undefined)).toEqual([]);
    expect(await alignDeployRefs(dir, 'not-a-sha')).toEqual([]);
    const empty = join(work, 'empty.git');
    git(work, 'init', '-q', '--bare', empty);
    expect(await alignDeployRefs(empty, b)).toEqual([]);
    expect(main(dir)).toBe(b);
  });
});
