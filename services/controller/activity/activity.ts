import { randomUUID } from 'node:crypto';
import { withEvent, type AppEvent, type AppEventKind, type AppEventLog } from '../../core/appevents.js';
import type { BuildRecord } from '../../core/builds.js';
import { invalid } from '../../core/errors.js';
import { releaseId } from '../../core/ids.js';
import type { Logger } from '../../core/logger.js';
import type { App, Release, User } from '../../core/types.js';
import type { ActivityView, FormationEntryView } from '../../core/api.js';
import { userLookup } from '../apps/apps.js';
import type { Deps } from '../deps.js';

// An app's activity feed (GET /apps/:app/activity): its builds and releases
// as their records keep them, and the events the controller records as they
// happen (core/appevents.ts: scale, restart, policy, maintenance, domain),
// merged newest first.

export const DEFAULT_ACTIVITY = 50;
export const MAX_ACTIVITY = 200;

/** `?limit=N`: a whole number from 1 to 200; 50 when absent. Pure. */
export function parseActivityLimit(raw: unknown): number {
  if (raw === undefined || raw === '') return DEFAULT_ACTIVITY;
  const n = typeof raw === 'string' && /^\d{1,4}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_ACTIVITY)
    throw invalid(`limit must be a whole number from 1 to ${MAX_ACTIVITY}, got ${JSON.stringify(raw)}`);
  return n;
}

/** `Build 3f2a1c0 succeeded`, `Build 3f2a1c0 failed`, `Building 3f2a1c0`. Pure. */
export function buildActivity(b: BuildRecord): ActivityView {
  const sha = b.commit.slice(0, 7);
  const description =
    b.status === 'succeeded' || b.status === 'failed' ? `Build ${sha} ${b.status}` : `Building ${sha}`;
  return {
    id: b.id,
    at: b.createdAt,
    kind: 'build',
    user: { email: b.user.email || null },
    description,
    build: { id: b.id, status: b.status },
    ...(b.release !== null && { release: { version: b.release } }),
  };
}

/** A release as the feed shows it, with the email of who made it (null: unknown). Pure. */
export function releaseActivity(r: Release, email: string | null): ActivityView {
  return {
    id: releaseId(r.app, r.version),
    at: r.createdAt,
    kind: 'release',
    user: { email },
    description: r.description || `Release v${r.version}`,
    release: { version: r.version },
  };
}

export function eventActivity(e: AppEvent): ActivityView {
  return { id: e.id, at: e.at, kind: e.kind, user: { email: e.user.email }, description: e.description };
}

/**
 * The newest `limit` entries of all the lists, newest first. Entries of the same time keep the order of the lists
 * and, within one, their own: the sort is stable. Pure.
 */
export function mergeActivity(lists: readonly (readonly ActivityView[])[], limit: number): ActivityView[] {
  const time = (a: ActivityView) => Date.parse(a.at) || 0;
  return lists
    .flat()
    .map((a, i) => ({ a, t: time(a), i }))
    .sort((x, y) => y.t - x.t || x.i - y.i)
    .slice(0, limit)
    .map(({ a }) => a);
}

/** `Scaled web to 2:standard-1x, worker to 1:standard-2x`. Pure. */
export function scaleDescription(entries: readonly FormationEntryView[]): string {
  return `Scaled ${entries.map((e) => `${e.type} to ${e.quantity}:${e.size}`).join(', ')}`;
}

/** `Restarted all dynos`, `Restarted web dynos`, `Restarted web.1` (restartDynos's target). Pure. */
export function restartDescription(target: string): string {
  if (target === 'all') return 'Restarted all dynos';
  return target.includes('.') ? `Restarted ${target}` : `Restarted ${target} dynos`;
}

/** The email of a release's maker: its user's, or for the builder's the pusher of its build. */
async function releaseEmail(
  r: Release,
  lookup: (id: string) => Promise<User | undefined>,
  builds: ReadonlyMap<string, BuildRecord>,
): Promise<string | null> {
  if (r.createdBy === 'builder') return (r.buildId && builds.get(r.buildId)?.user.email) || null;
  return (await lookup(r.createdBy))?.email ?? null;
}

/** GET /apps/:app/activity: three range reads (builds, releases, events), and a user read per release author. */
export async function activityOf(deps: Deps, app: App, limit: number): Promise<ActivityView[]> {
  const { store } = deps;
  const [builds, releases, events] = await Promise.all([
    store.list<BuildRecord>(store.keys.builds(app.name)),
    store.listReleases(app.name),
    store.get<AppEventLog>(store.keys.appEvents(app.name)),
  ]);
  const byId = new Map(builds.map((b) => [b.id, b]));
  const lookup = userLookup(deps);
  const newest = releases.slice(-limit).reverse(); // by version: newest last
  const releaseViews = await Promise.all(
    newest.map(async (r) => releaseActivity(r, await releaseEmail(r, lookup, byId))),
  );
  const eventViews = (events?.events ?? []).map(eventActivity).reverse();
  const buildViews = builds.map(buildActivity).reverse(); // ids sort by time
  return mergeActivity([releaseViews, buildViews, eventViews], limit);
}

/**
 * Records an event of the app (kept with the newest APP_EVENTS_KEPT) in one compare-and-swap with the app record, so
 * that nothing is written for an app destroyed meanwhile. The change itself is made already: a failure is only logged.
 */
export async function recordEvent(
  deps: Pick<Deps, 'store'>,
  log: Logger,
  appName: string,
  event: { kind: AppEventKind; user: User; description: string },
  now = new Date(),
): Promise<void> {
  const { store } = deps;
  const key = store.keys.appEvents(appName);
  const entry: AppEvent = {
    id: randomUUID(),
    at: now.toISOString(),
    kind: event.kind,
    user: { id: event.user.id, email: event.user.email },
    description: event.description,
  };
  try {
    await store.transact(
      async (tx) => {
        if ((await tx.read(store.keys.app(appName))) === undefined) return; // gone: nothing to keep
        tx.put(key, withEvent(await tx.read<AppEventLog>(key), entry));
      },
      { attempts: 10, backoff: true, conflict: `Too many concurrent events of ${appName}` },
    );
  } catch (err) {
    log.warn({ err, app: appName, kind: event.kind }, 'cannot record the app event');
  }
}
