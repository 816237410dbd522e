import { isIP } from 'node:net';
import { sameList } from '../core/compare.js';
import { parseDynoName } from '../core/ids.js';
import { routeUpstreams, type StoredRoute } from '../core/routes.js';
import type { RouteState } from '../core/types.js';
import { isRouteState, type SiteEntry } from './control.js';
import type { Site } from './sites.js';

// Pure decisions of the router: what nginx should hold, and the smallest
// change from what it holds.

/** "a.b.c.d:port" or "[v6]:port" with a port in 1..65535 (what the Lua balancer accepts). */
export function isUpstream(s: string): boolean {
  const m = /^(?:(\d{1,3}(?:\.\d{1,3}){3})|\[([0-9a-fA-F:.]+)\]):(\d{1,5})$/.exec(s);
  if (!m) return false;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return false;
  if (m[1] !== undefined) return isIP(m[1]) === 4;
  return isIP(m[2] as string) === 6;
}

export interface InvalidUpstream {
  app: string;
  upstream: string;
}

export interface Desired {
  /** app -> valid upstreams, sorted and unique. */
  upstreams: Map<string, string[]>;
  /** app -> upstream as nginx holds it -> its dyno name (web.1), for router lines. */
  dynos: Map<string, Map<string, string>>;
  invalid: InvalidUpstream[];
}

/**
 * What nginx should hold for these routes (as stored: an older scheduler's
 * record lists `upstreams` too, and those count). A container on the
 * router's own host (`hostId`) is reached at its bridge address, skipping
 * Docker's port proxy; any other at its published address. App names are
 * validated by the renderer.
 */
export function desiredUpstreams(routes: readonly StoredRoute[], hostId?: string): Desired {
  const upstreams = new Map<string, string[]>();
  const dynos = new Map<string, Map<string, string>>();
  const invalid: InvalidUpstream[] = [];
  for (const route of routes) {
    if (typeof route?.app !== 'string') continue;
    const details = new Map(
      (Array.isArray(route.dynos) ? route.dynos : [])
        .filter((d) => typeof d?.upstream === 'string')
        .map((d) => [d.upstream, d]),
    );
    const ok = new Set(upstreams.get(route.app) ?? []);
    const names = dynos.get(route.app) ?? new Map<string, string>();
    for (const u of routeUpstreams(route) as unknown[]) {
      if (typeof u !== 'string' || !isUpstream(u)) {
        invalid.push({ app: route.app, upstream: String(u) });
        continue;
      }
      const d = details.get(u);
      const local = hostId !== undefined && d?.host === hostId && typeof d.bridge === 'string' && isUpstream(d.bridge);
      const held = local ? (d.bridge as string) : u;
      ok.add(held);
      if (typeof d?.dyno === 'string' && parseDynoName(d.dyno)) names.set(held, d.dyno);
    }
    upstreams.set(route.app, [...ok].sort());
    dynos.set(route.app, names);
  }
  return { upstreams, dynos, invalid };
}

export interface UpstreamChanges {
  set: Array<{ app: string; upstreams: string[] }>;
  remove: string[];
}

/** The control calls that turn `current` (what nginx holds) into `desired`, for the apps in `apps` only. */
export function upstreamChanges(
  desired: ReadonlyMap<string, readonly string[]>,
  current: ReadonlyMap<string, readonly string[]>,
  apps: readonly string[],
): UpstreamChanges {
  const wanted = new Set(apps);
  const set: UpstreamChanges['set'] = [];
  for (const app of apps) {
    const want = desired.get(app) ?? [];
    const have = current.get(app);
    if (!have || !sameList(want, [...have].sort())) set.push({ app, upstreams: [...want] });
  }
  const remove = [...current.keys()].filter((app) => !wanted.has(app)).sort();
  return { set, remove };
}

/** The renderer's sites: each routed app with its custom domains and maintenance flag (validated by the renderer). */
export function sitesOf(routes: readonly StoredRoute[]): Site[] {
  const out: Site[] = [];
  for (const route of routes) {
    if (typeof route?.app !== 'string') continue;
    const domains = Array.isArray(route.domains) ? route.domains : [];
    out.push({
      app: route.app,
      domains,
      maintenance: route.maintenance === true,
      ...(route.redirectHttps === true && { redirectHttps: true }),
    });
  }
  return out;
}

/** Whether nginx holds the requests of an app in this state (with no peers): sleeping or waking. */
export function isHolding(state: RouteState | undefined): boolean {
  return state === 'sleeping' || state === 'waking';
}

/** app -> its route's state, for routes that have a known one (the renderer validates the names). */
export function desiredStates(routes: readonly StoredRoute[]): Map<string, RouteState> {
  const out = new Map<string, RouteState>();
  for (const route of routes) {
    if (typeof route?.app !== 'string') continue;
    if (isRouteState(route.state)) out.set(route.app, route.state);
  }
  return out;
}

export interface StateChanges {
  /** States that hold requests (sleeping, waking): set before the upstreams change, so no request meets neither. */
  hold: Array<{ app: string; state: RouteState }>;
  /** The other states set (crashed) and states removed: after the upstreams change (the peers come first). */
  release: Array<{ app: string; state?: RouteState }>;
}

/**
 * The control calls that turn the states nginx holds (`current`) into `desired`, for the apps in `apps` (a state of
 * another app is removed). Split around the upstream changes: an app falling asleep gets `sleeping` while its peers
 * still serve, then loses them; an app waking gets its peers, then loses `waking`.
 */
export function stateChanges(
  desired: ReadonlyMap<string, RouteState>,
  current: ReadonlyMap<string, RouteState>,
  apps: readonly string[],
): StateChanges {
  const wanted = new Set(apps);
  const hold: StateChanges['hold'] = [];
  const release: StateChanges['release'] = [];
  for (const app of apps) {
    const want = desired.get(app);
    if (want === current.get(app)) continue;
    if (want === undefined) release.push({ app });
    else if (isHolding(want)) hold.push({ app, state: want });
    else release.push({ app, state: want });
  }
  for (const app of [...current.keys()].sort()) if (!wanted.has(app)) release.push({ app });
  return { hold, release };
}

export interface SiteChanges {
  set: Array<{ app: string; site: SiteEntry }>;
  remove: string[];
}

/** The control calls that turn the sites nginx holds (`current`) into `desired` (validated: render.ts' sites). */
export function siteChanges(desired: readonly Site[], current: ReadonlyMap<string, SiteEntry>): SiteChanges {
  const set: SiteChanges['set'] = [];
  const wanted = new Set<string>();
  for (const s of desired) {
    wanted.add(s.app);
    const want: SiteEntry = {
      maintenance: s.maintenance === true,
      domains: [...(s.domains ?? [])].sort(),
      ...(s.redirectHttps === true && { redirectHttps: true }),
    };
    const have = current.get(s.app);
    if (
      !have ||
      have.maintenance !== want.maintenance ||
      (have.redirectHttps ?? false) !== (want.redirectHttps ?? false) ||
      !sameList(have.domains, want.domains)
    )
      set.push({ app: s.app, site: want });
  }
  const remove = [...current.keys()].filter((app) => !wanted.has(app)).sort();
  return { set, remove };
}
