import type { StoredRoute } from '../core/routes.js';
import type { Mirror, Store } from '../core/store.js';

// Where the router's passes read from: the routes, the apps' certificates and
// the open ACME challenges (router.ts), from etcd.

/** What a pass reads: the routes, and as stored (checked by tls.ts) the apps' certificates and the open challenges. */
export interface RouteTables {
  routes: StoredRoute[];
  /** app -> its CertificateRecord (keys.cert). */
  certificates: ReadonlyMap<string, unknown>;
  /** token -> its AcmeChallenge (keys.acmeChallenge). */
  challenges: ReadonlyMap<string, unknown>;
}

export interface RouteTable {
  read(): Promise<RouteTables>;
  /** Calls onChange on every change (debounced) and once at start; returns a function that stops watching. */
  watch(onChange: () => void): Promise<() => Promise<void>>;
}

/**
 * The routes, certificates and challenges from a copy of etcd's kept current by one watch (core/mirror.ts) once
 * watched: a pass reads no etcd (at 10,000 apps a range read of every route was 1.3 MB per route change, and the
 * certificates would be 60 MB); before, range reads.
 */
export function storeRouteTable(store: Store): RouteTable {
  const [routes, certs, challenges] = [store.keys.routes(), store.keys.certs(), store.keys.acmeChallenges()];
  let mirror: Mirror | undefined;
  // key -> value under a prefix, keyed by what follows it (the app, the token)
  const byName = (entries: Iterable<[string, unknown]>, prefix: string) =>
    new Map([...entries].map(([k, v]) => [k.slice(prefix.length), v]));
  return {
    read: async () => {
      if (mirror)
        return {
          routes: mirror.list<StoredRoute>(routes),
          certificates: byName(mirror.entries(certs), certs),
          challenges: byName(mirror.entries(challenges), challenges),
        };
      const [r, c, a] = await Promise.all([
        store.list<StoredRoute>(routes),
        store.snapshot(certs),
        store.snapshot(challenges),
      ]);
      return { routes: r, certificates: byName(c.entries, certs), challenges: byName(a.entries, challenges) };
    },
    watch: async (onChange) => {
      // calls onChange once loaded, then on every change
      const m = await store.mirror([routes, certs, challenges], onChange);
      mirror = m;
      return async () => {
        mirror = undefined;
        await m.close();
      };
    },
  };
}
