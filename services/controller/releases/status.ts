import type { App, Release, ReleaseStatusRecord, Route } from '../../core/types.js';
import type { Deps } from '../deps.js';

// A release's status as Heroku's API shows it: `pending` (the latest, not yet
// serving), `succeeded` or `failed` (with the reason), from the scheduler's
// /release-status/ records and the app's route.

export type ReleaseState = 'pending' | 'succeeded' | 'failed';

export interface ReleaseStatusFields {
  status: ReleaseState;
  /** Why it failed ("web.1 crashed (exit 1) 3 times"); null unless failed. */
  failure: string | null;
}

/**
 * The status of release `version`, given its record (if any), the app's
 * latest version and the version its route serves; pure. A release with no
 * record that is not the latest, or that is served, succeeded (releases from
 * before the scheduler wrote records, or replaced before they came up).
 */
export function releaseStatusOf(
  version: number,
  record: Pick<ReleaseStatusRecord, 'status' | 'reason'> | undefined,
  latest: number,
  serving: number,
  image = 'x',
): ReleaseStatusFields {
  if (record?.status === 'failed') return { status: 'failed', failure: record.reason ?? 'failed' };
  // A config-only release before the first build has nothing to deploy.
  if (record?.status === 'succeeded' || version < latest || serving >= version || image === '')
    return { status: 'succeeded', failure: null };
  return { status: 'pending', failure: null };
}

/** The status of each of the app's releases (two reads: the records and the route). */
export async function releaseStatusesOf(
  deps: Deps,
  app: App,
): Promise<(release: Pick<Release, 'version' | 'image'>) => ReleaseStatusFields> {
  const { store } = deps;
  const [records, route] = await Promise.all([
    store.list<ReleaseStatusRecord>(store.keys.releaseStatuses(app.name)),
    store.get<Route>(store.keys.route(app.name)),
  ]);
  const byVersion = new Map(records.map((r) => [r.version, r]));
  const serving = route?.release ?? 0;
  return (r) => releaseStatusOf(r.version, byVersion.get(r.version), app.latestRelease, serving, r.image);
}
