import type { Route, RouteDyno } from './types.js';

// Routes as read from etcd. A route lists its dynos, each with its upstream;
// records written by older schedulers also list `upstreams` (the same
// addresses, then the ones that count) and list `dynos` only when not empty,
// or not at all. Readers (the router, the scheduler) go through here.

/** A stored route: a Route, or an older scheduler's record. */
export type StoredRoute = Omit<Route, 'dynos'> & {
  dynos?: RouteDyno[];
  /** Older records only: host:port of the containers to send traffic to. */
  upstreams?: string[];
};

/** host:port of each container the route sends traffic to: its dynos' upstreams (an older record's `upstreams`). */
export function routeUpstreams(route: StoredRoute): string[] {
  if (Array.isArray(route.upstreams)) return route.upstreams;
  return Array.isArray(route.dynos) ? route.dynos.map((d) => d?.upstream) : [];
}

/** Whether the record is an older scheduler's (it lists `upstreams`). */
export function isLegacyRoute(route: StoredRoute): boolean {
  return 'upstreams' in route;
}
