import { isCustomHostname } from '../core/hostnames.js';
import { isAppName } from '../core/names.js';

// The sites nginx serves: each routed app at <app>.<domain> and its custom
// domains. Only valid names reach the config (render.ts); the others are
// dropped and reported.

/** An app's server: its custom domains (besides <app>.<domain>) and whether it is in maintenance. */
export interface Site {
  app: string;
  domains?: readonly string[];
  maintenance?: boolean;
  /** The redirect-https feature: HTTP requests get a 308 to HTTPS (ACME challenges excepted). */
  redirectHttps?: boolean;
}

export interface Rejected {
  app: string;
  /** Set when only this custom domain of the app was dropped. */
  domain?: string;
  reason: string;
}

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const MAX_APP_NAME = 30;

/** A lowercase DNS name (letters, digits, dashes; dot-separated labels) that leaves room for "<app>.". */
export function isDomain(domain: string): boolean {
  if (domain.length === 0 || domain.length > 253 - MAX_APP_NAME - 1) return false;
  return domain.split('.').every((label) => LABEL.test(label));
}

/**
 * Valid sites, sorted by app, each app once with its valid custom domains
 * sorted; a domain is dropped (and reported) when invalid, when it is
 * another app's default name, or when an app earlier in name order has it.
 */
export function partitionSites(
  entries: readonly (string | Site)[],
  domain: string,
): { sites: Site[]; rejected: Rejected[] } {
  const asSite = (e: string | Site): Site => (typeof e === 'object' && e !== null ? e : { app: e });
  const byApp = new Map<string, Site>();
  const rejected: Rejected[] = [];
  for (const e of entries) {
    const site = asSite(e);
    if (typeof site.app !== 'string' || !isAppName(site.app)) {
      rejected.push({ app: String(site.app), reason: 'not a valid app name' });
      continue;
    }
    const prev = byApp.get(site.app);
    const domains = [...(prev?.domains ?? []), ...(Array.isArray(site.domains) ? site.domains : [])];
    byApp.set(site.app, {
      app: site.app,
      domains,
      maintenance: prev?.maintenance === true || site.maintenance === true,
      redirectHttps: prev?.redirectHttps === true || site.redirectHttps === true,
    });
  }
  const apps = [...byApp.keys()].sort();
  const defaults = new Set(apps.map((a) => `${a}.${domain}`));
  const taken = new Map<string, string>();
  const sites = apps.map((app): Site => {
    const site = byApp.get(app) as Site;
    const ok = new Set<string>();
    for (const d of site.domains ?? []) {
      const shown = String(d).slice(0, 300);
      if (!isCustomHostname(d, domain)) rejected.push({ app, domain: shown, reason: 'not a valid custom domain' });
      else if (defaults.has(d)) rejected.push({ app, domain: d, reason: 'is the default name of an app' });
      else if (taken.has(d) && taken.get(d) !== app)
        rejected.push({ app, domain: d, reason: `also claimed by ${taken.get(d)}` });
      else {
        taken.set(d, app);
        ok.add(d);
      }
    }
    return {
      app,
      domains: [...ok].sort(),
      maintenance: site.maintenance === true,
      ...(site.redirectHttps === true && { redirectHttps: true }),
    };
  });
  return { sites, rejected };
}
