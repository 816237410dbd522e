import { execFile } from 'node:child_process';
import { chmod, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { Agent } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAccessLine, type AccessRecord } from '../../../services/router/access.js';
import { HttpUpstreamControl } from '../../../services/router/control.js';
import { NginxCli } from '../../../services/router/nginx.js';
import { renderNginx, type NginxModel } from '../../../services/router/render.js';
import { CONNECT_S } from '../../../services/router/lua.js';
import { childPids, freePort, get, serveSites, tempDir } from './helpers.js';
import { openWs, startWsApp, type WsTestApp } from './wsapp.js';
import { DEFAULT_MODULES_INCLUDE } from '../../../services/router/config.js';

// What a request meets in the router: headers, websockets, error pages, the
// body limit, retries and the access log, against a real nginx from the
// rendered config (no etcd: the upstreams are set through the control endpoint).

const run = promisify(execFile);

describe('the router proxying requests', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let nginx: NginxCli;
  let control: HttpUpstreamControl;
  let model: NginxModel;
  let blue: WsTestApp;
  let green: WsTestApp;
  let reset: WsTestApp;
  let own502: WsTestApp;
  let pid: number;
  const host = 'shop.paas.test';
  const json = (text: string) => JSON.parse(text) as { body: string; method: string; headers: Record<string, string> };

  beforeAll(async () => {
    tmp = await tempDir('router-proxy');
    await chmod(tmp.dir, 0o755);
    const [httpPort, controlPort] = [await freePort(), await freePort()];
    model = {
      apps: ['shop', 'broken', 'failing'],
      domain: 'paas.test',
      listen: '127.0.0.1',
      httpPort,
      controlPort,
      dir: `${tmp.dir}/nginx`,
      modulesInclude: DEFAULT_MODULES_INCLUDE,
      maxBodyMb: 1,
    };
    nginx = new NginxCli('nginx', model.dir);
    control = new HttpUpstreamControl(controlPort);
    [blue, green, reset, own502] = await Promise.all([
      startWsApp('blue'),
      startWsApp('green'),
      startWsApp('reset', 'reset'),
      startWsApp('own', 'own-502'),
    ]);
    const rendered = renderNginx(model);
    await nginx.install(rendered.config);
    pid = await nginx.start();
    await serveSites(control, rendered.sites);
    await control.set('shop', [blue.address]);
  });

  afterAll(async () => {
    await nginx?.stop();
    await Promise.all([blue, green, reset, own502].map((a) => a?.close()));
    await tmp?.remove();
  });

  it('forwards Host (with its port), X-Forwarded-For/Proto/Port and a new request id, and answers with that id', async () => {
    const a = await get(model.httpPort, `${host}:8080`, { headers: { 'x-forwarded-for': '10.1.2.3' } });
    expect(a.status).toBe(200);
    const seen = json(a.text).headers;
    expect(seen.host).toBe(`${host}:8080`);
    expect(seen['x-forwarded-for']).toBe('10.1.2.3, 127.0.0.1');
    expect(seen['x-forwarded-proto']).toBe('http');
    expect(seen['x-forwarded-port']).toBe(String(model.httpPort));
    expect(seen['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(a.headers['x-request-id']).toBe(seen['x-request-id']); // the app's own header is replaced by the router's
  });

  it('keeps a sane X-Request-Id and replaces one that is not', async () => {
    const kept = await get(model.httpPort, host, { headers: { 'x-request-id': 'abc-123_DEF.456:7/8+9=' } });
    expect(json(kept.text).headers['x-request-id']).toBe('abc-123_DEF.456:7/8+9=');
    expect(kept.headers['x-request-id']).toBe('abc-123_DEF.456:7/8+9=');
    for (const bad of ['x'.repeat(201), 'id with spaces', 'id;drop', '"quoted"']) {
      const a = await get(model.httpPort, host, { headers: { 'x-request-id': bad } });
      const id = json(a.text).headers['x-request-id'];
      expect(id).toMatch(/^[0-9a-f]{32}$/);
      expect(a.headers['x-request-id']).toBe(id);
    }
  });

  it('upgrades a websocket over HTTP/1.1 with the forwarding headers', async () => {
    const c = await openWs(model.httpPort, host, { 'x-request-id': 'ws-req-1' });
    try {
      expect(c.hello.body).toBe('blue');
      expect(c.hello.headers).toMatchObject({
        host,
        upgrade: 'websocket',
        'x-request-id': 'ws-req-1',
        'x-forwarded-for': '127.0.0.1',
        'x-forwarded-proto': 'http',
      });
      expect(c.hello.headers.connection?.toLowerCase()).toBe('upgrade');
      expect(await c.echo('ping')).toBe('blue:ping');
    } finally {
      c.ws.close();
    }
  });

  it('swaps upstreams with a websocket and a kept-alive connection open: no reload, both survive', async () => {
    const workers = await childPids(pid);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const c = await openWs(model.httpPort, host);
    try {
      const first = await get(model.httpPort, host, { agent });
      expect(json(first.text).body).toBe('blue');
      await control.set('shop', [green.address]);
      const second = await get(model.httpPort, host, { agent });
      expect(json(second.text).body).toBe('green');
      expect(second.socket).toBe(first.socket);
      expect(await c.echo('still there')).toBe('blue:still there'); // the open websocket stays on its container
      expect(await nginx.masterPid()).toBe(pid);
      expect(await childPids(pid)).toEqual(workers);
    } finally {
      c.ws.close();
      agent.destroy();
      await control.set('shop', [blue.address]);
    }
  });

  it('answers 413 with a page for a body over the limit, and passes one under it', async () => {
    const big = await get(model.httpPort, host, {
      method: 'POST',
      body: Buffer.alloc(2 * 1024 * 1024, 1),
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(big.status).toBe(413);
    expect(big.text).toContain('<title>Request too large</title>');
    expect(big.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    const small = await get(model.httpPort, host, { method: 'POST', body: Buffer.alloc(512 * 1024, 1) });
    expect(small.status).toBe(200);
  });

  it("answers 502 with a page when the app drops the connection, and passes the app's own 502 through", async () => {
    await control.set('broken', [reset.address]);
    const a = await get(model.httpPort, 'broken.paas.test');
    expect(a.status).toBe(502);
    expect(a.text).toContain('<title>Application error</title>');
    expect(a.text).toContain(`Request ID: ${String(a.headers['x-request-id'])}`);
    await control.set('failing', [own502.address]);
    const b = await get(model.httpPort, 'failing.paas.test');
    expect(b.status).toBe(502);
    expect(json(b.text).body).toBe('own');
  });

  it('passes a request on to another container only when that is safe', async () => {
    // A POST that never reached an app (connection refused) goes to the next container.
    await control.set('broken', [`127.0.0.1:${await freePort()}`, blue.address]);
    for (let i = 0; i < 4; i++)
      expect((await get(model.httpPort, 'broken.paas.test', { method: 'POST', body: 'x' })).status).toBe(200);
    // A POST the app received and dropped is not sent again; a GET is.
    await control.set('broken', [reset.address, blue.address]);
    reset.seen.clear();
    let failed = 0;
    for (let i = 0; i < 6; i++)
      if ((await get(model.httpPort, 'broken.paas.test', { method: 'POST', body: 'x' })).status === 502) failed++;
    expect(reset.seen.get('POST')).toBe(failed);
    expect(failed).toBeGreaterThan(0);
    for (let i = 0; i < 6; i++) expect((await get(model.httpPort, 'broken.paas.test')).status).toBe(200);
    expect(reset.seen.get('GET')).toBeGreaterThan(0);
  });

  it('passes over for a while a container that did not connect, instead of waiting for it on every turn', async () => {
    // a port whose SYNs are dropped: a container on a host cut off from the router (no refusal, a connect timeout)
    const port = await freePort();
    const rule = ['INPUT', '-i', 'lo', '-p', 'tcp', '--dport', String(port), '-j', 'DROP'];
    await run('iptables', ['-w', '5', '-I', ...rule]);
    try {
      await control.set('broken', [`127.0.0.1:${port}`, blue.address]);
      const slow: number[] = [];
      for (let i = 0; i < 10; i++) {
        const started = Date.now();
        expect((await get(model.httpPort, 'broken.paas.test')).status).toBe(200);
        if (Date.now() - started > (CONNECT_S * 1000) / 2) slow.push(i);
      }
      // one wait for the connect timeout per nginx worker at most (two here); round robin alone would wait on every
      // other request
      expect(slow.length).toBeGreaterThan(0);
      expect(slow.length).toBeLessThanOrEqual(2);
    } finally {
      await run('iptables', ['-w', '5', '-D', ...rule]);
    }
  }, 60_000);

  it('writes one JSON line per request to the access log', async () => {
    const id = `log-test-${Date.now()}`;
    await get(model.httpPort, host, { path: '/some/path?q=1', headers: { 'x-request-id': id } });
    await get(model.httpPort, 'nobody.paas.test', { headers: { 'x-request-id': `${id}-404` } });
    const records: AccessRecord[] = [];
    for (let i = 0; i < 50 && records.length < 2; i++) {
      const lines = (await readFile(`${model.dir}/logs/access.log`, 'utf8')).split('\n');
      records.splice(
        0,
        records.length,
        ...lines.map(parseAccessLine).filter((r): r is AccessRecord => r?.requestId.startsWith(id) === true),
      );
      if (records.length < 2) await new Promise((r) => setTimeout(r, 100));
    }
    const ok = records.find((r) => r.requestId === id);
    expect(ok).toMatchObject({
      app: 'shop',
      host,
      method: 'GET',
      path: '/some/path?q=1',
      status: 200,
      upstreams: [blue.address],
      upstreamStatus: 200,
      client: '127.0.0.1',
    });
    expect(ok?.bytes).toBeGreaterThan(0);
    expect(Date.now() - Date.parse(ok?.at ?? '')).toBeLessThan(60_000);
    expect(records.find((r) => r.requestId === `${id}-404`)).toMatchObject({ app: '', status: 404, upstreams: [] });
  });
});
