import { once } from 'node:events';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../../services/core/logger.js';
import { Store } from '../../../services/core/store.js';
import { createApp } from '../../../services/controller/app.js';
import { loadConfig } from '../../../services/controller/config.js';
import { LogService } from '../../../services/controller/logs/service.js';
import { MetricsStore } from '../../../services/controller/metrics/store.js';
import { PeerRegistry } from '../../../services/controller/peers/registry.js';
import { Repo } from '../../../services/controller/repo.js';
import { ensureAdmin } from '../../../services/controller/users/users.js';
import { etcdEndpoints } from '../../support/env.js';
import { freePort } from '../../support/ports.js';

// Several real controllers in-process (each its own port, etcd client, log
// store and peer registry, as start.ts builds one) over the real etcd under
// one prefix: the platform with no single controller (issue 19).

export const logger = createLogger('test', process.env.HA_LOG ?? 'silent');

export interface Ctl {
  id: string;
  url: string;
  registry: PeerRegistry;
  logs: LogService;
  series: MetricsStore;
  /** Stops it as start.ts does (its lease revoked: its peers see it go at once). */
  stop(): Promise<void>;
  /** Kills it: its server and etcd client closed, its lease left to expire. */
  kill(): Promise<void>;
}

export async function startCtl(id: string, prefix: string, internalToken: string, ttlSeconds = 3): Promise<Ctl> {
  const port = await freePort();
  const stateDir = mkdtempSync(join(tmpdir(), `paas-ha-${id}-`));
  const config = loadConfig({
    PAAS_INTERNAL_TOKEN: internalToken,
    PAAS_ETCD_PREFIX: prefix,
    PAAS_LOG_LEVEL: 'silent',
    PAAS_STATE_DIR: stateDir,
    PAAS_API_PORT: String(port),
    PAAS_CONTROLLER_ID: id,
  });
  const store = Store.connect(etcdEndpoints(), prefix);
  const logs = new LogService(config.logs, logger);
  await logs.start(store);
  const series = new MetricsStore();
  const registry = new PeerRegistry({ store, id, url: config.peerUrl, log: logger, ttlSeconds });
  const server: Server = createApp({ store, logger, config, logs, series, peers: registry }).listen(port, '127.0.0.1');
  await once(server, 'listening');
  // every connection, websockets too (an upgraded socket leaves the server's own list): a stop ends them all, as the
  // end of a process does
  const sockets = new Set<Socket>();
  server.on('connection', (sock: Socket) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
  });
  await registry.start();
  let done = false;
  const close = async (revoke: boolean) => {
    if (done) return;
    done = true;
    server.closeAllConnections();
    server.close();
    for (const sock of sockets) sock.destroy();
    if (revoke) await registry.stop();
    else await registry.abandon();
    await logs.stop();
    store.close();
    rmSync(stateDir, { recursive: true, force: true });
  };
  return { id, url: config.peerUrl, registry, logs, series, stop: () => close(true), kill: () => close(false) };
}

/** Two controllers ctl-a and ctl-b meshed under `prefix`, an admin's token, and a Store of the test's own. */
export interface Pair {
  store: Store;
  a: Ctl;
  b: Ctl;
  admin: string;
  /** Stops both, deletes the prefix, closes the store. */
  stop(): Promise<void>;
}

export async function startPair(prefix: string, internalToken: string): Promise<Pair> {
  const store = Store.connect(etcdEndpoints(), prefix);
  const [a, b] = [await startCtl('ctl-a', prefix, internalToken), await startCtl('ctl-b', prefix, internalToken)];
  await meshed([a, b]);
  const admin = (await ensureAdmin(new Repo(store), 'admin@example.com')).token;
  const stop = async () => {
    await a.stop();
    await b.stop();
    await store.etcd.delete().prefix(prefix + '/');
    store.close();
  };
  return { store, a, b, admin, stop };
}

/** Waits until `fn` holds (polling), or fails after `ms`. */
export async function until(
  fn: () => boolean | Promise<boolean>,
  ms = 10_000,
  what: string | (() => string) = 'the condition',
): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
}

/** Every controller sees the others. */
export async function meshed(ctls: readonly Ctl[]): Promise<void> {
  await until(() => ctls.every((c) => c.registry.others().length === ctls.length - 1), 10_000, 'the peers');
}

export async function call(
  base: string,
  method: string,
  path: string,
  token: string,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // text
  }
  return { status: res.status, body: parsed };
}

/** Reads a streamed answer's text as it comes, until `done(text)` or `ms`; then aborts. */
export async function readStream(url: string, done: (text: string) => boolean, ms = 10_000): Promise<string> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), ms);
  let text = '';
  try {
    const res = await fetch(url, { signal: abort.signal });
    if (!res.ok || !res.body) throw new Error(`stream answered ${res.status}`);
    const decoder = new TextDecoder();
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      text += decoder.decode(chunk, { stream: true });
      if (done(text)) break;
    }
  } catch (err) {
    if (!abort.signal.aborted) throw err;
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
  return text;
}
