import type { RunRequest } from '../core/runs.js';
import type { Store, Write } from '../core/store.js';
import type { Release } from '../core/types.js';
import type { LatestRelease, RunInput } from './model.js';

// Reads the run requests and the releases they name at one etcd revision
// (state.ts's snapshot), for planRuns.

export async function loadRuns(
  store: Store,
  rev: string,
  toLatest: (r: Release) => LatestRelease,
): Promise<RunInput[]> {
  const requests = (await store.range<RunRequest>(store.keys.runs(), rev)).entries.map((e) => e.value);
  const releases = new Map<string, Promise<Release | undefined>>();
  const releaseOf = (app: string, v: number) => {
    const key = store.keys.release(app, v);
    let p = releases.get(key);
    if (!p) {
      p = store.getVersioned<Release>(key, rev).then((r) => r?.value);
      releases.set(key, p);
    }
    return p;
  };
  return Promise.all(
    requests.map(async (request): Promise<RunInput> => {
      const release = await releaseOf(request.app, request.release);
      return release ? { request, release: toLatest(release) } : { request };
    }),
  );
}

/** The deletes of a plan's ended runs. */
export function runDeletes(store: Store, deleteRuns: readonly { app: string; name: string }[] | undefined): Write[] {
  return (deleteRuns ?? []).map((r) => ({ delete: store.keys.run(r.app, r.name) }));
}
