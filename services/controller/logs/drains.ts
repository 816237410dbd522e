import { randomUUID } from 'node:crypto';
import { conflict, invalid, notFound } from '../../core/errors.js';
import type { Store } from '../../core/store.js';
import { parseDrainUrl } from './syslog.js';
import type { DrainView } from '../../core/api.js';

// Log drains in etcd: /drains/<app>/<id> = LogDrain. Added and removed through
// Heroku's /apps/:app/log-drains; destroy deletes them, rename moves them
// (apps/lifecycle.ts). The forwarder (forward.ts) watches the prefix.

export interface LogDrain {
  id: string;
  app: string;
  url: string;
  /** Sent as the syslog HOSTNAME and Logplex-Drain-Token, as Heroku does. */
  token: string;
  createdAt: string;
}

export const MAX_DRAINS_PER_APP = 10;

export function drainView(d: LogDrain): DrainView {
  return {
    id: d.id,
    url: d.url,
    token: d.token,
    created_at: d.createdAt,
    updated_at: d.createdAt,
    addon: null,
    app: { name: d.app },
  };
}

export async function listDrains(store: Store, app: string): Promise<LogDrain[]> {
  return store.list<LogDrain>(store.keys.drains(app));
}

/**
 * Adds a drain: one transaction that rewrites the app record unchanged (so two
 * adds racing each other, or a rename or destroy, make one of them retry) and
 * creates the drain key.
 */
export async function addDrain(store: Store, appName: string, urlInput: unknown): Promise<LogDrain> {
  const target = parseDrainUrl(urlInput);
  const url = target.kind === 'https' ? (urlInput as string).trim() : target.url;
  const k = store.keys;
  return store.transact(
    async (tx) => {
      const app = await tx.readApp(appName);
      const existing = await listDrains(store, appName);
      if (existing.some((d) => d.url === url)) throw conflict(`${url} is already a drain of ${appName}`);
      if (existing.length >= MAX_DRAINS_PER_APP) throw invalid(`${appName} has ${MAX_DRAINS_PER_APP} drains already`);
      const id = randomUUID();
      tx.require({ key: k.drain(appName, id), absent: true });
      tx.put(k.app(appName), app);
      return tx.put<LogDrain>(k.drain(appName, id), {
        id,
        app: appName,
        url,
        token: `d.${randomUUID()}`,
        createdAt: new Date().toISOString(),
      });
    },
    { conflict: `Too many concurrent changes to ${appName}; try again` },
  );
}

/** Removes a drain named by its id or its URL. */
export async function removeDrain(store: Store, appName: string, idOrUrl: string): Promise<LogDrain> {
  const drain = (await listDrains(store, appName)).find(
    (d) => d.id === idOrUrl || d.url === idOrUrl || d.token === idOrUrl,
  );
  if (!drain) throw notFound(`No drain ${idOrUrl} on ${appName}`);
  await store.delete(store.keys.drain(appName, drain.id));
  return drain;
}
