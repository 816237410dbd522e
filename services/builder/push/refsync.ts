import { spawn } from 'node:child_process';
import { DEPLOY_REFS } from './hooklines.js';

// Several builders (HA) each keep a bare repo per app: the one that took the
// last push is current, another may be behind (or have none). Which commit
// the app runs is shared, in etcd: its latest release's commit. Before
// receive-pack advertises the repo's refs, each deploy ref that names another
// commit is moved to the release's commit when this repo has that commit, or
// deleted when it does not: the pusher's git then sees what the app runs (it
// sends what lies beyond it), or nothing (it sends everything, as to a first
// push). Either way git on the pusher's side judges fast-forward against the
// commit the platform really runs, not a stale ref of one builder, and the
// pushed commit is what gets built.

export type RefAction = { ref: string; action: 'moved' | 'dropped'; from: string };

/** Deploy refs of the repo that differ from `commit` moved to it (when present) or deleted; what was done. */
export async function alignDeployRefs(repo: string, commit: string | undefined): Promise<RefAction[]> {
  if (!commit || !/^[0-9a-f]{40}$/.test(commit)) return [];
  const done: RefAction[] = [];
  let present: boolean | undefined;
  for (const ref of DEPLOY_REFS) {
    const cur = (await git(repo, ['rev-parse', '-q', '--verify', `${ref}^{commit}`])).out.trim();
    if (cur === '' || cur === commit) continue;
    present ??= (await git(repo, ['cat-file', '-e', `${commit}^{commit}`])).code === 0;
    if (present) {
      await must(repo, ['update-ref', ref, commit, cur]);
      done.push({ ref, action: 'moved', from: cur });
    } else {
      await must(repo, ['update-ref', '-d', ref, cur]);
      done.push({ ref, action: 'dropped', from: cur });
    }
  }
  return done;
}

async function must(repo: string, args: string[]): Promise<void> {
  const r = await git(repo, args);
  if (r.code !== 0) throw new Error(`git ${args.join(' ')} failed (${r.code}): ${r.err.trim()}`);
}

function git(repo: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['--git-dir', repo, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, out, err }));
  });
}
