import { request } from 'node:http';
import { connect } from 'node:net';
import type { Assignment } from '../core/types.js';

// Health check: the container's published port accepts a TCP connection and
// keeps it open. Docker's userland proxy accepts on the host port even while
// nothing listens in the container, and then closes the connection at once;
// so a connection only counts once it has stayed open for `settleMs`. A
// release that declares an HTTP check (app.json, core/healthcheck.ts) is up
// once GET <path> answers 2xx/3xx instead. Only web processes are checked.

/** One attempt: resolves true if address:port accepts and does not hang up within settleMs. */
export function tcpAccepts(
  address: string,
  port: number,
  opts: { timeoutMs?: number; settleMs?: number } = {},
): Promise<boolean> {
  const timeoutMs = opts.timeoutMs ?? 1000;
  const settleMs = opts.settleMs ?? 200;
  return new Promise((resolve) => {
    let settled = false;
    const sock = connect({ host: address, port });
    sock.resume(); // read and drop anything sent, so a hang-up is seen
    const done = (ok: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs + settleMs);
    sock.once('connect', () => setTimeout(() => done(true), settleMs));
    sock.once('end', () => done(false));
    sock.once('close', () => done(false));
    sock.once('error', () => done(false));
  });
}

/** Tries until the port accepts (true), the deadline passes or the signal aborts (false). */
export async function waitForPort(opts: {
  address: string;
  port: number;
  deadline: number;
  signal: AbortSignal;
  intervalMs?: number;
  /** How long an accepted connection must stay open to count (tcpAccepts); 0 for a container's own address. */
  settleMs?: number;
}): Promise<boolean> {
  const interval = opts.intervalMs ?? 100;
  const settle = opts.settleMs === undefined ? {} : { settleMs: opts.settleMs };
  while (!opts.signal.aborted && Date.now() < opts.deadline) {
    if (await tcpAccepts(opts.address, opts.port, settle)) return true;
    await new Promise((r) => setTimeout(r, interval));
  }
  return false;
}

export type HttpCheck = 'ok' | 'failed' | 'unreachable';

/**
 * One HTTP attempt: GET http://address:port<path> with the app's Host header.
 * 'ok': 2xx or 3xx within timeoutMs (redirects are not followed); 'failed':
 * another status or no answer in time; 'unreachable': the connection was
 * refused or dropped (nothing listens yet, as behind Docker's port proxy).
 */
export function httpCheck(opts: {
  address: string;
  port: number;
  path: string;
  host: string;
  timeoutMs: number;
  signal?: AbortSignal;
}): Promise<HttpCheck> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (ok: HttpCheck) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(ok);
    };
    const req = request(
      {
        host: opts.address,
        port: opts.port,
        path: opts.path,
        method: 'GET',
        headers: { host: opts.host, 'user-agent': 'paas-health-check' },
        agent: false,
      },
      (res) => {
        res.resume();
        done(res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 400 ? 'ok' : 'failed');
      },
    );
    const timer = setTimeout(() => done('failed'), opts.timeoutMs);
    req.once('error', () => done('unreachable'));
    opts.signal?.addEventListener('abort', () => done('unreachable'), { once: true });
    req.end();
  });
}

/**
 * Tries the HTTP check until it passes (true), `attempts` of them fail (an
 * unreachable port does not count: the app may still be starting), the
 * deadline passes or the signal aborts (false).
 */
export async function waitForHttp(opts: {
  address: string;
  port: number;
  path: string;
  host: string;
  timeoutMs: number;
  attempts?: number;
  deadline: number;
  signal: AbortSignal;
  intervalMs?: number;
  /** How soon to try again while nothing listens (default 100 ms). */
  unreachableMs?: number;
}): Promise<boolean> {
  const interval = opts.intervalMs ?? 1000;
  const unreachable = opts.unreachableMs ?? 100;
  let failed = 0;
  while (!opts.signal.aborted && Date.now() < opts.deadline) {
    const timeoutMs = Math.max(100, Math.min(opts.timeoutMs, opts.deadline - Date.now()));
    const result = await httpCheck({ ...opts, timeoutMs });
    if (result === 'ok') return true;
    if (result === 'failed') failed += 1;
    if (opts.attempts !== undefined && failed >= opts.attempts) return false;
    // Not listening yet: look again soon; a wrong answer waits the whole interval (attempts are spaced by it).
    await new Promise((r) => setTimeout(r, result === 'failed' ? interval : Math.min(interval, unreachable)));
  }
  return false;
}

/** Whether the process must answer on its port to be up: web processes only, as on Heroku. */
export function listens(a: Pick<Assignment, 'type'>): boolean {
  return a.type === 'web';
}

/**
 * Where an assignment's container is checked: its published port on this host, or (`direct`) its own address on the
 * Docker network, and the domain of its Host header.
 */
export interface CheckTarget {
  address: string;
  port: number;
  domain: string;
  /**
   * The container's own address: a connection is refused until the app listens (no proxy accepts for it), so no
   * settle time is needed and it is tried every DIRECT_POLL_MS.
   */
  direct?: boolean;
}

/** How often a container's own address is tried while it starts: a wake waits on this. */
export const DIRECT_POLL_MS = 5;

/** The container's address on its Docker network ("ip:port", Instance.bridge) as a check target. */
export function directTarget(bridge: string | undefined, domain: string): CheckTarget | undefined {
  const m = bridge ? /^(\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(bridge) : null;
  return m ? { address: m[1]!, port: Number(m[2]), domain, direct: true } : undefined;
}

/** One HTTP check of the container: its path, with the app's Host header, within the release's timeout. */
function httpTarget(a: Pick<Assignment, 'app'>, hc: NonNullable<Assignment['healthcheck']>, t: CheckTarget) {
  const timeoutMs = (hc.timeoutS ?? 5) * 1000;
  return { address: t.address, port: t.port, path: hc.path, host: `${a.app}.${t.domain}`, timeoutMs };
}

/** Checks a started web container until it is up (true): its release's HTTP path if it has one, else its port. */
export function waitUntilUp(
  a: Pick<Assignment, 'app' | 'healthcheck'>,
  t: CheckTarget,
  o: { deadline: number; signal: AbortSignal },
): Promise<boolean> {
  const hc = a.healthcheck;
  const fast = t.direct ? { intervalMs: DIRECT_POLL_MS, settleMs: 0 } : {};
  if (!hc) return waitForPort({ address: t.address, port: t.port, ...fast, ...o });
  return waitForHttp({
    ...httpTarget(a, hc, t),
    ...(hc.attempts && { attempts: hc.attempts }),
    ...(t.direct && { unreachableMs: DIRECT_POLL_MS }),
    ...o,
  });
}

/**
 * One check of a running web container (one the agent adopts): its release's HTTP path if it has one, else its port.
 */
export async function answers(a: Pick<Assignment, 'app' | 'healthcheck'>, t: CheckTarget): Promise<boolean> {
  const hc = a.healthcheck;
  if (!hc) return tcpAccepts(t.address, t.port);
  return (await httpCheck(httpTarget(a, hc, t))) === 'ok';
}
