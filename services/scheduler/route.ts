import { by, sameList } from '../core/compare.js';
import { dynoName } from '../core/ids.js';
import { isLegacyRoute, routeUpstreams, type StoredRoute } from '../core/routes.js';
import type { Assignment, Instance, Route, RouteDyno } from '../core/types.js';
import { reportedInstance, upInstance, type AppInput, type PlanPart, type Snapshot } from './model.js';
import type { SleepState } from './sleep.js';
import type { Succession } from './succession.js';

// An app's route: which of its web containers the router sends traffic to.
// The latest release's web instances once all are up; until then the
// replaced ones that are up, so traffic never goes to nothing, of one release
// only (the serving one), with the desired ones of that release (a restart or
// resize replaces only some).

/** Where routers reach an instance: host:port. */
export function upstreamOf(i: Pick<Instance, 'address' | 'port'>): string {
  return `${i.address}:${i.port}`;
}

/** The up web instances to route to, and whether any web instance (new or replaced) is up. */
export function routedInstances(
  current: readonly Assignment[],
  surplus: readonly Assignment[],
  succession: Succession,
  s: Snapshot,
): { chosen: Instance[]; anyUp: boolean } {
  // A parked container is never routed, whatever its last report said (the agent may not have stopped it yet).
  const webUpNew = current.filter((a) => a.type === 'web' && !a.parked).flatMap((a) => upInstance(s, a) ?? []);
  const webUpOld = surplus
    .filter((a) => a.type === 'web' && !a.parked && succession.replaced(a))
    .flatMap((a) => upInstance(s, a) ?? []);
  const serving = succession.serving;
  const routedRelease = webUpOld.some((i) => i.release === serving)
    ? serving
    : webUpOld.reduce((max, i) => Math.max(max, i.release), 0);
  const chosen =
    succession.allUp('web') || webUpOld.length === 0
      ? webUpNew
      : [...webUpOld, ...webUpNew].filter((i) => i.release === routedRelease);
  return { chosen, anyUp: webUpNew.length + webUpOld.length > 0 };
}

/** The route's dyno details of its instances, sorted by upstream, one per upstream. */
export function routeDynos(chosen: readonly Instance[], assignments: readonly Assignment[]): RouteDyno[] {
  const byId = new Map(assignments.map((a) => [a.id, a]));
  const out = new Map<string, RouteDyno>();
  for (const i of chosen) {
    const a = byId.get(i.id);
    const upstream = upstreamOf(i);
    out.set(upstream, {
      upstream,
      dyno: a ? dynoName(a.type, a.index) : i.type,
      host: i.host,
      ...(i.bridge && { bridge: i.bridge }),
    });
  }
  return [...out.values()].sort(by((d) => d.upstream));
}

/** Why no dyno serves, for the router: it holds requests while the app sleeps or wakes, not when it crashed. */
export type RouteStatus = Pick<Route, 'state' | 'since'>;

/**
 * The route's state: `sleeping` (since when) while the app sleeps; with no dyno to route to while it should run web
 * dynos, `crashed` when one of them crashed (the router answers 503 at once), else `waking` (the router holds
 * requests until one is up), also while none of its web dynos is assigned yet but some are coming (`webComing`: a
 * wake on a full host waits, within the router's hold, for room the next passes may find; a wake runs the release
 * phase of a release made while the app slept first); none otherwise.
 */
export function routeStatus(
  sleep: SleepState,
  chosen: readonly Instance[],
  current: readonly Assignment[],
  s: Snapshot,
  webComing = false,
): RouteStatus {
  if (sleep.asleep) return { state: 'sleeping', since: new Date(sleep.since ?? s.now).toISOString() };
  if (chosen.length > 0) return {};
  const web = current.filter((a) => a.type === 'web' && !a.parked);
  if (web.length === 0) return webComing ? { state: 'waking' } : {};
  const crashed = web.some((a) => reportedInstance(s, a)?.state === 'crashed');
  return { state: crashed ? 'crashed' : 'waking' };
}

const sameDyno = (a: RouteDyno, b: RouteDyno) =>
  a.upstream === b.upstream && a.dyno === b.dyno && a.host === b.host && a.bridge === b.bridge;

/**
 * The step of an app's route: the route to write when it differs from the
 * stored one (or the stored one is an older scheduler's record, rewritten
 * once). Its updatedAt dates the upstreams (the drain delay counts from it):
 * a change of domains, maintenance or dyno details keeps it.
 */
export function routeUpdate(
  app: AppInput,
  chosen: readonly Instance[],
  assignments: readonly Assignment[],
  stored: StoredRoute | undefined,
  at: string,
  status: RouteStatus = {},
): PlanPart {
  const dynos = routeDynos(chosen, assignments);
  const release = chosen.reduce((max, i) => Math.max(max, i.release), 0);
  const domains = [...new Set(app.domains ?? [])].sort();
  const maintenance = app.maintenance === true;
  const redirectHttps = app.redirectHttps === true;
  const moved =
    !stored ||
    !sameList(
      routeUpstreams(stored),
      dynos.map((d) => d.upstream),
    ) ||
    (stored.release ?? 0) !== release;
  const storedDynos = stored?.dynos ?? [];
  const sameDynos = storedDynos.length === dynos.length && storedDynos.every((d, i) => sameDyno(d, dynos[i]!));
  const same =
    !moved &&
    sameDynos &&
    !isLegacyRoute(stored) &&
    sameList(stored.domains ?? [], domains) &&
    (stored.maintenance ?? false) === maintenance &&
    (stored.redirectHttps ?? false) === redirectHttps &&
    stored.state === status.state &&
    stored.since === status.since;
  if (same) return {};
  const updatedAt = moved ? at : stored.updatedAt;
  return {
    routes: [
      {
        app: app.name,
        dynos,
        release,
        ...(domains.length > 0 && { domains }),
        ...(maintenance && { maintenance }),
        ...(redirectHttps && { redirectHttps }),
        ...(status.state && { state: status.state }),
        ...(status.since && { since: status.since }),
        updatedAt,
      },
    ],
  };
}
