import type { RunRequest } from '../core/runs.js';
import type { Store } from '../core/store.js';
import type { Release } from '../core/types.js';
import type { LatestRelease, RunInput } from './model.js';

// Reads the run requests and the releases they name at one etcd revision
// (state.ts's snapshot), for planRuns.

export async function loadRuns(store: Store, rev: string, toLatest: (r: Release) => LatestRelease): Promise<RunInput[]> {
  const res = await store.etcd.getAll().prefix(store.keys.runs()).revision(rev).exec();
  const requests = res.kvs.map((kv) => JSON.parse(kv.value.toString()) as RunRequest);
  const releases = new Map<string, Promise<Release | undefined>>();
  const releaseOf = (app: string, v: number) => {
    const key = store.keys.release(app, v);
    let p = releases.get(key);
    if (!p) {
      p = store.etcd.get(key).revision(rev).exec().then((r) => (r.kvs[0] ? (JSON.parse(r.kvs[0].value.toString()) as Release) : undefined));
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

/** The etcd delete operations of a plan's ended runs. */
export function runDeletes(store: Store, deleteRuns: readonly { app: string; name: string }[] | undefined) {
  return (deleteRuns ?? []).map((r) => store.etcd.delete().key(store.keys.run(r.app, r.name)));
}
