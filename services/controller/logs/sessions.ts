import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
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
  type LogSource,
} from '../../core/logs.js';
import type { Grant } from '../access/guard.js';
import type { LogCounts } from '../metrics/counters.js';
import type { LogStore } from './store.js';
import { by } from '../../core/compare.js';

// Heroku's log sessions: POST /apps/:app/log-sessions answers a logplex_url
// that streams the app's lines as text. The URL carries an unguessable id,
// valid for SESSION_TTL_MS, so `curl <logplex_url>` works with no token; the
// id is the session itself, sealed with a key from the internal token
// (AES-256-GCM: a 96-bit random IV and a 128-bit tag; sealSession), so any
// controller opens a session another made and none keeps a table; a tail started within that time streams until the client leaves,
// or until the user who made it loses access to the app (then the stream ends
// with a last `paas[logs]` line; access/guard.ts).

export const SESSION_TTL_MS = 5 * 60_000;
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

/** A session's sealed id: AES-256-GCM over its JSON, the key from the internal token (HKDF), base64url. */
interface Sealed {
  /** app, lines, tail, dyno, source */
  a: string;
  l: number;
  t: boolean;
  d?: string;
  s?: LogSource;
  /** grant: user id and API token hash */
  u?: string;
  h?: string;
  /** created, expires (ms) */
  c: number;
  e: number;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The sealing key of log sessions from the internal token (every controller has it). Pure. */
export function sessionKey(internalToken: string): Buffer {
  return Buffer.from(hkdfSync('sha256', internalToken, 'paas log sessions', 'v1 aes-256-gcm', 32));
}

/**
 * The session as its id: sealed (AES-256-GCM, a fresh random IV), so any controller with the internal token opens
 * it, nobody without can read or make one (the grant's token hash stays hidden), and a changed byte is refused. Pure
 * but for the IV.
 */
export function sealSession(key: Buffer, s: Omit<LogSession, 'id'>): string {
  const v: Sealed = {
    a: s.app,
    l: s.lines,
    t: s.tail,
    ...(s.dyno && { d: s.dyno }),
    ...(s.source && { s: s.source }),
    ...(s.grant && { u: s.grant.userId, h: s.grant.tokenHash }),
    c: Date.parse(s.createdAt),
    e: s.expiresAt,
  };
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(v), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
}

/** The session an id seals, when it opens with the key, is of `app` and has not expired; else undefined. Pure. */
export function openSession(key: Buffer, app: string, id: string, now = Date.now()): LogSession | undefined {
  if (!/^[A-Za-z0-9_-]{40,2048}$/.test(id)) return undefined;
  const raw = Buffer.from(id, 'base64url');
  if (raw.length <= IV_BYTES + TAG_BYTES) return undefined;
  let v: Sealed;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
    const text = Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]);
    v = JSON.parse(text.toString('utf8')) as Sealed;
  } catch {
    return undefined;
  }
  if (v.a !== app || !(v.e > now)) return undefined;
  return {
    id,
    app: v.a,
    lines: v.l,
    tail: v.t,
    ...(v.d && { dyno: v.d }),
    ...(v.s && { source: v.s }),
    createdAt: new Date(v.c).toISOString(),
    expiresAt: v.e,
    ...(v.u && v.h && { grant: { app: v.a, userId: v.u, tokenHash: v.h } }),
  };
}

/**
 * Makes and opens log sessions. Nothing is kept: the id is the session, sealed (sealSession), so a session made on
 * one controller streams from any other (issue 19). Until useSecret, a random key (one controller, as in tests of
 * other parts); createApp gives it the internal token.
 */
export class SessionTable {
  private key: Buffer = randomBytes(32);

  /** Seals with the key every controller derives from the internal token. */
  useSecret(internalToken: string): void {
    this.key = sessionKey(internalToken);
  }

  create(app: string, req: LogSessionRequest, grant?: Grant, now = Date.now()): LogSession {
    const s: Omit<LogSession, 'id'> = {
      ...req,
      app,
      createdAt: new Date(now).toISOString(),
      expiresAt: now + SESSION_TTL_MS,
      ...(grant && { grant }),
    };
    return { ...s, id: sealSession(this.key, s) };
  }

  /** The live session with this id for this app, else undefined. */
  get(app: string, id: string, now = Date.now()): LogSession | undefined {
    return openSession(this.key, app, id, now);
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
