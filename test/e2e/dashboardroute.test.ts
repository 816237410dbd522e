import { request } from 'node:http';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, run, waitFor } from '../support/run.js';
import { domain, env, httpPort } from './user.js';

// The dashboard as scripts/up runs it (issue 18): a service of the platform,
// served by the router at dashboard.<domain> on the HTTP port, in front of the
// platform's API. A user logs in with a token, sees their account through
// /api, and logs out, which revokes the session's token. (The UI itself is
// driven by Chromium in the UI's own e2e tests.) Needs a platform brought up
// by scripts/up (scripts/test).

const host = httpPort === 80 ? `dashboard.${domain}` : `dashboard.${domain}:${httpPort}`;
const origin = `http://${host}`;
const adminConfigDir = process.env.PAAS_CONFIG_DIR ?? env.PAAS_CONFIG_DIR;
const email = `dash-${Date.now().toString(36)}@example.com`;
let token: string;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request to the router for dashboard.<domain>. */
function ask(method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<Answer> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: httpPort,
        method,
        path,
        agent: false,
        headers: { host, ...(payload !== undefined && { 'content-type': 'application/json' }), ...headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.end(payload);
  });
}

beforeAll(async () => {
  const made = await run('node', [CLI, 'users:create', email, '--json'], {
    env: { PAAS_CONFIG_DIR: adminConfigDir, PAAS_API_URL: undefined, PAAS_TOKEN: undefined },
  });
  expect(made.code, made.stderr).toBe(0);
  token = JSON.parse(made.stdout).token as string;
});

describe('the dashboard through the router', () => {
  it('answers at dashboard.<domain> with its security headers', async () => {
    const health = await waitFor('the dashboard to answer', 30_000, async () => {
      const a = await ask('GET', '/healthz');
      return a.status === 200 ? a : undefined;
    });
    expect(JSON.parse(health.body)).toEqual({ ok: true });
    expect(health.headers['content-security-policy']).toContain("default-src 'none'");
    expect(health.headers['x-frame-options']).toBe('DENY');
  });

  it('logs in with a token, reads the API as that user, and logs out revoking the session', async () => {
    const login = await ask('POST', '/session', { origin }, { token });
    expect(login.status, login.body).toBe(200);
    const setCookie = (login.headers['set-cookie'] as string[] | undefined)?.[0] ?? '';
    expect(setCookie).toMatch(/^paas_session=v1\..*; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    const cookie = setCookie.split(';')[0] as string;
    const { csrf } = JSON.parse(login.body) as { csrf: string };

    const me = await ask('GET', '/api/account', { cookie });
    expect(me.status).toBe(200);
    expect(JSON.parse(me.body)).toMatchObject({ email, admin: false });
    expect((await ask('GET', '/api/apps', { cookie })).status).toBe(200);
    expect((await ask('POST', '/api/apps', { cookie, origin }, {})).status).toBe(403); // no CSRF token
    expect((await ask('GET', '/api/internal/status', { cookie })).status).toBe(404);

    const out = await ask('DELETE', '/session', { cookie, origin, 'x-csrf-token': csrf });
    expect(out.status).toBe(204);
    expect((await ask('GET', '/api/account', { cookie })).status).toBe(401);
  });

  it('serves its metrics on the metrics port', async () => {
    const port = Number(env.PAAS_DASHBOARD_METRICS_PORT ?? 8715);
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(text).toMatch(/^paas_dashboard_requests_total\{/m);
  });
});
