import type { RunRequest } from '../core/runs.js';
import type { KeyLayout } from '../core/keys.js';
import type { StateReader, Store, Write } from '../core/store.js';
import type { Release } from '../core/types.js';
import type { LatestRelease, RunInput } from './model.js';

// The run requests and the releases they name, from the planner's reader
// (state.ts), for planRuns.

export function runsOf(r: StateReader, k: KeyLayout, toLatest: (r: Release) => LatestRelease): RunInput[] {
  return r.list<RunRequest>(k.runs()).map((request): RunInput => {
    const release = r.get<Release>(k.release(request.app, request.release));
    return release ? { request, release: toLatest(release) } : { request };
  });
}

/** The deletes of a plan's ended runs. */
export function runDeletes(store: Store, deleteRuns: readonly { app: string; name: string }[] | undefined): Write[] {
  return (deleteRuns ?? []).map((r) => ({ delete: store.keys.run(r.app, r.name) }));
}
