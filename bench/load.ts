import { Agent, request } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { performance } from 'node:perf_hooks';

// The router benchmarks' HTTP load generator (kept-alive or a new connection
// per request) that counts failures. An https: URL is HTTPS, the router's
// certificate verified against `tls.ca` for the name sent by SNI: a wrong or
// missing certificate is a failure (by its error code); a new connection per
// request is then a full handshake each (no session kept between them).

export interface Target {
  url: URL;
  /** Host header to send (the app's name at the router); the URL's host when absent. */
  host?: string;
  /** HTTPS only: the CA (PEM) the certificate must chain to, and the name sent by SNI (the Host's when absent). */
  tls?: { ca: string; servername?: string };
}

export interface LoadResult {
  requests: number;
  ok: number;
  /** Answers that were not 2xx, by status. */
  statuses: Record<string, number>;
  /** Resets, refused connections, timeouts and other socket errors, by code. */
  errors: Record<string, number>;
  failed: number;
  latenciesMs: number[];
}

export interface Load {
  stop(): Promise<LoadResult>;
}

/** One request; resolves with its status or the error's code. Never rejects. */
function once(target: Target, agent: Agent | false, timeoutMs: number): Promise<{ status?: number; error?: string }> {
  return new Promise((resolve) => {
    const secure = target.url.protocol === 'https:';
    const req = (secure ? httpsRequest : request)(
      {
        host: target.url.hostname,
        port: target.url.port || (secure ? 443 : 80),
        path: `${target.url.pathname}${target.url.search}`,
        headers: target.host ? { host: target.host } : {},
        agent,
        timeout: timeoutMs,
        ...(secure && tlsOptions(target)),
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
        res.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    req.end();
  });
}

/** The TLS options of an https: target: its CA, the name sent by SNI and checked in the certificate. */
function tlsOptions(target: Target): { ca?: string; servername: string } {
  const servername = target.tls?.servername ?? (target.host ?? target.url.hostname).replace(/:\d+$/, '');
  return { ...(target.tls && { ca: target.tls.ca }), servername };
}

/**
 * Starts `concurrency` loops of requests until stop(); keepAlive shares one agent, else every request opens its own
 * connection.
 */
export function startLoad(
  target: Target,
  opts: { keepAlive: boolean; concurrency: number; timeoutMs?: number; recordLatency?: boolean },
): Load {
  const Kind = target.url.protocol === 'https:' ? HttpsAgent : Agent;
  const agent = opts.keepAlive ? new Kind({ keepAlive: true, maxSockets: opts.concurrency }) : false;
  const result: LoadResult = { requests: 0, ok: 0, statuses: {}, errors: {}, failed: 0, latenciesMs: [] };
  let running = true;
  const loop = async (): Promise<void> => {
    while (running) {
      const t0 = performance.now();
      const r = await once(target, agent, opts.timeoutMs ?? 35_000);
      if (opts.recordLatency) result.latenciesMs.push(performance.now() - t0);
      result.requests++;
      if (r.status !== undefined && r.status >= 200 && r.status < 300) result.ok++;
      else {
        result.failed++;
        if (r.status !== undefined) result.statuses[r.status] = (result.statuses[r.status] ?? 0) + 1;
        else result.errors[r.error ?? 'unknown'] = (result.errors[r.error ?? 'unknown'] ?? 0) + 1;
      }
    }
  };
  const loops = Array.from({ length: opts.concurrency }, () => loop());
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
      if (agent) agent.destroy();
      return result;
    },
  };
}

/** A load's counts as flat keys of a bench's JSON: `<prefix>_requests`, `_failed`, `_failures` (statuses and errors). */
export function flatLoad(prefix: string, r: LoadResult): Record<string, number | string> {
  return {
    [`${prefix}_requests`]: r.requests,
    [`${prefix}_failed`]: r.failed,
    [`${prefix}_failures`]: JSON.stringify({ ...r.statuses, ...r.errors }),
  };
}
