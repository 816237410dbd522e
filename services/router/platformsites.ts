import { ConfigError, type Env } from '../core/config.js';
import type { StoredRoute } from '../core/routes.js';
import { isUpstream } from './model.js';
import type { RouteTable, RouteTables } from './table.js';

// The platform's own sites, served by the router beside the apps: the
// dashboard (services/dashboard) at dashboard.<PAAS_DOMAIN>. Each is a route
// the router adds to what it reads (platformTable), named by its reserved
// app name, with one upstream: so it is served over HTTP and HTTPS, and gets
// its platform certificate (leaves.ts), as an app does, with no change to
// the pass, the renderer or the Lua. A stored route or certificate of that
// name (an app made before the name was reserved) is dropped: it never takes
// the platform's site over. A custom domain cannot claim the name either:
// no custom domain may be under PAAS_DOMAIN (core/hostnames.ts). The
// activity reporter, the apps' per-minute metrics and router log lines skip
// these sites (isPlatformSite): there is no app to report them to.

/** The reserved names, each the site <name>.<domain>. */
export const PLATFORM_SITES = ['dashboard'] as const;

export type PlatformSite = (typeof PLATFORM_SITES)[number];

/** Where each platform site is served from (host:port); a site absent is not served ("No such app"). */
export type PlatformUpstreams = Partial<Record<PlatformSite, string>>;

export function isPlatformSite(app: string): boolean {
  return (PLATFORM_SITES as readonly string[]).includes(app);
}

/**
 * PAAS_ROUTER_DASHBOARD_UPSTREAM: the dashboard's host:port (an IP address), by default 127.0.0.1:$PAAS_DASHBOARD_PORT
 * (8702); `off`: dashboard.<domain> is not served.
 */
export function dashboardUpstreamSetting(env: Env): string | undefined {
  const name = 'PAAS_ROUTER_DASHBOARD_UPSTREAM';
  const v = env[name]?.trim() || `127.0.0.1:${env.PAAS_DASHBOARD_PORT?.trim() || '8702'}`;
  if (v === 'off') return undefined;
  if (!isUpstream(v))
    throw new ConfigError(`${name} must be <IP address>:<port> (like 127.0.0.1:8702) or off, got ${JSON.stringify(v)}`);
  return v;
}

/** The routes a pass serves: the stored ones but those of a reserved name, and each platform site's; pure. */
export function withPlatformRoutes(routes: readonly StoredRoute[], upstreams: PlatformUpstreams): StoredRoute[] {
  const out = routes.filter((r) => typeof r?.app !== 'string' || !isPlatformSite(r.app));
  for (const site of PLATFORM_SITES) {
    const upstream = upstreams[site];
    if (upstream !== undefined) out.push({ app: site, upstreams: [upstream], domains: [], updatedAt: '' });
  }
  return out;
}

/** What a pass reads, with the platform's sites (withPlatformRoutes) and no stored certificate of a reserved name; pure. */
export function withPlatformSites(tables: RouteTables, upstreams: PlatformUpstreams): RouteTables {
  const stale = PLATFORM_SITES.some((site) => tables.certificates.has(site));
  return {
    ...tables,
    routes: withPlatformRoutes(tables.routes, upstreams),
    certificates: stale
      ? new Map([...tables.certificates].filter(([app]) => !isPlatformSite(app)))
      : tables.certificates,
  };
}

/** The route table with the platform's sites added to each read. */
export function platformTable(table: RouteTable, upstreams: PlatformUpstreams): RouteTable {
  return {
    read: async () => withPlatformSites(await table.read(), upstreams),
    watch: (onChange) => table.watch(onChange),
  };
}
