import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../../services/core/logger.js';
import { fetchLoginApi } from '../../../services/dashboard/login.js';
import { cookieValue } from '../../../services/dashboard/policy.js';
import { ApiProxy } from '../../../services/dashboard/proxy.js';
import { createDashboard } from '../../../services/dashboard/server.js';
import { openSession, type Session } from '../../../services/dashboard/session.js';
import { startController, type Harness } from '../controller/harness.js';

// The dashboard in-process over real HTTP, in front of the real controller
// (in-process too, over the real etcd), with a tiny UI of its own in a temp
// assets dir (index.html and one hashed asset).

export const INDEX_HTML = '<!doctype html><title>paas</title><script src="/assets/app-0123abcd.js"></script>\n';
export const ASSET_JS = 'console.log("paas dashboard");\n';

export interface DashboardHarness {
  api: Harness;
  /** The dashboard's base URL (http://127.0.0.1:<port>). */
  url: string;
  /** The dashboard's own origin (fetch sends Host itself: 127.0.0.1:<port>), for a same-site Origin header. */
  origin: string;
  proxy: ApiProxy;
  key: Buffer;
  /** The session a Set-Cookie or Cookie value carries (the test has the key). */
  sessionOf(cookie: string | undefined): Session | undefined;
  /** A request to the dashboard: Host set, body as JSON when an object. */
  call(
    method: string,
    path: string,
    opts?: { cookie?: string; headers?: Record<string, string>; body?: unknown; signal?: AbortSignal },
  ): Promise<Response>;
  close(): Promise<void>;
}

/** The dashboard in front of a controller of its own, or in front of `apiUrl` (an API that is not there, say). */
export async function startDashboard(name: string, opts: { apiUrl?: string } = {}): Promise<DashboardHarness> {
  const api = await startController(name);
  const assets = await mkdtemp(join(tmpdir(), 'paas-dashboard-'));
  await mkdir(join(assets, 'assets'));
  await writeFile(join(assets, 'index.html'), INDEX_HTML);
  await writeFile(join(assets, 'assets', 'app-0123abcd.js'), ASSET_JS);
  const key = randomBytes(32);
  const apiUrl = opts.apiUrl ?? api.url;
  const log = createLogger('dashboard', 'silent');
  const proxy = new ApiProxy({ apiUrl, log });
  const app = createDashboard({ assetsDir: assets, sessionKey: key, loginApi: fetchLoginApi(apiUrl), proxy, log });
  const server: Server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    api,
    url,
    origin: url,
    proxy,
    key,
    sessionOf: (cookie) => openSession(cookieValue(cookie), key, Date.now()),
    call: (method, path, o = {}) => {
      const headers: Record<string, string> = { ...o.headers };
      if (o.cookie) headers.cookie = o.cookie;
      const body = o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
      if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
        headers['content-type'] = 'application/json';
      return fetch(url + path, {
        method,
        headers,
        redirect: 'manual',
        ...(body !== undefined && { body }),
        ...(o.signal && { signal: o.signal }),
      });
    },
    async close() {
      proxy.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await api.close();
      await rm(assets, { recursive: true, force: true });
    },
  };
}

/** The `name=value` part of a Set-Cookie answer (what a browser sends back). */
export function cookieOf(res: Response): string {
  const set = res.headers.getSetCookie()[0] ?? '';
  return set.split(';')[0] ?? '';
}

/** Logs in with a token; the cookie to send back, and the session's CSRF token. */
export async function loginWith(d: DashboardHarness, token: string): Promise<{ cookie: string; csrf: string }> {
  const res = await d.call('POST', '/session', { body: { token } });
  if (res.status !== 200) throw new Error(`POST /session: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { csrf: string };
  return { cookie: cookieOf(res), csrf: body.csrf };
}
