import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo, type Server } from 'node:net';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTlsServer } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../services/core/logger.js';
import { Store } from '../../../services/core/store.js';
import { createApp } from '../../../services/controller/app.js';
import { loadConfig } from '../../../services/controller/config.js';
import { Repo } from '../../../services/controller/repo.js';
import { ensureAdmin } from '../../../services/controller/users/users.js';
import { LogService } from '../../../services/controller/logs/service.js';
import { readFrames } from '../../../services/controller/logs/syslog.js';
import { etcdEndpoints, uniquePrefix } from '../../support/env.js';
import { paasInProcess } from '../../support/cli.js';
import { CLI } from '../../support/bin.js';

// The log pipeline in the real controller (in-process, real etcd): ingest,
// log sessions (-n, tail, filters), platform events, build output, history
// across a controller restart, destroy, drains over TCP, TLS and HTTPS, and the CLI.

const dir = mkdtempSync(join(tmpdir(), 'paas-logs-'));
const logger = createLogger('test', 'silent');
let ca = '';
let certDir = '';

interface Ctl {
  url: string;
  logs: LogService;
  close(): Promise<void>;
}

async function startCtl(prefix: string, token: string, store: Store): Promise<Ctl> {
  const config = loadConfig({
    PAAS_INTERNAL_TOKEN: token,
    PAAS_ETCD_PREFIX: prefix,
    PAAS_STATE_DIR: dir,
    PAAS_DRAIN_CA_FILE: join(certDir, 'cert.pem'),
  });
  const logs = new LogService(config.logs, logger);
  await logs.start(store);
  const server = createApp({ store, logger, config, logs }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    logs,
    async close() {
      server.closeAllConnections();
      server.close();
      await logs.stop();
    },
  };
}

const prefix = uniquePrefix('logs');
const internal = 'internal-logs-test-0123456789';
let store: Store;
let ctl: Ctl;
let admin = '';

async function call(
  method: string,
  path: string,
  body?: unknown,
  token = admin,
): Promise<{ status: number; body: any }> {
  const res = await fetch(ctl.url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

const ingest = (lines: object[]) => call('POST', '/internal/logs', { lines }, internal);
const line = (app: string, dyno: string, text: string, at = new Date().toISOString()) => ({
  app,
  at,
  source: 'app',
  dyno,
  line: text,
});

async function session(app: string, body: object): Promise<string> {
  const s = await call('POST', `/apps/${app}/log-sessions`, body);
  expect(s.status).toBe(201);
  return s.body.logplex_url as string;
}

beforeAll(async () => {
  certDir = mkdtempSync(join(tmpdir(), 'paas-logs-cert-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      join(certDir, 'key.pem'),
      '-out',
      join(certDir, 'cert.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  ca = readFileSync(join(certDir, 'cert.pem'), 'utf8');
  store = Store.connect(etcdEndpoints(), prefix);
  ctl = await startCtl(prefix, internal, store);
  admin = (await ensureAdmin(new Repo(store), 'admin@example.com')).token;
  expect((await call('POST', '/apps', { name: 'logapp' })).status).toBe(201);
  expect((await call('POST', '/apps', { name: 'logother' })).status).toBe(201);
});

afterAll(async () => {
  await ctl?.close();
  await store.etcd.delete().prefix(prefix + '/');
  store.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(certDir, { recursive: true, force: true });
});

describe('logs in the controller', () => {
  it('ingests lines and serves the last N through a log session URL (no token needed)', async () => {
    const res = await ingest([
      line('logapp', 'web.1', 'hello 1'),
      line('logapp', 'worker.1', 'job'),
      line('logapp', 'web.2', 'hello 2'),
      line('nosuchapp', 'web.1', 'lost'),
    ]);
    expect(res.body).toEqual({ accepted: 3, dropped: 1 });
    const text = await (await fetch(await session('logapp', { lines: 2 }))).text();
    expect(text.trim().split('\n')).toHaveLength(2);
    expect(text).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00 app\[worker\.1\]: job\n.* app\[web\.2\]: hello 2\n$/,
    );
    const web = await (await fetch(await session('logapp', { dyno: 'web' }))).text();
    expect(web).toContain('hello 1');
    expect(web).not.toContain('job');
    expect((await fetch(ctl.url + '/apps/logapp/log-sessions/0123456789abcdef0123456789abcdef/stream')).status).toBe(
      404,
    );
    expect((await ingest([{ ...line('logapp', 'web.1', 'x'), source: 'kernel' }])).status).toBe(422);
    expect((await call('POST', '/internal/logs', { lines: [] }, admin)).status).toBe(401);
  });

  it('tells platform events and build output', async () => {
    expect((await call('PATCH', '/apps/logapp/config-vars', { FOO: 'bar' })).status).toBe(200);
    expect((await call('PATCH', '/apps/logapp/formation/web', { quantity: 2 })).status).toBe(200);
    expect((await call('DELETE', '/apps/logapp/dynos/web')).status).toBe(202);
    const build = await call(
      'POST',
      '/internal/apps/logapp/builds',
      { id: '01build', commit: 'a'.repeat(40), user: { id: 'u1', email: 'a@b.c' } },
      internal,
    );
    expect(build.status).toBe(201);
    expect(
      (
        await call(
          'PATCH',
          '/internal/apps/logapp/builds/01build',
          { append: ['-----> Node.js app detected'] },
          internal,
        )
      ).status,
    ).toBe(200);
    let text = '';
    for (let i = 0; i < 50 && !(text.includes('Restarting web dynos') && text.includes('Scaled')); i++) {
      await new Promise((r) => setTimeout(r, 100));
      text = await (await fetch(await session('logapp', { source: 'paas' }))).text();
    }
    expect(text).toContain('paas[api]: Set FOO config var by user admin@example.com');
    expect(text).toMatch(/paas\[api\]: Release v\d+ created by user admin@example.com/);
    expect(text).toContain('paas[api]: Scaled to web@2:standard-1x');
    expect(text).toContain('paas[api]: Restarting web dynos');
    expect(text).toContain('paas[build]: -----> Node.js app detected');
    expect(text).not.toContain('app[');
  });

  it('keeps streaming a tail, filtered, until the client leaves', async () => {
    const url = await session('logapp', { lines: 0, tail: true, dyno: 'web.1' });
    const abort = new AbortController();
    const res = await fetch(url, { signal: abort.signal });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let got = '';
    const want = Array.from({ length: 20 }, (_, i) => `tail ${i}`);
    for (const w of want) await ingest([line('logapp', 'web.1', w), line('logapp', 'web.2', `other ${w}`)]);
    while (!want.every((w) => got.includes(w))) got += new TextDecoder().decode((await reader.read()).value);
    abort.abort();
    expect(got).not.toContain('other');
    expect(
      got
        .trim()
        .split('\n')
        .map((l) => l.replace(/^.*: /, '')),
    ).toEqual(want);
  });

  it('keeps 1,500 lines of history across a controller restart', async () => {
    const batch = Array.from({ length: 4000 }, (_, i) => line('logother', 'web.1', `n${i}`));
    for (let i = 0; i < batch.length; i += 1000) expect((await ingest(batch.slice(i, i + 1000))).status).toBe(200);
    await ctl.close();
    ctl = await startCtl(prefix, internal, store);
    const text = await (await fetch(await session('logother', { lines: 10_000 }))).text();
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(1500);
    expect(lines[0]).toMatch(/n2500$/);
    expect(lines[1499]).toMatch(/n3999$/);
    const file = join(dir, 'logs', 'apps', 'logother.jsonl');
    expect(readFileSync(file, 'utf8').split('\n').length).toBeLessThanOrEqual(3001);
    expect((await call('DELETE', '/apps/logother')).status).toBe(200);
    await ctl.logs.store.flush();
    expect(existsSync(file)).toBe(false);
  });

  it('forwards lines to syslog drains over TCP and TLS, and refuses bad URLs', async () => {
    const received: string[] = [];
    const onSocket = (s: import('node:net').Socket) => {
      let buf = Buffer.alloc(0);
      s.on('data', (b: Buffer) => {
        const r = readFrames(Buffer.concat([buf, b]));
        buf = Buffer.from(r.rest);
        received.push(...r.messages);
      });
    };
    const tcp: Server = createNetServer(onSocket).listen(0, '127.0.0.1');
    const tls = createTlsServer({ key: readFileSync(join(certDir, 'key.pem')), cert: ca }, onSocket).listen(
      0,
      '127.0.0.1',
    );
    await Promise.all([once(tcp, 'listening'), once(tls, 'listening')]);
    const tcpUrl = `syslog://127.0.0.1:${(tcp.address() as AddressInfo).port}`;
    const tlsUrl = `syslog+tls://localhost:${(tls.address() as AddressInfo).port}`;
    expect((await call('POST', '/apps/logapp/log-drains', { url: 'http://x.example.com/' })).status).toBe(422);
    expect((await call('POST', '/apps/logapp/log-drains', { url: 'syslog://x.example.com' })).status).toBe(422);
    const add = await call('POST', '/apps/logapp/log-drains', { url: tcpUrl });
    expect(add.status).toBe(201);
    expect(add.body.token).toMatch(/^d\./);
    expect((await call('POST', '/apps/logapp/log-drains', { url: tcpUrl })).status).toBe(409);
    expect((await call('POST', '/apps/logapp/log-drains', { url: tlsUrl })).status).toBe(201);
    expect((await call('GET', '/apps/logapp/log-drains')).body).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 500)); // the forwarder sees the drains
    await ingest([line('logapp', 'web.1', 'to the drains')]);
    for (let i = 0; i < 100 && received.filter((m) => m.endsWith('to the drains')).length < 2; i++)
      await new Promise((r) => setTimeout(r, 100));
    const got = received.filter((m) => m.endsWith('to the drains'));
    expect(got).toHaveLength(2);
    expect(got[0]).toMatch(/^<190>1 \d{4}-\d\d-\d\dT[\d:.]+\+00:00 d\.[0-9a-f-]+ app web\.1 - - to the drains$/);
    expect((await call('DELETE', `/apps/logapp/log-drains/${encodeURIComponent(tcpUrl)}`)).status).toBe(200);
    expect((await call('GET', '/apps/logapp/log-drains')).body).toHaveLength(1);
    tcp.close();
    tls.close();
  });

  it('POSTs lines to an https drain as logplex frames with its token and credentials, again after a 5xx', async () => {
    const posts: Array<{ headers: import('node:http').IncomingHttpHeaders; frames: string[] }> = [];
    let failFirst = true;
    const server = createHttpsServer({ key: readFileSync(join(certDir, 'key.pem')), cert: ca }, (req, res) => {
      let body = Buffer.alloc(0);
      req.on('data', (b: Buffer) => (body = Buffer.concat([body, b])));
      req.on('end', () => {
        if (failFirst) {
          failFirst = false;
          res.writeHead(503).end();
          return;
        }
        posts.push({ headers: req.headers, frames: readFrames(body).messages });
        res.writeHead(204).end();
      });
    }).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `https://drain:s3cret@localhost:${(server.address() as AddressInfo).port}/logs`;
    const add = await call('POST', '/apps/logapp/log-drains', { url });
    expect(add.status).toBe(201);
    await new Promise((r) => setTimeout(r, 500)); // the forwarder sees the drain
    await ingest([line('logapp', 'web.1', 'to https 1'), line('logapp', 'web.2', 'to https 2')]);
    for (let i = 0; i < 100 && posts.flatMap((p) => p.frames).filter((m) => m.includes('to https')).length < 2; i++)
      await new Promise((r) => setTimeout(r, 100));
    const frames = posts.flatMap((p) => p.frames).filter((m) => m.includes('to https'));
    expect(frames).toHaveLength(2); // the batch refused with 503 came again, once
    expect(frames[0]).toMatch(/^<190>1 \S+ d\.[0-9a-f-]+ app web\.1 - - to https 1$/);
    const h = posts.find((p) => p.frames.some((m) => m.includes('to https')))?.headers ?? {};
    expect(h['content-type']).toBe('application/logplex-1');
    expect(h['logplex-drain-token']).toBe(add.body.token);
    expect(Number(h['logplex-msg-count'])).toBeGreaterThanOrEqual(1);
    expect(h.authorization).toBe(`Basic ${Buffer.from('drain:s3cret').toString('base64')}`);
    expect((await call('DELETE', `/apps/logapp/log-drains/${encodeURIComponent(add.body.url ?? url)}`)).status).toBe(
      200,
    );
    server.close();
  });

  it('paas logs -n prints the lines (in-process and through the built binary)', async () => {
    await ingest([line('logapp', 'web.1', 'for the cli')]);
    const home = mkdtempSync(join(tmpdir(), 'paas-logs-home-'));
    const env = { PAAS_API_URL: ctl.url, PAAS_TOKEN: admin, PAAS_CONFIG_DIR: join(home, 'cfg') };
    const r = await paasInProcess(['logs', '-n', '3', '--ps', 'web.1', '-a', 'logapp'], { env, cwd: home, home });
    expect(r.code).toBe(0);
    expect(r.out.split('\n')).toHaveLength(3);
    expect(r.out).toMatch(/app\[web\.1\]: for the cli$/);
    expect((await paasInProcess(['logs', '-s', 'kernel', '-a', 'logapp'], { env, cwd: home, home })).code).toBe(1);
    const child = spawn(process.execPath, [CLI, 'logs', '-n', '1', '-a', 'logapp'], {
      env: { ...process.env, ...env },
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(out).toMatch(/^\S+\+00:00 app\[web\.1\]: for the cli\n$/);
    // --tail through the binary ends cleanly on Ctrl-C
    const tail = spawn(process.execPath, [CLI, 'logs', '--tail', '-n', '0', '-a', 'logapp'], {
      env: { ...process.env, ...env },
    });
    let tailed = '';
    tail.stdout.on('data', (b: Buffer) => (tailed += b.toString()));
    for (let i = 0; i < 100 && !tailed.includes('live line'); i++) {
      await ingest([line('logapp', 'web.1', 'live line')]);
      await new Promise((r) => setTimeout(r, 100));
    }
    tail.kill('SIGINT');
    const [tailCode] = await once(tail, 'exit');
    expect(tailed).toContain('app[web.1]: live line');
    expect(tailCode).toBe(0);
    rmSync(home, { recursive: true, force: true });
  });
});
