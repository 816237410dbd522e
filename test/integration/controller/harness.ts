import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { etcdRoundTrips } from '../../../services/core/etcdmetrics.js';
import { createLogger } from '../../../services/core/logger.js';
import type { ServiceMetrics } from '../../../services/core/metrics.js';
import { Store } from '../../../services/core/store.js';
import { createApp } from '../../../services/controller/app.js';
import { loadConfig } from '../../../services/controller/config.js';
import { LogService } from '../../../services/controller/logs/service.js';
import { Repo } from '../../../services/controller/repo.js';
import { ensureAdmin } from '../../../services/controller/users/users.js';
import { etcdEndpoints, uniquePrefix } from '../../support/env.js';

// The real controller app, in-process on a free 127.0.0.1 port, over the real
// etcd under a prefix of its own; an admin and its token to start with.

export interface Answer<T = any> {
  status: number;
  body: T;
}

export interface Harness {
  url: string;
  store: Store;
  internalToken: string;
  adminToken: string;
  call<T = any>(
    method: string,
    path: string,
    opts?: { token?: string; body?: unknown; raw?: string },
  ): Promise<Answer<T>>;
  close(): Promise<void>;
}

/**
 * The controller in-process under a prefix of its own (or env's PAAS_ETCD_PREFIX); `env` adds settings (say,
 * PAAS_STATE_DIR). With `metrics`, it counts its work there as start.ts has it do: requests, releases, log lines and
 * its Store's requests to etcd.
 */
export async function startController(
  name: string,
  env: Record<string, string> = {},
  opts: { metrics?: ServiceMetrics } = {},
): Promise<Harness> {
  const prefix = env.PAAS_ETCD_PREFIX ?? uniquePrefix(name); // another harness's, to share its keys
  const internalToken = 'internal-' + prefix.replace(/\W/g, '') + '-0123456789';
  const config = loadConfig({
    ...env,
    PAAS_INTERNAL_TOKEN: internalToken,
    PAAS_ETCD_PREFIX: prefix,
    PAAS_LOG_LEVEL: 'silent',
  });
  const connected = Store.connect(etcdEndpoints(), prefix);
  const { metrics } = opts;
  const store = metrics ? connected.countedAs(etcdRoundTrips('controller')) : connected;
  const logger = createLogger('controller', 'silent');
  const { dir: _onDisk, ...inMemory } = config.logs;
  const logs = metrics && new LogService(inMemory, logger, metrics);
  const server = createApp({ store, logger, config, ...(logs && { logs }), ...(metrics && { metrics }) }).listen(
    0,
    '127.0.0.1',
  );
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { token: adminToken } = await ensureAdmin(new Repo(store), 'admin@example.com');

  async function call<T>(
    method: string,
    path: string,
    opts: { token?: string; body?: unknown; raw?: string } = {},
  ): Promise<Answer<T>> {
    const headers: Record<string, string> = {};
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    const payload = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
    if (payload !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(url + path, { method, headers, ...(payload !== undefined && { body: payload }) });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as T) : (undefined as T) };
  }

  return {
    url,
    store,
    internalToken,
    adminToken,
    call,
    async close() {
      server.closeAllConnections();
      server.close();
      await store.etcd.delete().prefix(prefix + '/');
      store.close();
    },
  };
}

/** A new non-admin user, made through the API by the admin; returns its token. */
export async function newUser(h: Harness, email: string): Promise<{ id: string; token: string }> {
  const res = await h.call('POST', '/users', { token: h.adminToken, body: { email } });
  if (res.status !== 201) throw new Error(`POST /users: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.user.id, token: res.body.token };
}
