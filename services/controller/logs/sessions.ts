import { randomBytes } from 'node:crypto';
import type { Response } from 'express';
import { invalid } from '../../core/errors.js';
import {
  formatLogLine,
  matchesFilter,
  parseDynoFilter,
  parseSourceFilter,
  type LogFilter,
  type LogRecord,
  type LogSessionRequest,
} from '../../core/logs.js';
import type { Grant } from '../access/guard.js';
import type { LogCounts } from '../metrics/counters.js';
import type { LogStore } from './store.js';
import { by } from '../../core/compare.js';

// Heroku's log sessions: POST /apps/:app/log-sessions answers a logplex_url
// that streams the app's lines as text. The URL carries an unguessable id
// (128 bits), valid for SESSION_TTL_MS, so `curl <logplex_url>` works with
// no token; a tail started within that time streams until the client leaves,
// or until the user who made it loses access to the app (then the stream ends
// with a last `paas[logs]` line; access/guard.ts).

export const SESSION_TTL_MS = 5 * 60_000;
export const MAX_SESSIONS = 10_000;
export const DEFAULT_LINES = 100;
export const MAX_LINES_ASKED = 10_000;
/** A tail client that lets this much pile up unread loses lines (counted, then told). */
export const SLOW_CLIENT_BYTES = 1024 * 1024;
/**
 * An empty line this often keeps a quiet tail open: under the router's 30 s read timeout (READ_TIMEOUT_S), which a
 * tail through the dashboard (dashboard.<domain>, proxied by nginx) would otherwise hit.
 */
export const HEARTBEAT_MS = 20_000;

export interface LogSession extends LogSessionRequest {
  id: string;
  app: string;
  createdAt: string;
  expiresAt: number;
  /** Who made it (absent for the builder's internal sessions): the stream lasts while they may see the app. */
  grant?: Grant;
}

/** The body of POST /apps/:app/log-sessions: `{lines?, tail?, dyno?, source?}`. Pure. */
export function parseSessionRequest(body: Record<string, unknown>): LogSessionRequest {
  const lines = body.lines ?? DEFAULT_LINES;
  if (typeof lines !== 'number' || !Number.isInteger(lines) || lines < 0 || lines > MAX_LINES_ASKED)
    throw invalid(`lines must be an integer 0..${MAX_LINES_ASKED}`);
  if (body.tail !== undefined && typeof body.tail !== 'boolean') throw invalid('tail must be true or false');
  const dyno = parseDynoFilter(body.dyno);
  const source = parseSourceFilter(body.source);
  return { lines, tail: body.tail === true, ...(dyno && { dyno }), ...(source && { source }) };
}

export class SessionTable {
  private readonly sessions = new Map<string, LogSession>();

  create(app: string, req: LogSessionRequest, grant?: Grant, now = Date.now()): LogSession {
    for (const [id, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(id);
    while (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value as string);
    const s: LogSession = {
      ...req,
      id: randomBytes(16).toString('hex'),
      app,
      createdAt: new Date(now).toISOString(),
      expiresAt: now + SESSION_TTL_MS,
      ...(grant && { grant }),
    };
    this.sessions.set(s.id, s);
    return s;
  }

  /** The live session with this id for this app, else undefined. */
  get(app: string, id: string, now = Date.now()): LogSession | undefined {
    const s = this.sessions.get(id);
    return s && s.app === app && s.expiresAt > now ? s : undefined;
  }
}

/**
 * The records in time order (a copy; stable, so records of the same time keep
 * their order). They arrive in batches from several producers (agents, the
 * router), so arrival order can put a line before an earlier one. Pure.
 */
export function byTime(records: readonly LogRecord[]): LogRecord[] {
  return [...records].sort(by((r) => r.at));
}

/** The last `n` records matching the filter, oldest first. Pure. */
export function lastMatching(records: readonly LogRecord[], filter: LogFilter, n: number): LogRecord[] {
  const out: LogRecord[] = [];
  for (let i = records.length - 1; i >= 0 && out.length < n; i--) {
    const r = records[i] as LogRecord;
    if (matchesFilter(r, filter)) out.push(r);
  }
  return out.reverse();
}

/**
 * Writes the session's lines to `res` as text/plain: the history, then (tail)
 * every new line until the client disconnects. Subscribes before reading the
 * history, so nothing falls between the two; a record seen in both is written once.
 */
export async function streamSession(
  store: LogStore,
  s: LogSession,
  res: Response,
  guard?: (onLost: () => void) => () => void,
  counts?: Pick<LogCounts, 'dropped'>,
): Promise<void> {
  res.status(200);
  res.setHeader('content-type', 'text/plain; charset=utf-8');
  res.setHeader('cache-control', 'no-cache');
  res.setHeader('x-accel-buffering', 'no');
  const filter: LogFilter = { ...(s.dyno && { dyno: s.dyno }), ...(s.source && { source: s.source }) };
  const pending: LogRecord[] = [];
  let live = false;
  let dropped = 0;
  const write = (records: readonly LogRecord[]): void => {
    const text = records
      .filter((r) => matchesFilter(r, filter))
      .map((r) => formatLogLine(r) + '\n')
      .join('');
    if (!text) return;
    if (res.writableLength > SLOW_CLIENT_BYTES) {
      const lost = text.split('\n').length - 1;
      dropped += lost;
      counts?.dropped('tail_overflow', lost);
      return;
    }
    if (dropped > 0) {
      res.write(
        `${new Date().toISOString().replace(/Z$/, '000+00:00')} paas[logs]: Error L11 (tail buffer overflow): ${dropped} messages dropped (the client reads too slowly)\n`,
      );
      dropped = 0;
    }
    res.write(text);
  };
  const unsubscribe = s.tail
    ? store.subscribe(s.app, (records) => (live ? write(records) : pending.push(...records)))
    : undefined;
  try {
    const kept = byTime(await store.recent(s.app, Number.MAX_SAFE_INTEGER));
    const seen = new Set(pending); // arrived since subscribing: written after the history
    const history = lastMatching(
      kept.filter((r) => !seen.has(r)),
      filter,
      s.lines,
    );
    write(history);
    write(pending);
    pending.length = 0;
    live = true;
    if (!unsubscribe) {
      res.end();
      return;
    }
    res.flushHeaders();
    const beat = setInterval(() => res.write('\n'), HEARTBEAT_MS);
    let unguard: (() => void) | undefined;
    await new Promise<void>((resolve) => {
      res.on('close', resolve);
      res.on('error', resolve);
      unguard = guard?.(() => {
        res.end(
          `${new Date().toISOString().replace(/Z$/, '000+00:00')} paas[logs]: the stream ended: access to the app ended\n`,
        );
        resolve();
      });
    });
    unguard?.();
    clearInterval(beat);
  } finally {
    unsubscribe?.();
  }
}
