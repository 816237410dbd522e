import { chmod } from 'node:fs/promises';
import { Agent } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpUpstreamControl } from '../../../services/router/control.js';
import { NginxCli, NginxError, orphanWorkers } from '../../../services/router/nginx.js';
import { renderNginx, type NginxModel } from '../../../services/router/render.js';
import {
  bodyOf,
  childPids,
  eventually,
  freePort,
  get,
  serveSites,
  startApp,
  tempDir,
  type TestApp,
} from './helpers.js';
import { DEFAULT_MAX_BODY_MB, DEFAULT_MODULES_INCLUDE } from '../../../services/router/config.js';

// A real nginx from the rendered config, in a temp dir on free 127.0.0.1 ports.

describe('nginx from the rendered config', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let nginx: NginxCli;
  let control: HttpUpstreamControl;
  let model: NginxModel;
  let one: TestApp;
  let two: TestApp;
  let pid: number;

  beforeAll(async () => {
    tmp = await tempDir('router-nginx');
    await chmod(tmp.dir, 0o755); // nginx's workers (nobody) write under tmp/
    const [httpPort, controlPort] = [await freePort(), await freePort()];
    model = {
      apps: ['shop', 'idle-app'],
      domain: 'paas.test',
      listen: '127.0.0.1',
      httpPort,
      controlPort,
      dir: `${tmp.dir}/nginx`,
      modulesInclude: DEFAULT_MODULES_INCLUDE,
      maxBodyMb: DEFAULT_MAX_BODY_MB,
    };
    nginx = new NginxCli('nginx', model.dir);
    control = new HttpUpstreamControl(controlPort);
    [one, two] = [await startApp('one'), await startApp('two')];
    const rendered = renderNginx(model);
    await nginx.install(rendered.config);
    pid = await nginx.start();
    await serveSites(control, rendered.sites);
  });

  afterAll(async () => {
    await nginx?.stop();
    await one?.close();
    await two?.close();
    await tmp?.remove();
  });

  it('runs with its pid file, logs and temp paths in its own directory', async () => {
    expect(await nginx.masterPid()).toBe(pid);
    expect((await childPids(pid)).length).toBeGreaterThan(0);
  });

  it('answers 404 "No such app" for an unknown host', async () => {
    const a = await get(model.httpPort, `nope.${model.domain}`);
    expect(a.status).toBe(404);
    expect(a.text).toContain('<title>No such app</title>');
    expect(a.text).toContain(`Request ID: ${String(a.headers['x-request-id'])}`);
    const bare = await get(model.httpPort, '127.0.0.1');
    expect(bare.status).toBe(404);
  });

  it('answers 503 for an app with no upstreams, before and after an empty set', async () => {
    const before = await get(model.httpPort, `idle-app.${model.domain}`);
    expect(before.status).toBe(503);
    expect(before.text).toContain('no web process running');
    await control.set('idle-app', []);
    expect(await control.list()).toEqual(new Map([['idle-app', []]]));
    expect((await get(model.httpPort, `idle-app.${model.domain}`)).status).toBe(503);
  });

  it('proxies to the app with forwarding headers, keeping an incoming request id', async () => {
    await control.set('shop', [one.address]);
    const a = await get(model.httpPort, `shop.${model.domain}`, { headers: { 'x-request-id': 'req-123' } });
    expect(a.status).toBe(200);
    const seen = JSON.parse(a.text) as Record<string, string>;
    expect(seen).toMatchObject({
      body: 'one',
      host: `shop.${model.domain}`,
      requestId: 'req-123',
      forwardedFor: '127.0.0.1',
      forwardedPort: String(model.httpPort),
    });
    const b = JSON.parse((await get(model.httpPort, `shop.${model.domain}`)).text) as Record<string, string>;
    expect(b.requestId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('switches upstreams through the control endpoint without a reload, on the same kept-alive connection', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      await control.set('shop', [one.address]);
      const workers = await childPids(pid);
      const first = await get(model.httpPort, `shop.${model.domain}`, { agent });
      expect(bodyOf(first)).toBe('one');

      await control.set('shop', [two.address]);
      const second = await get(model.httpPort, `shop.${model.domain}`, { agent });
      expect(bodyOf(second)).toBe('two');
      expect(second.socket).toBe(first.socket); // the client's connection survived
      expect(await nginx.masterPid()).toBe(pid);
      expect(await childPids(pid)).toEqual(workers); // a reload would have replaced the workers
    } finally {
      agent.destroy();
    }
  });

  it('balances round robin over several peers and skips one that refuses connections', async () => {
    const deadPort = await freePort();
    await control.set('shop', [one.address, two.address, `127.0.0.1:${deadPort}`]);
    const bodies = new Set<string | undefined>();
    for (let i = 0; i < 6; i++) {
      const a = await get(model.httpPort, `shop.${model.domain}`);
      expect(a.status).toBe(200);
      bodies.add(bodyOf(a));
    }
    expect(bodies).toEqual(new Set(['one', 'two']));
  });

  it('refuses invalid upstreams and app names at the control endpoint', async () => {
    await control.set('shop', [one.address]);
    await expect(control.set('shop', ['evil;host:80'])).rejects.toThrow(/400/);
    await expect(control.set('shop', ['127.0.0.1:99999'])).rejects.toThrow(/400/);
    await expect(control.set('Bad--name', [one.address])).rejects.toThrow(/400/);
    await expect(control.setSite('shop', { maintenance: false, domains: ['evil;x.example'] })).rejects.toThrow(/400/);
    await expect(control.setSite('shop', { maintenance: false, domains: ['x.paas.test'] })).rejects.toThrow(/400/);
    await expect(control.setState('shop', 'dozing' as never)).rejects.toThrow(/400/);
    expect((await control.list()).get('shop')).toEqual([one.address]); // unchanged
  });

  it('applies a batch of changes in order, and stops at the first bad line with its number', async () => {
    await control.batch([
      { kind: 'upstreams', app: 'batched', upstreams: [two.address] },
      { kind: 'site', app: 'batched', site: { maintenance: false, domains: ['www.batched.example'] } },
    ]);
    expect(bodyOf(await get(model.httpPort, `batched.${model.domain}`))).toBe('two');
    expect(bodyOf(await get(model.httpPort, 'www.batched.example'))).toBe('two');
    await expect(
      control.batch([
        { kind: 'site', app: 'batched', site: { maintenance: true, domains: [] } },
        { kind: 'upstreams', app: 'batched', upstreams: ['evil;host:80'] },
        { kind: 'site', app: 'batched' },
      ]),
    ).rejects.toThrow(/400 line 2: invalid upstream 1/);
    expect((await get(model.httpPort, `batched.${model.domain}`)).text).toContain('Offline for maintenance');
    expect((await get(model.httpPort, 'www.batched.example')).status).toBe(404); // line 1 dropped it
    await control.batch([
      { kind: 'site', app: 'batched' },
      { kind: 'upstreams', app: 'batched' },
    ]);
    expect((await get(model.httpPort, `batched.${model.domain}`)).status).toBe(404);
    expect((await control.list()).has('batched')).toBe(false);
  });

  it('a reload changes the workers (so the no-reload check above can fail)', async () => {
    const workers = await childPids(pid);
    await nginx.reload();
    const after = await eventually(async () => {
      const now = await childPids(pid);
      return now.some((p) => !workers.includes(p)) ? now : undefined;
    }, 'new workers after a reload');
    expect(after).not.toEqual(workers);
    expect(await nginx.masterPid()).toBe(pid);
    // the shared dict survives a reload
    expect((await control.list()).get('shop')).toEqual([one.address]);
  });

  it('does not install a config that fails nginx -t', async () => {
    const good = await nginx.readConfig();
    const bad = `${good}\nthis is not nginx;\n`;
    const err = await nginx.install(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NginxError);
    expect((err as NginxError).line).toBeGreaterThan(0);
    expect(await nginx.readConfig()).toBe(good);
  });

  it('starts again after its master was killed -9: the workers it left (holding the ports) are ended first', async () => {
    const workers = await childPids(pid);
    expect(workers.length).toBeGreaterThan(0);
    process.kill(pid, 'SIGKILL');
    await eventually(async () => ((await nginx.masterPid()) === undefined ? true : undefined), 'the master gone');
    expect((await orphanWorkers(model.dir)).sort()).toEqual([...workers].sort());
    pid = await nginx.start();
    expect(await orphanWorkers(model.dir)).toEqual([]);
    expect((await get(model.httpPort, `nope.${model.domain}`)).status).toBe(404);
  });
});
