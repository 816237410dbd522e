import { request } from 'node:http';

// Client of nginx's local-only control endpoint (see lua.ts): the router sets
// each app's peers there, so a change of upstreams never reloads nginx.

export interface UpstreamControl {
  /** Replaces the peers ("host:port") of one app; an empty list makes the app answer 503. */
  set(app: string, upstreams: readonly string[]): Promise<void>;
  remove(app: string): Promise<void>;
  /** Every app's peers as nginx holds them. */
  list(): Promise<Map<string, string[]>>;
}

export class ControlError extends Error {
  override name = 'ControlError';
}

interface Answer {
  status: number;
  body: string;
}

/** Parses the GET /upstreams answer: one "app host:port host:port ..." line per app. */
export function parseUpstreamList(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const [app, ...peers] = line.trim().split(/\s+/);
    if (app) out.set(app, peers);
  }
  return out;
}

export class HttpUpstreamControl implements UpstreamControl {
  constructor(
    readonly port: number,
    private readonly host = '127.0.0.1',
    private readonly timeoutMs = 5000,
  ) {}

  private call(method: string, path: string, body?: string): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: this.host,
          port: this.port,
          method,
          path,
          agent: false,
          timeout: this.timeoutMs,
          headers:
            body === undefined ? {} : { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () =>
        req.destroy(new ControlError(`${method} ${path}: no answer from nginx's control endpoint`)),
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  private async expectOk(method: string, path: string, body?: string): Promise<string> {
    const res = await this.call(method, path, body);
    if (res.status !== 200) throw new ControlError(`${method} ${path}: ${res.status} ${res.body.trim()}`);
    return res.body;
  }

  async set(app: string, upstreams: readonly string[]): Promise<void> {
    await this.expectOk('PUT', `/upstreams/${encodeURIComponent(app)}`, upstreams.map((u) => `${u}\n`).join(''));
  }

  async remove(app: string): Promise<void> {
    await this.expectOk('DELETE', `/upstreams/${encodeURIComponent(app)}`);
  }

  async list(): Promise<Map<string, string[]>> {
    return parseUpstreamList(await this.expectOk('GET', '/upstreams'));
  }
}
