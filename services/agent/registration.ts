import type { Logger } from '../core/logger.js';
import type { Lease, Store } from '../core/store.js';
import type { Host, HostCapacity } from '../core/types.js';

// The host record under an etcd lease: it vanishes when the agent dies. When
// the lease is lost (etcd unreachable for longer than its TTL) a new one is
// granted and everything written under the old one is written again.

export interface Registration {
  /** The current lease, once registered. */
  lease(): Lease | undefined;
  /** Bumped on every (re-)registration; keys under an older one must be written again. */
  generation(): number;
  /** When the current registration was made (ms). */
  registeredAt(): number;
  /** Rewrites the host record under the current lease with what its containers use (no-op while unregistered). */
  reportUsage(used: HostCapacity): Promise<void>;
  /** Stops keeping the lease alive without revoking it: the records expire after the TTL. */
  close(): void;
}

export function register(opts: {
  store: Store;
  log: Logger;
  host: Omit<Host, 'registeredAt'>;
  ttlSeconds: number;
  onRegistered: () => void;
}): Registration {
  const { store, log } = opts;
  let current: Lease | undefined;
  let gen = 0;
  let at = 0;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  let used: HostCapacity | undefined;
  let registeredAt = '';

  const attempt = async () => {
    if (closed) return;
    const lease = store.lease(opts.ttlSeconds);
    lease.on('lost', (err) => {
      if (current !== lease || closed) return;
      log.warn({ err }, 'host lease lost; registering again');
      current = undefined;
      retry = setTimeout(() => void attempt(), 500);
    });
    try {
      const host: Host = { ...opts.host, registeredAt: new Date().toISOString(), ...(used && { used }) };
      await store.put(store.keys.host(host.id), host, lease);
      registeredAt = host.registeredAt;
      if (closed) {
        lease.release();
        return;
      }
      current = lease;
      gen += 1;
      at = Date.now();
      log.info({ lease: await lease.grant() }, 'host registered');
      opts.onRegistered();
    } catch (err) {
      log.warn({ err }, 'cannot register host; retrying');
      lease.release();
      if (!closed) retry = setTimeout(() => void attempt(), 2000);
    }
  };
  void attempt();

  return {
    lease: () => current,
    generation: () => gen,
    registeredAt: () => at,
    async reportUsage(u) {
      used = u;
      const lease = current;
      if (!lease || closed) return;
      const host: Host = { ...opts.host, registeredAt, used: u };
      await store.put(store.keys.host(host.id), host, lease);
    },
    close() {
      closed = true;
      if (retry) clearTimeout(retry);
      current?.release();
      current = undefined;
    },
  };
}
