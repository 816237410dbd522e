import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { latestSlug, type Api } from './common.js';

// What the benches that drive many apps on a live platform share
// (thousands.ts, storm.ts): the platform's memory, one request through the
// router, a bounded pool of workers, apps promoted from one build born asleep.

export const sleepMs = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

/** The summed RSS (MiB) of the platform's supervised processes (supervise/<name>/pid) and nginx with its workers. */
export function platformRssMb(stateDir: string): number {
  const pids: number[] = [];
  const pidOf = (file: string) => {
    try {
      const pid = Number(readFileSync(file, 'utf8').trim());
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  };
  const supervise = join(stateDir, 'supervise');
  for (const name of readdirSync(supervise)) {
    const pid = pidOf(join(supervise, name, 'pid'));
    if (pid) pids.push(pid);
  }
  const nginx = pidOf(join(stateDir, 'nginx', 'nginx.pid'));
  if (nginx) {
    pids.push(nginx);
    for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      try {
        const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
        if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === nginx) pids.push(Number(p));
      } catch {
        // gone
      }
    }
  }
  let kb = 0;
  for (const pid of pids) {
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return Math.round(kb / 1024);
}

/** One request through the router (a new connection), its status, time, body and Retry-After header; status 0: no answer. */
export function get(
  url: URL,
  host: string,
  path = '/',
): Promise<{ status: number; ms: number; body: string; retryAfter?: string }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = request(
      { host: url.hostname, port: url.port || 80, path, headers: { host }, agent: false, timeout: 60_000 },
      (res) => {
        let body = '';
        const retry = res.headers['retry-after'];
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            ms: performance.now() - t0,
            body,
            ...(retry && { retryAfter: retry }),
          }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, ms: performance.now() - t0, body: '' }));
    req.end();
  });
}

export async function pool(n: number, parallel: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < n) await work(next++);
    }),
  );
}

/**
 * Creates each named app through the API, asks it to sleep and then releases `slug` to it, so that it is born asleep
 * (its release starts no container), `parallel` apps at a time.
 */
export async function promoteAsleep(api: Api, slug: string, names: readonly string[], parallel: number): Promise<void> {
  await pool(names.length, parallel, async (i) => {
    const app = names[i] as string;
    await api.json('POST', '/apps', { name: app });
    await api.json('POST', `/apps/${app}/sleep`); // born asleep: its release starts nothing
    await api.json('POST', `/apps/${app}/releases`, { slug });
  });
}

/** The slug of the source app's latest release, which the fleet benches promote; throws when it has none. */
export async function sourceSlug(api: Api, source: string): Promise<string> {
  const { slug } = await latestSlug(api, source);
  if (!slug) throw new Error(`${source} has no build to promote`);
  return slug.id;
}
