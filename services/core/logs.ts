import { invalid } from './errors.js';
import { isAppName } from './names.js';
import { RELEASE_TYPE, RUN_TYPE } from './runs.js';

// App logs (issue 7), the pure part: the record every producer sends, Heroku's
// text format, filters, and the validation of an ingest batch.

export type LogSource = 'app' | 'router' | 'paas';
export const LOG_SOURCES: readonly LogSource[] = ['app', 'router', 'paas'];

/** One log line of an app. `at` is ISO 8601 UTC with microseconds (`2026-11-24T22:00:00.123456Z`). */
export interface LogRecord {
  at: string;
  source: LogSource;
  /** `web.1`, `run.1234`, `release.1`, `build`, `api`, `router`, ... */
  dyno: string;
  line: string;
}

/** A record as producers POST it to /internal/logs. */
export interface IngestRecord extends LogRecord {
  app: string;
}

/** The longest line kept, in bytes (longer lines are cut and marked). */
export const MAX_LINE_BYTES = 10 * 1024;
/** The most records in one POST /internal/logs. */
export const MAX_BATCH_RECORDS = 5000;
const DYNO = /^[a-z0-9][a-z0-9_.-]{0,62}$/;

/** `2026-11-24T22:00:00.123456Z` from a Date or an ISO/RFC3339Nano string (Docker's); undefined if unreadable. */
export function isoMicro(t: Date | string): string | undefined {
  if (t instanceof Date) return Number.isFinite(t.getTime()) ? t.toISOString().replace(/Z$/, '000Z') : undefined;
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(t);
  if (!m) return undefined;
  const frac = (m[2] ?? '').padEnd(6, '0').slice(0, 6);
  if (m[3] === 'Z' || m[3] === '+00:00') return `${m[1]}.${frac}Z`;
  const d = new Date(t);
  if (!Number.isFinite(d.getTime())) return undefined;
  return d.toISOString().replace(/\.\d{3}Z$/, `.${frac}Z`);
}

/** The current time with microseconds (from the high-resolution clock within the millisecond). */
export function nowMicro(now = Date.now()): string {
  const micros = Math.floor(Number(process.hrtime.bigint() / 1000n) % 1000);
  return new Date(now).toISOString().replace(/Z$/, `${String(micros).padStart(3, '0')}Z`);
}

/** `app[web.1]`, `paas[api]`, `router` (a dyno equal to the source, or none, is not repeated). */
export function tagOf(r: Pick<LogRecord, 'source' | 'dyno'>): string {
  return r.dyno === '' || r.dyno === r.source ? r.source : `${r.source}[${r.dyno}]`;
}

/** Heroku's line: `2026-11-24T22:00:00.123456+00:00 app[web.1]: listening`. */
export function formatLogLine(r: LogRecord): string {
  return `${r.at.replace(/Z$/, '+00:00')} ${tagOf(r)}: ${r.line}`;
}

/**
 * A line in Heroku's format (formatLogLine, as a log session streams it) back as a record; undefined for anything else
 * (a heartbeat). Pure.
 */
export function parseLogLine(text: string): LogRecord | undefined {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6})\+00:00 ([a-z]+)(?:\[([^\]]*)\])?: (.*)$/s.exec(text);
  if (!m || !LOG_SOURCES.includes(m[2] as LogSource)) return undefined;
  const source = m[2] as LogSource;
  return { at: `${m[1]}Z`, source, dyno: m[3] ?? source, line: m[4] as string };
}

export interface LogFilter {
  /** A process type (`web`: web.1, web.2, ...) or one dyno (`web.1`). */
  dyno?: string;
  source?: LogSource;
}

/**
 * The body of POST /apps/:app/log-sessions, as `paas logs` and the builder send it (the controller's
 * parseSessionRequest checks it).
 */
export interface LogSessionRequest extends LogFilter {
  lines: number;
  tail: boolean;
}

export function matchesFilter(r: LogRecord, f: LogFilter): boolean {
  if (f.source && r.source !== f.source) return false;
  if (f.dyno) {
    if (f.dyno.includes('.')) return r.dyno === f.dyno;
    return r.dyno === f.dyno || r.dyno.startsWith(`${f.dyno}.`);
  }
  return true;
}

/** A line cut to MAX_LINE_BYTES (UTF-8), control characters other than tab made visible; no newline. */
export function cleanLine(line: string, max = MAX_LINE_BYTES): string {
  // eslint-disable-next-line no-control-regex
  let s = line.replace(/\r?\n$/, '').replace(/[\u0000-\u0008\u000a-\u001f\u007f]/g, (c) => (c === '\u001b' ? c : ' '));
  if (Buffer.byteLength(s) > max) {
    const cut = Buffer.from(s)
      .subarray(0, max - 20)
      .toString('utf8')
      .replace(/\uFFFD$/, '');
    s = `${cut} [line truncated]`;
  }
  return s;
}

function str(v: unknown, what: string, i: number): string {
  if (typeof v !== 'string') throw invalid(`lines[${i}].${what} must be a string`);
  return v;
}

/** The body of POST /internal/logs: `{lines: [{app, at, source, dyno, line}, ...]}`. Pure. */
export function parseIngest(body: Record<string, unknown>): IngestRecord[] {
  const lines = body.lines;
  if (!Array.isArray(lines) || lines.length > MAX_BATCH_RECORDS)
    throw invalid(`lines must be an array of at most ${MAX_BATCH_RECORDS} records`);
  return lines.map((raw: unknown, i) => {
    if (typeof raw !== 'object' || raw === null) throw invalid(`lines[${i}] must be an object`);
    const r = raw as Record<string, unknown>;
    const app = str(r.app, 'app', i);
    if (!isAppName(app)) throw invalid(`lines[${i}].app is not an app name`);
    const at = isoMicro(str(r.at, 'at', i));
    if (!at) throw invalid(`lines[${i}].at must be an ISO 8601 time`);
    const source = str(r.source, 'source', i);
    if (!LOG_SOURCES.includes(source as LogSource)) throw invalid(`lines[${i}].source must be app, router or paas`);
    const dyno = str(r.dyno, 'dyno', i);
    if (!DYNO.test(dyno)) throw invalid(`lines[${i}].dyno must match ${DYNO.source}`);
    return { app, at, source: source as LogSource, dyno, line: cleanLine(str(r.line, 'line', i)) };
  });
}

/** A dyno filter from the API or CLI: `web`, `web.1`; undefined when empty. */
export function parseDynoFilter(v: unknown): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string' || !DYNO.test(v)) throw invalid('dyno must be a process type (web) or a dyno name (web.1)');
  return v;
}

export function parseSourceFilter(v: unknown): LogSource | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string' || !LOG_SOURCES.includes(v as LogSource))
    throw invalid('source must be app, router or paas');
  return v as LogSource;
}

/** `web.1` from an assignment id `<app>.<type>.<index>.v<release>[.g<n>]`; the type alone when it has no index. */
export function dynoOf(app: string, assignmentId: string, type: string): string {
  const rest = assignmentId.startsWith(`${app}.`) ? assignmentId.slice(app.length + 1) : '';
  const m = /^([a-z0-9_-]+)\.(\d+)(?:\.|$)/i.exec(rest);
  return m ? `${m[1]}.${m[2]}`.toLowerCase() : (type || 'run').toLowerCase();
}

/**
 * Heroku's state line after a process exits: a one-off (`paas run`, the
 * release phase) completes, whatever its status; any other process crashed,
 * unless the platform stopped it (a deploy, a scale-down), when it is down.
 */
export function exitStateLine(type: string, stoppedByPlatform: boolean): string {
  if (type === RUN_TYPE || type === RELEASE_TYPE) return 'State changed from up to complete';
  return stoppedByPlatform ? 'State changed from up to down' : 'State changed from up to crashed';
}

/** `Error L10 (output buffer overflow): 12345 messages dropped since 2026-11-24T22:00:00.123456+00:00.` */
export function l10Line(count: number, since: string): string {
  return `Error L10 (output buffer overflow): ${count} messages dropped since ${since.replace(/Z$/, '+00:00')}.`;
}

/** Parses the L10 line back (the benchmark counts drops from it). */
export function parseL10(line: string): number | undefined {
  const m = /Error L10 \(output buffer overflow\): (\d+) messages dropped/.exec(line);
  return m ? Number(m[1]) : undefined;
}
