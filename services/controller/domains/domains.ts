import { conflict, invalid, notFound } from '../../core/errors.js';
import { parseHostname } from '../../core/hostnames.js';
import type { Store } from '../../core/store.js';
import type { App, Domain } from '../../core/types.js';
import type { Deps } from '../deps.js';
import type { DomainView } from '../../core/api.js';

// Custom domains: /domains/<hostname> {hostname, app, createdAt}, unique
// across apps by a create-only transaction. Adding one also rewrites the app
// record unchanged, so an add racing a rename or destroy (which compare the
// app record) cannot leave a domain pointing at an app that is gone.

export const MAX_DOMAINS_PER_APP = 100;

export function domainView(d: Domain): DomainView {
  return { id: d.hostname, hostname: d.hostname, kind: 'custom', created_at: d.createdAt };
}

/** Every custom domain of every app, by app (one range read). */
export async function domainsByApp(store: Store): Promise<Map<string, Domain[]>> {
  const out = new Map<string, Domain[]>();
  for (const d of await store.list<Domain>(store.keys.domains())) {
    const list = out.get(d.app) ?? [];
    list.push(d);
    out.set(d.app, list);
  }
  return out;
}

export async function customDomainsOf(store: Store, app: string): Promise<Domain[]> {
  return (await domainsByApp(store)).get(app) ?? [];
}

/** The default name `<app>.<domain>` first, then the custom domains in name order. */
export async function listDomains(deps: Deps, app: App): Promise<DomainView[]> {
  const custom = await customDomainsOf(deps.store, app.name);
  const fallback: DomainView = {
    id: `${app.name}.${deps.urls.domain}`,
    hostname: `${app.name}.${deps.urls.domain}`,
    kind: 'default',
    created_at: app.createdAt,
  };
  return [fallback, ...custom.map(domainView)];
}

export async function addDomain(deps: Deps, appName: string, hostnameInput: unknown): Promise<DomainView> {
  const hostname = parseHostname(hostnameInput, deps.urls.domain);
  const { store } = deps;
  const appKey = store.keys.app(appName);
  const domainKey = store.keys.domain(hostname);
  const taken = async () => {
    const existing = await store.get<Domain>(domainKey);
    if (existing?.app === appName) throw conflict(`${hostname} is already a domain of ${appName}`);
    if (existing) throw conflict(`${hostname} is already in use by another app`);
    // the app record changed meanwhile (a release, maintenance): try again
  };
  return store.transact(
    async (tx) => {
      const cur = await tx.readApp(appName);
      const mine = await customDomainsOf(store, appName);
      if (mine.length >= MAX_DOMAINS_PER_APP)
        throw invalid(`An app can have at most ${MAX_DOMAINS_PER_APP} custom domains`);
      tx.require({ key: domainKey, absent: true });
      const domain = tx.put<Domain>(domainKey, { hostname, app: appName, createdAt: new Date().toISOString() });
      tx.put(appKey, cur);
      return domainView(domain);
    },
    { attempts: 10, conflict: `Too many concurrent changes to ${appName}; try again`, onConflict: taken },
  );
}

export async function removeDomain(deps: Deps, appName: string, hostnameInput: string): Promise<DomainView> {
  const hostname = hostnameInput.trim().toLowerCase();
  const { store } = deps;
  const missing = notFound(`Couldn't find that domain on ${appName}.`);
  if (hostname === '' || hostname.length > 253 || hostname.includes('/')) throw missing;
  const key = store.keys.domain(hostname);
  const cur = await store.getVersioned<Domain>(key);
  if (!cur || cur.value.app !== appName) throw missing;
  if (!(await store.commit([{ key, modRevision: cur.modRevision }], [{ delete: key }])))
    throw conflict(`${hostname} changed meanwhile; try again`);
  return domainView(cur.value);
}
