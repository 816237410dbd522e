import { open, stat, type FileHandle } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';

// nginx's access log: one JSON object per request (log_format paas_json in
// render.ts), in $PAAS_STATE_DIR/nginx/logs/access.log. parseAccessLine turns
// a line into a record, routerLine into Heroku's router log line (what `paas
// logs` shows as source "router"); AccessLogTail follows the file and hands
// each record on.

export interface AccessRecord {
  /** The app whose server answered; "" for an unknown host (the 404 page). */
  app: string;
  /** ISO 8601 with milliseconds. */
  at: string;
  host: string;
  method: string;
  /** The path with its query, as the client sent it. */
  path: string;
  protocol: string;
  status: number;
  /** Body bytes sent to the client. */
  bytes: number;
  /** From the first byte of the request to the last byte of the answer. */
  durationMs: number;
  /** Every container tried, in order ("host:port"); empty when nginx answered itself. */
  upstreams: string[];
  /** The status from the last container tried, if one answered. */
  upstreamStatus?: number;
  /** Time to connect to the last container tried, and to get its whole answer. */
  connectMs?: number;
  serviceMs?: number;
  requestId: string;
  /** The client's address as nginx saw it. */
  client: string;
}

type Raw = Record<string, unknown>;

function text(raw: Raw, key: string): string | undefined {
  const v = raw[key];
  return typeof v === 'string' ? v : undefined;
}

/** nginx's "a, b : c" lists (", " between tries, " : " across internal redirects) -> the parts, "-" dropped. */
function list(value: string | undefined): string[] {
  if (!value) return [];
  return value
    .split(/\s*[,:]\s+|\s+:\s*/)
    .map((s) => s.trim())
    .filter((s) => s !== '' && s !== '-');
}

/** The last number of an nginx list ("0.001, 0.002"), in ms; undefined when none. */
function lastMs(value: string | undefined): number | undefined {
  const parts = (value ?? '')
    .split(/[,:]\s*/)
    .map((s) => s.trim())
    .filter((s) => s !== '' && s !== '-');
  const last = parts[parts.length - 1];
  if (last === undefined) return undefined;
  const n = Number(last);
  return Number.isFinite(n) ? Math.round(n * 1000) : undefined;
}

function lastInt(value: string | undefined): number | undefined {
  const parts = list(value);
  const n = Number(parts[parts.length - 1]);
  return parts.length > 0 && Number.isInteger(n) ? n : undefined;
}

/** One line of the access log, or undefined when it is not one of ours (partial, foreign, corrupt). */
export function parseAccessLine(line: string): AccessRecord | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const r = raw as Raw;
  const msec = Number(text(r, 'at'));
  const status = Number(text(r, 'status'));
  const app = text(r, 'app');
  if (!Number.isFinite(msec) || msec <= 0 || !Number.isInteger(status) || app === undefined) return undefined;
  const record: AccessRecord = {
    app,
    at: new Date(Math.round(msec * 1000)).toISOString(),
    host: text(r, 'host') ?? '',
    method: text(r, 'method') ?? '',
    path: text(r, 'path') ?? '',
    protocol: text(r, 'protocol') ?? '',
    status,
    bytes: Number(text(r, 'bytes')) || 0,
    durationMs: Math.round((Number(text(r, 'request_time')) || 0) * 1000),
    upstreams: list(text(r, 'upstream')),
    requestId: text(r, 'request_id') ?? '',
    client: text(r, 'client') ?? '',
  };
  const upstreamStatus = lastInt(text(r, 'upstream_status'));
  if (upstreamStatus !== undefined) record.upstreamStatus = upstreamStatus;
  const connectMs = lastMs(text(r, 'upstream_connect_time'));
  if (connectMs !== undefined) record.connectMs = connectMs;
  const serviceMs = lastMs(text(r, 'upstream_time'));
  if (serviceMs !== undefined) record.serviceMs = serviceMs;
  return record;
}

function quoted(s: string): string {
  return JSON.stringify(s);
}

/**
 * Heroku's router line: `at=info method=GET path="/" host=... request_id=... fwd="..." dyno=web.1 connect=1ms
 * service=5ms status=200 bytes=12 protocol=http`.
 * `dynoOf` names the container at an upstream address (the address itself when it cannot).
 */
export function routerLine(
  r: AccessRecord,
  dynoOf: (upstream: string) => string | undefined = () => undefined,
): string {
  const error = r.status >= 500 && r.upstreamStatus !== r.status;
  const upstream = r.upstreams[r.upstreams.length - 1];
  const parts = [
    `at=${error ? 'error' : 'info'}`,
    `method=${r.method}`,
    `path=${quoted(r.path)}`,
    `host=${r.host}`,
    `request_id=${r.requestId}`,
    `fwd=${quoted(r.client)}`,
    `dyno=${upstream === undefined ? '' : (dynoOf(upstream) ?? upstream)}`,
    `connect=${r.connectMs ?? 0}ms`,
    `service=${r.serviceMs ?? r.durationMs}ms`,
    `status=${r.status}`,
    `bytes=${r.bytes}`,
    `protocol=${r.protocol.toLowerCase().startsWith('http') ? 'http' : r.protocol}`,
  ];
  return parts.join(' ');
}

export interface TailOptions {
  /** Start at the end of the file (only new requests) rather than its beginning. */
  fromEnd?: boolean;
  pollMs?: number;
  onRecord(record: AccessRecord): void;
  onError?(err: unknown): void;
}

/**
 * Follows the access log by polling: new complete lines are parsed and
 * handed on; a shorter file (truncated) or another inode (rotated) is read
 * again from its start. Lines that do not parse are skipped.
 */
export class AccessLogTail {
  private offset = 0;
  private ino: number | undefined;
  private partial = '';
  private decoder = new StringDecoder('utf8');
  private timer: NodeJS.Timeout | undefined;
  private busy: Promise<void> | undefined;
  private first = true;

  constructor(
    readonly path: string,
    private readonly opts: TailOptions,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.poll(), this.opts.pollMs ?? 500);
    void this.poll();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.busy;
  }

  /** Reads what was appended since the last call (one read at a time). */
  poll(): Promise<void> {
    this.busy ??= this.read()
      .catch((err: unknown) => this.opts.onError?.(err))
      .finally(() => (this.busy = undefined));
    return this.busy;
  }

  private restart(ino: number, at: number): void {
    this.ino = ino;
    this.offset = at;
    this.partial = '';
    this.decoder = new StringDecoder('utf8');
  }

  private async read(): Promise<void> {
    let st;
    try {
      st = await stat(this.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    if (this.first) {
      this.first = false;
      this.restart(st.ino, this.opts.fromEnd ? st.size : 0);
    } else if (st.ino !== this.ino || st.size < this.offset) {
      this.restart(st.ino, 0);
    }
    if (st.size === this.offset) return;
    let fh: FileHandle | undefined;
    try {
      fh = await open(this.path, 'r');
      const buf = Buffer.alloc(64 * 1024);
      for (;;) {
        const { bytesRead } = await fh.read(buf, 0, buf.length, this.offset);
        if (bytesRead === 0) break;
        this.offset += bytesRead;
        this.take(this.decoder.write(buf.subarray(0, bytesRead)));
      }
    } finally {
      await fh?.close();
    }
  }

  private take(chunk: string): void {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      const record = parseAccessLine(line);
      if (record) this.opts.onRecord(record);
    }
  }
}
