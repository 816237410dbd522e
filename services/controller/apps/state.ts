import { ACTIVE_BUILD_STALE_MS, type ActiveBuild } from '../../core/builds.js';
import type { Store } from '../../core/store.js';
import type { App, Formation, Release, ReleaseStatusRecord, Route } from '../../core/types.js';
import type { AppInfo } from '../../core/api.js';

// AppInfo.state: what the app is doing, for a list of many apps. Read from
// what GET /apps reads anyway (the routes), one range read each of the
// formations and of the builds in progress (/active-builds/), and, only for
// an app whose latest release its route does not serve, its release status
// record and (when there is none yet) the release itself.

export type AppState = AppInfo['state'];

/** What became of the latest release when its route does not serve it: `unbuilt`, a config-only one before any build. */
export type LatestOutcome = 'pending' | 'succeeded' | 'failed' | 'unbuilt';

export interface StateInputs {
  latestRelease: number;
  route?: (Pick<Route, 'state'> & Partial<Pick<Route, 'dynos'>>) | undefined;
  formation?: Formation | undefined;
  building: boolean;
  /** Only when the route does not serve the latest release; undefined: it does (or there is none). */
  latest?: LatestOutcome | undefined;
}

/**
 * deploying: a build, or a release's rollout, in progress; sleeping / crashed: as the route says; idle: nothing to
 * run (no release, nothing built, every quantity 0); running: dynos serve, or only non-web ones are asked for;
 * crashed too when web dynos are asked for and none serves with nothing deploying. Pure.
 */
export function appState(i: StateInputs): AppState {
  if (i.building || i.latest === 'pending') return 'deploying';
  if (i.route?.state === 'sleeping') return 'sleeping';
  if (i.route?.state === 'crashed') return 'crashed';
  if (i.latestRelease === 0 || i.latest === 'unbuilt') return 'idle';
  const quantities = Object.entries(i.formation ?? {});
  if (quantities.every(([, e]) => e.quantity === 0)) return 'idle';
  if ((i.route?.dynos?.length ?? 0) > 0 || i.route?.state === 'waking') return 'running';
  return (i.formation?.web?.quantity ?? 0) === 0 ? 'running' : 'crashed';
}

/** Whether the marker names a build still running at `now` (ms). Pure. */
export function buildActive(marker: ActiveBuild | undefined, now: number): boolean {
  return marker !== undefined && now - Date.parse(marker.at) < ACTIVE_BUILD_STALE_MS;
}

/** The served release (the route's), 0 when none. */
function served(route: Pick<Route, 'release'> | undefined): number {
  return route?.release ?? 0;
}

/** The latest release's outcome when the route does not serve it (one or two gets); undefined when it does. */
export async function latestOutcome(
  store: Store,
  app: Pick<App, 'name' | 'latestRelease'>,
  route: Pick<Route, 'release'> | undefined,
): Promise<LatestOutcome | undefined> {
  if (app.latestRelease === 0 || served(route) >= app.latestRelease) return undefined;
  const status = await store.get<ReleaseStatusRecord>(store.keys.releaseStatus(app.name, app.latestRelease));
  if (status?.status === 'failed') return 'failed';
  if (status?.status === 'succeeded') return 'succeeded';
  const release = await store.get<Release>(store.keys.release(app.name, app.latestRelease));
  return release && release.image === '' ? 'unbuilt' : 'pending';
}

/** What appState needs of every app at once: two range reads (formations, builds in progress). */
export async function stateReads(
  store: Store,
): Promise<{ formations: Map<string, Formation>; building: Map<string, ActiveBuild> }> {
  const [formations, building] = await Promise.all([
    store.range<Formation>(store.keys.formation('')),
    store.range<ActiveBuild>(store.keys.activeBuilds()),
  ]);
  const name = (key: string, prefix: string) => key.slice(prefix.length);
  return {
    formations: new Map(formations.entries.map((e) => [name(e.key, store.keys.formation('')), e.value])),
    building: new Map(building.entries.map((e) => [name(e.key, store.keys.activeBuilds()), e.value])),
  };
}
