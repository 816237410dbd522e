// The pre-receive hook's input: one "<old> <new> <ref>" line per updated ref.
// Pure, and free of imports outside this folder: the hook runs as its own
// small process.

export interface RefUpdate {
  oldSha: string;
  newSha: string;
  ref: string;
}

export const ZERO_SHA = /^0+$/;
const SHA = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;
export const DEPLOY_REFS = ['refs/heads/main', 'refs/heads/master'];

export type ParsedLines = { ok: true; updates: RefUpdate[] } | { ok: false; message: string };

export function parseHookLines(text: string): ParsedLines {
  const updates: RefUpdate[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const parts = line.trim().split(' ');
    const [oldSha, newSha, ref] = parts;
    if (parts.length !== 3 || !oldSha || !newSha || !ref || !SHA.test(oldSha) || !SHA.test(newSha)) {
      return { ok: false, message: `Unexpected input from git: ${JSON.stringify(line.slice(0, 100))}` };
    }
    updates.push({ oldSha, newSha, ref });
  }
  return { ok: true, updates };
}

export type PushPlan = { ok: true; commit: string; ref: string } | { ok: false; message: string };

/** What to build for a push: exactly one new commit on main or master; deletes and other refs are refused. */
export function planPush(updates: RefUpdate[]): PushPlan {
  if (updates.length === 0) return { ok: false, message: 'Nothing to deploy' };
  for (const u of updates) {
    if (!DEPLOY_REFS.includes(u.ref))
      return { ok: false, message: `Pushing to ${u.ref} is not allowed; push to main (git push paas HEAD:main)` };
    if (ZERO_SHA.test(u.newSha)) return { ok: false, message: `Deleting ${u.ref} is not allowed` };
  }
  if (updates.length > 1) return { ok: false, message: 'Push one of main or master at a time' };
  const u = updates[0] as RefUpdate;
  return { ok: true, commit: u.newSha, ref: u.ref };
}
