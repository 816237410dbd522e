import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseAssignmentId } from '../services/core/ids.js';
import type { Snapshot } from './faultslib.js';

// What bench/faults.ts does to a live platform on this machine: its
// supervised processes (pid files under $PAAS_STATE_DIR/supervise), etcd's
// members (their HTTP gateway), the schedulers' metrics, the controllers'
// API (tried in order, as the CLI does), the routers' control endpoint and the
// Docker engines of the hosts of scripts/hosts.

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A command's exit code (null: killed at its timeout), its output, and how long it took. */
export function run(
  file: string,
  args: readonly string[],
  opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number | null; output: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { timeout: opts.timeoutMs ?? 30_000, killSignal: 'SIGKILL', maxBuffer: 16 << 20, env: opts.env ?? process.env },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        resolve({ code, output: `${stdout}${stderr}`, ms: performance.now() - t0 });
      },
    );
  });
}

/**
 * GET of a URL with a Host header of our own (fetch does not send one it is given): the status and body; status 0 on
 * an error or the timeout.
 */
export function getWithHost(url: string, host: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port || 80,
        path: `${u.pathname}${u.search}`,
        headers: { host },
        timeout: timeoutMs,
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', () => resolve({ status: 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end();
  });
}

/** KEY='value' lines of a file scripts/up wrote (paas.env); {} when it is missing. */
export function readEnvFile(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  const out: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2] as string;
    if (v.startsWith("'") && v.endsWith("'")) v = v.slice(1, -1).replace(/'\\''/g, "'");
    out[m[1] as string] = v;
  }
  return out;
}

/** The platform on this machine, as scripts/up and scripts/hosts laid it out. */
export class Platform {
  constructor(readonly stateDir: string) {}

  env(name = ''): Record<string, string> {
    return readEnvFile(join(this.stateDir, name ? `paas-${name}.env` : 'paas.env'));
  }

  /** Whether a supervised process of that name exists (builder-2, router-2). */
  has(name: string): boolean {
    return existsSync(join(this.stateDir, 'supervise', name));
  }

  pid(name: string): number | undefined {
    const file =
      name === 'nginx' ? join(this.stateDir, 'nginx', 'nginx.pid') : join(this.stateDir, 'supervise', name, 'pid');
    try {
      const n = Number(readFileSync(file, 'utf8').trim());
      return n > 0 ? n : undefined;
    } catch {
      return undefined;
    }
  }

  /** kill -9 of the supervised process NAME; its pid. */
  kill9(name: string): number {
    const pid = this.pid(name);
    if (!pid) throw new Error(`no pid for ${name} under ${this.stateDir}/supervise`);
    process.kill(pid, 'SIGKILL');
    return pid;
  }

  /** ms until NAME's pid file names a live process other than `old` (undefined: not within timeoutMs). */
  async back(name: string, old: number, t0: number, timeoutMs = 60_000): Promise<number | undefined> {
    while (performance.now() - t0 < timeoutMs) {
      const pid = this.pid(name);
      if (pid && pid !== old && alive(pid)) return performance.now() - t0;
      await sleep(20);
    }
    return undefined;
  }

  /** The pid of host K's agent (scripts/lib/hosts.sh supervises it under hosts/K). */
  hostAgentPid(k: number): number | undefined {
    try {
      const n = Number(
        readFileSync(join(this.stateDir, 'hosts', String(k), 'supervise', `h${k}-agent`, 'pid'), 'utf8').trim(),
      );
      return n > 0 ? n : undefined;
    } catch {
      return undefined;
    }
  }

  /** The hosts of scripts/hosts: number, slot and the id its agent registers (<main host id>-hK). */
  hosts(): { k: number; slot: number; id: string; socket: string }[] {
    const dir = join(this.stateDir, 'hosts');
    if (!existsSync(dir)) return [];
    const main = this.env().PAAS_HOST_ID || hostname();
    return readdirSync(dir)
      .filter((d) => /^\d+$/.test(d) && existsSync(join(dir, d, 'slot')))
      .map((d) => ({
        k: Number(d),
        slot: Number(readFileSync(join(dir, d, 'slot'), 'utf8').trim()),
        id: `${main}-h${d}`,
        socket: join(dir, d, 'docker.sock'),
      }))
      .sort((a, b) => a.k - b.k);
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) [ZX] /.test(stat);
  } catch {
    return false;
  }
}

/** The parent pid of a process (undefined when gone). */
export function ppid(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** Whether `pid` descends from `ancestor`. */
export function descends(pid: number, ancestor: number): boolean {
  for (let p: number | undefined = pid, i = 0; p && p > 1 && i < 64; p = ppid(p), i++) if (p === ancestor) return true;
  return false;
}

async function post(url: string, body: unknown, timeoutMs = 2000): Promise<unknown> {
  const res = await fetch(url, { method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return res.json();
}

/** etcd's members by client port: which one leads (its status through the HTTP gateway). */
export async function etcdLeader(ports: readonly number[]): Promise<{ leader?: number; followers: number[] }> {
  const ids = new Map<string, number>();
  let leaderId: string | undefined;
  for (const port of ports) {
    try {
      const st = (await post(`http://127.0.0.1:${port}/v3/maintenance/status`, {})) as {
        header: { member_id: string };
        leader: string;
      };
      ids.set(st.header.member_id, port);
      leaderId ??= st.leader;
    } catch {
      // a member down: not a candidate
    }
  }
  const leader = leaderId === undefined ? undefined : ids.get(leaderId);
  return { leader, followers: [...ids.values()].filter((p) => p !== leader) };
}

/** Whether the scheduler whose metrics are at `port` leads (paas_scheduler_leader 1); undefined: no answer. */
export async function schedulerLeads(port: number): Promise<boolean | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(1000) });
    const text = await res.text();
    const m = /^paas_scheduler_leader(?:\{[^}]*\})? (\d+)/m.exec(text);
    return m ? m[1] === '1' : undefined;
  } catch {
    return undefined;
  }
}

/** The platform's API over several URLs, each tried in turn, as the CLI does (its own timeouts, for polling). */
export class Api {
  constructor(
    readonly urls: readonly string[],
    private readonly token: string,
  ) {}

  async json<T>(method: string, path: string, body?: unknown, timeoutMs = 3000): Promise<T> {
    let last: unknown;
    for (const base of this.urls) {
      try {
        const res = await fetch(`${base.replace(/\/$/, '')}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${this.token}`,
            accept: 'application/json',
            ...(body !== undefined && { 'content-type': 'application/json' }),
          },
          ...(body !== undefined && { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(timeoutMs),
        });
        const text = await res.text();
        if (res.status === 502 || res.status === 503) {
          last = new Error(`${method} ${path}: ${res.status}`);
          continue;
        }
        if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
        return (text ? JSON.parse(text) : undefined) as T;
      } catch (err) {
        last = err;
      }
    }
    throw last instanceof Error ? last : new Error(String(last));
  }

  /** The app's releases, config and builds (retried until the API answers, at most timeoutMs). */
  async snapshot(app: string, timeoutMs = 60_000): Promise<Snapshot> {
    const t0 = performance.now();
    for (;;) {
      try {
        const [releases, config, builds] = await Promise.all([
          this.json<{ version: number; description: string }[]>('GET', `/apps/${app}/releases`),
          this.json<Record<string, string>>('GET', `/apps/${app}/config-vars`),
          this.json<{ id: string; status: string }[]>('GET', `/apps/${app}/builds`),
        ]);
        return {
          releases: releases.map((r) => ({ version: r.version, description: r.description })),
          config,
          builds: builds.map((b) => ({ id: b.id, status: b.status })),
        };
      } catch (err) {
        if (performance.now() - t0 > timeoutMs) throw err;
        await sleep(500);
      }
    }
  }

  async dynos(
    app: string,
  ): Promise<{ id: string; name: string; type: string; state: string; host: string; release: { version: number } }[]> {
    return this.json('GET', `/apps/${app}/dynos`);
  }
}

/** A router's peers for the app (GET /upstreams/<app> of its control endpoint); null: no answer. */
export async function routerUpstreams(controlPort: number, app: string): Promise<string[] | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${controlPort}/upstreams/${app}`, { signal: AbortSignal.timeout(1000) });
    if (res.status === 404) return [];
    if (!res.ok) return null;
    return (await res.text())
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
  } catch {
    return null;
  }
}

/** The app's running containers on a Docker engine, by dyno name (web.1); null: the engine did not answer. */
export async function engineDynos(
  socket: string,
  app: string,
  host: string,
): Promise<{ dyno: string; host: string }[] | null> {
  const r = await run(
    'docker',
    ['-H', `unix://${socket}`, 'ps', '--filter', `label=paas.app=${app}`, '--format', '{{.Label "paas.assignment"}}'],
    { timeoutMs: 5000 },
  );
  if (r.code !== 0) return null;
  return r.output
    .split('\n')
    .map((id) => parseAssignmentId(id.trim()))
    .filter((a) => a !== undefined)
    .map((a) => ({ dyno: `${a.type}.${a.index}`, host }));
}
