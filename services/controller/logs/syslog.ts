import { invalid } from '../../core/errors.js';
import type { LogRecord } from '../../core/logs.js';

// Log drains, the pure part: which URLs are accepted, and RFC 5424 messages
// in RFC 6587 octet-counting frames (also the body of Heroku's
// application/logplex-1 POSTs).

export type DrainKind = 'syslog' | 'syslog+tls' | 'https';

export interface DrainTarget {
  kind: DrainKind;
  host: string;
  port: number;
  /** https only: the URL to POST to. */
  url: string;
}

export const MAX_DRAIN_URL = 2048;

/**
 * A drain URL: `syslog://host:port`, `syslog+tls://host:port` or `https://...`; 422 with the reason otherwise. Pure.
 */
export function parseDrainUrl(input: unknown): DrainTarget {
  if (typeof input !== 'string' || input.trim() === '')
    throw invalid('url is required, e.g. syslog+tls://logs.example.com:6514 or https://logs.example.com/drain');
  const raw = input.trim();
  if (raw.length > MAX_DRAIN_URL) throw invalid(`url is longer than ${MAX_DRAIN_URL} characters`);
  if (/\s/.test(raw)) throw invalid('url must not contain spaces');
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw invalid(`${raw} is not a URL`);
  }
  const scheme = u.protocol.replace(/:$/, '');
  if (scheme !== 'syslog' && scheme !== 'syslog+tls' && scheme !== 'https')
    throw invalid(`Unsupported drain scheme ${scheme}://: use syslog://, syslog+tls:// or https://`);
  if (!u.hostname) throw invalid('url must name a host');
  if (scheme === 'https') {
    return { kind: 'https', host: u.hostname, port: u.port ? Number(u.port) : 443, url: u.toString() };
  }
  if (u.username || u.password) throw invalid('A syslog drain URL must not carry credentials');
  if (!u.port) throw invalid(`A syslog drain URL needs a port, e.g. ${scheme}://${u.hostname}:6514`);
  if ((u.pathname && u.pathname !== '/') || u.search || u.hash)
    throw invalid('A syslog drain URL is only scheme://host:port');
  return {
    kind: scheme,
    host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: Number(u.port),
    url: `${scheme}://${u.host}`,
  };
}

/** RFC 5424 printable-ASCII field (1..max), '-' when empty. */
function field(s: string, max: number): string {
  const v = s.replace(/[^\x21-\x7e]/g, '').slice(0, max);
  return v === '' ? '-' : v;
}

/** local7.info, as Heroku sends: <190>. */
export const SYSLOG_PRI = 190;

/** `<190>1 2026-11-24T22:00:00.123456+00:00 <token> app web.1 - - listening` */
export function syslogMessage(r: LogRecord, token: string): string {
  return `<${SYSLOG_PRI}>1 ${r.at.replace(/Z$/, '+00:00')} ${field(token, 255)} ${field(r.source, 48)} ${field(r.dyno, 128)} - - ${r.line}`;
}

/** RFC 6587 octet counting: `<bytes of msg> <msg>`. */
export function octetFrame(msg: string): string {
  return `${Buffer.byteLength(msg)} ${msg}`;
}

/**
 * Splits a stream of octet-counted frames; returns the messages and the unread rest. Pure (the tests' receiver uses
 * it).
 */
export function readFrames(buf: Buffer): { messages: string[]; rest: Buffer } {
  const messages: string[] = [];
  let off = 0;
  for (;;) {
    const sp = buf.indexOf(0x20, off);
    if (sp < 0) break;
    const len = Number(buf.subarray(off, sp).toString('ascii'));
    if (!Number.isInteger(len) || len < 0) throw new Error(`bad frame length at ${off}`);
    if (buf.length < sp + 1 + len) break;
    messages.push(buf.subarray(sp + 1, sp + 1 + len).toString('utf8'));
    off = sp + 1 + len;
  }
  return { messages, rest: buf.subarray(off) };
}
