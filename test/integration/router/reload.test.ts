import { Agent } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Route } from '../../../services/core/types.js';
import type { NginxCli } from '../../../services/router/nginx.js';
import type { Store } from '../../../services/core/store.js';
import { childPids, eventually, get, startRouter, type RouterHarness } from './helpers.js';
import { openWs, startWsApp, type WsTestApp } from './wsapp.js';

// What never reloads nginx, through etcd: a blue-green swap of the route (a
// new release) keeps nginx's master and workers, open websockets and
// kept-alive connections; a new custom domain or a new app is served by the
// same workers too (the apps live in shared dicts).

describe('router: swap, new domain, new app, all without reload', () => {
  let h: RouterHarness | undefined;
  let store: Store;
  let nginx: NginxCli;
  let blue: WsTestApp;
  let green: WsTestApp;
  let httpPort: number;
  const host = 'shop.apps.test';
  const body = (text: string) => (JSON.parse(text) as { body: string }).body;
  const putRoute = (upstreams: string[], release: number, domains: string[] = []) =>
    store.put(store.keys.route('shop'), {
      app: 'shop',
      dynos: upstreams.map((upstream, i) => ({ upstream, dyno: `web.${i + 1}`, host: 'elsewhere' })),
      release,
      domains,
      updatedAt: new Date().toISOString(),
    } satisfies Route);

  beforeAll(async () => {
    h = await startRouter('router-reload');
    ({ store, nginx, httpPort } = h);
    [blue, green] = await Promise.all([startWsApp('blue'), startWsApp('green')]);
  });

  afterAll(async () => {
    await h?.stop();
    await Promise.all([blue?.close(), green?.close()]);
  });

  it('swaps blue to green with a websocket and a kept-alive connection open: same master, same workers', async () => {
    await putRoute([blue.address], 1);
    await eventually(async () => ((await get(httpPort, host)).status === 200 ? true : undefined), 'blue to serve');
    const pid = (await nginx.masterPid()) as number;
    const workers = await childPids(pid);
    expect(workers.length).toBeGreaterThan(0);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const ws = await openWs(httpPort, host);
    try {
      const first = await get(httpPort, host, { agent });
      expect(body(first.text)).toBe('blue');

      await putRoute([green.address], 2);
      const second = await eventually(async () => {
        const a = await get(httpPort, host, { agent });
        return body(a.text) === 'green' ? a : undefined;
      }, 'green to serve');
      expect(second.socket).toBe(first.socket);
      expect(await ws.echo('after the swap')).toBe('blue:after the swap');
      expect(ws.ws.readyState).toBe(ws.ws.OPEN);
      expect(await nginx.masterPid()).toBe(pid);
      expect(await childPids(pid)).toEqual(workers);
    } finally {
      ws.ws.close();
      agent.destroy();
    }
  });

  it('serves a custom domain added with no reload: same master, same workers', async () => {
    const pid = (await nginx.masterPid()) as number;
    const workers = await childPids(pid);
    expect((await get(httpPort, 'www.shop.example')).status).toBe(404);
    await putRoute([green.address], 2, ['www.shop.example']);
    const a = await eventually(async () => {
      const x = await get(httpPort, 'www.shop.example');
      return x.status === 200 ? x : undefined;
    }, 'the new domain to serve');
    expect(body(a.text)).toBe('green');
    expect(await nginx.masterPid()).toBe(pid);
    expect(await childPids(pid)).toEqual(workers);
  });

  it('serves a new app with no reload, and answers 404 for it once its route is gone', async () => {
    const pid = (await nginx.masterPid()) as number;
    const workers = await childPids(pid);
    await store.put(store.keys.route('blog'), {
      app: 'blog',
      dynos: [{ upstream: blue.address, dyno: 'web.1', host: 'elsewhere' }],
      updatedAt: new Date().toISOString(),
    } satisfies Route);
    const a = await eventually(async () => {
      const x = await get(httpPort, 'blog.apps.test');
      return x.status === 200 ? x : undefined;
    }, 'the new app to serve');
    expect(body(a.text)).toBe('blue');
    await store.delete(store.keys.route('blog'));
    await eventually(
      async () => ((await get(httpPort, 'blog.apps.test')).status === 404 ? true : undefined),
      'blog gone',
    );
    expect(await nginx.masterPid()).toBe(pid);
    expect(await childPids(pid)).toEqual(workers);
  });
});
