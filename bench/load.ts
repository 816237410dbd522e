import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

// The router benchmarks' HTTP load generator (kept-alive or a new connection
// per request) that counts failures.

export interface Target {
  url: URL;
  /** Host header to send (the app's name at the router); the URL's host when absent. */
  host?: string;
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
    const req = request(
      {
        host: target.url.hostname,
        port: target.url.port || 80,
        path: `${target.url.pathname}${target.url.search}`,
        headers: target.host ? { host: target.host } : {},
        agent,
        timeout: timeoutMs,
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

/**
 * Starts `concurrency` loops of requests until stop(); keepAlive shares one agent, else every request opens its own
 * connection.
 */
export function startLoad(
  target: Target,
  opts: { keepAlive: boolean; concurrency: number; timeoutMs?: number; recordLatency?: boolean },
): Load {
  const agent = opts.keepAlive ? new Agent({ keepAlive: true, maxSockets: opts.concurrency }) : false;
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
