import { isIP } from 'node:net';
import { ConfigError, int, list, str, type Env } from '../core/config.js';

// The git remote's TCP proxy (HA: scripts/up --ha, scripts/lib/ha.sh): nginx's
// stream module (Debian's libnginx-mod-stream, loaded by the same
// modules-enabled snippets as lua) listens on the platform's SSH port and
// passes each connection to a builder, the next one when a builder refuses
// the connection or does not answer within the connect timeout. Each router's
// nginx renders the same block with `reuseport`, so two routers on one
// machine share the port (the kernel spreads the connections; one nginx gone,
// the other takes them all): the remote works while any router and any
// builder runs. SSH is end to end between git and the builder (the builders
// share one host key), so nginx sees bytes only.

export interface SshProxy {
  /** Where nginx listens: an IP address ("127.0.0.1") and the git remote's port (PAAS_SSH_PORT). */
  listen: string;
  port: number;
  /** The builders' SSH addresses, host:port, in order: the first takes every push while it answers. */
  upstreams: readonly string[];
  /** Every builder takes pushes in turn (round robin) instead of the first while it answers (the later as backups). */
  balance?: 'first' | 'round-robin';
}

/** Seconds nginx waits for a builder to accept a connection before it tries the next. */
export const SSH_CONNECT_TIMEOUT_S = 2;
/**
 * Seconds a proxied push may stay silent both ways before nginx drops it: above the builder's build timeout
 * (PAAS_BUILD_TIMEOUT_S, 900 s) and its deploy wait, since a build step may print nothing for long.
 */
export const SSH_IDLE_TIMEOUT_S = 3600;
/** A builder that refused a connection is not tried again for this long (nginx's fail_timeout). */
export const SSH_FAIL_TIMEOUT_S = 5;

const HOST_PORT = /^(\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):(\d{1,5})$/;

/** "host:port" with an IP address (IPv6 bracketed) and a port 1..65535, nothing nginx's syntax could misread. */
export function isUpstream(addr: string): boolean {
  const m = HOST_PORT.exec(addr);
  if (!m) return false;
  const host = (m[1] as string).replace(/^\[|\]$/g, '');
  const port = Number(m[2]);
  return isIP(host) !== 0 && port >= 1 && port <= 65535;
}

export function checkSshProxy(p: SshProxy): void {
  if (isIP(p.listen) === 0) throw new Error(`ssh.listen must be an IP address: ${JSON.stringify(p.listen)}`);
  if (!(Number.isInteger(p.port) && p.port >= 1 && p.port <= 65535)) throw new Error(`ssh.port must be 1..65535`);
  if (p.upstreams.length === 0) throw new Error('ssh.upstreams must name at least one builder');
  for (const u of p.upstreams)
    if (!isUpstream(u)) throw new Error(`ssh.upstreams: ${JSON.stringify(u)} is not an IP address and port`);
  const self = `${p.listen.includes(':') ? `[${p.listen}]` : p.listen}:${p.port}`;
  if (p.upstreams.includes(self)) throw new Error(`ssh.upstreams must not name the proxy's own ${self}`);
}

/** The `stream {}` block of nginx.conf (main context), or "" without a proxy. Pure. */
export function renderStream(p: SshProxy | undefined, dir: string): string {
  if (!p) return '';
  checkSshProxy(p);
  const listen = p.listen.includes(':') ? `[${p.listen}]` : p.listen;
  const backup = (p.balance ?? 'first') === 'first';
  const servers = p.upstreams
    .map(
      (u, i) =>
        `        server ${u} max_fails=1 fail_timeout=${SSH_FAIL_TIMEOUT_S}s${backup && i > 0 ? ' backup' : ''};`,
    )
    .join('\n');
  return `
# git push over SSH to the builders (stream.ts): bytes only, SSH is end to end.
stream {
    log_format paas_ssh '{"at":"$msec","client":"$remote_addr","status":"$status","upstream":"$upstream_addr",'
        '"connect_time":"$upstream_connect_time","session_time":"$session_time","bytes_in":"$bytes_received","bytes_out":"$bytes_sent"}';
    access_log ${dir}/logs/ssh.log paas_ssh buffer=4k flush=1s;
    upstream paas_builders {
${servers}
    }
    server {
        # reuseport: every router's nginx on this machine listens here too.
        listen ${listen}:${p.port} reuseport;
        proxy_pass paas_builders;
        proxy_connect_timeout ${SSH_CONNECT_TIMEOUT_S}s;
        proxy_next_upstream on;
        proxy_next_upstream_tries ${p.upstreams.length};
        proxy_timeout ${SSH_IDLE_TIMEOUT_S}s;
    }
}
`;
}

/**
 * PAAS_ROUTER_SSH_UPSTREAMS (the builders' host:port, comma-separated; empty, the default: no proxy), on
 * PAAS_ROUTER_SSH_LISTEN (127.0.0.1) : PAAS_SSH_PORT (2222), PAAS_ROUTER_SSH_BALANCE (first, or round-robin).
 */
export function sshProxySetting(env: Env): SshProxy | undefined {
  const upstreams = list(env, 'PAAS_ROUTER_SSH_UPSTREAMS', []);
  if (upstreams.length === 0) return undefined;
  const balance = str(env, 'PAAS_ROUTER_SSH_BALANCE', 'first');
  if (balance !== 'first' && balance !== 'round-robin')
    throw new ConfigError(`PAAS_ROUTER_SSH_BALANCE must be first or round-robin, got ${JSON.stringify(balance)}`);
  const p: SshProxy = {
    listen: str(env, 'PAAS_ROUTER_SSH_LISTEN', '127.0.0.1'),
    port: int(env, 'PAAS_SSH_PORT', 2222),
    upstreams,
    balance,
  };
  try {
    checkSshProxy(p);
  } catch (err) {
    throw new ConfigError(`the SSH proxy (PAAS_ROUTER_SSH_*): ${(err as Error).message}`);
  }
  return p;
}
