import { chmod } from 'node:fs/promises';
import { Agent } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../services/core/logger.js';
import { Store } from '../../../services/core/store.js';
import type { Route } from '../../../services/core/types.js';
import { HttpUpstreamControl } from '../../../services/router/control.js';
import { NginxCli } from '../../../services/router/nginx.js';
import { Router, storeRouteTable } from '../../../services/router/router.js';
import { etcdEndpoints, uniquePrefix } from '../../support/env.js';
import { childPids, eventually, freePort, get, tempDir } from './helpers.js';
import { openWs, startWsApp, type WsTestApp } from './wsapp.js';

// When the router reloads nginx, through etcd: a blue-green swap of the
// route (a new release) keeps nginx's master and workers, open websockets
// and kept-alive connections; a new custom domain reloads (new workers).

describe('router: swap without reload, reload on a new domain', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let store: Store;
  let nginx: NginxCli;
  let router: Router | undefined;
  let blue: WsTestApp;
  let green: WsTestApp;
  let httpPort: number;
  const host = 'shop.apps.test';
  const body = (text: string) => (JSON.parse(text) as { body: string }).body;
  const putRoute = (upstreams: string[], release: number, domains: string[] = []) =>
    store.put(store.keys.route('shop'), { app: 'shop', upstreams, release, domains, updatedAt: new Date().toISOString() } satisfies Route);

  beforeAll(async () => {
    tmp = await tempDir('router-reload');
    await chmod(tmp.dir, 0o755);
    store = Store.connect(etcdEndpoints(), uniquePrefix('router-reload'));
    httpPort = await freePort();
    nginx = new NginxCli('nginx', `${tmp.dir}/nginx`);
    const control = new HttpUpstreamControl(await freePort());
    [blue, green] = await Promise.all([startWsApp('blue'), startWsApp('green')]);
    router = new Router({
      table: storeRouteTable(store),
      nginx,
      control,
      log: createLogger('router-test', 'silent'),
      settings: { domain: 'apps.test', listen: '127.0.0.1', httpPort, controlPort: control.port, dir: nginx.paths.dir },
      resyncMs: 200,
    });
    await router.start();
  });

  afterAll(async () => {
    await router?.stop();
    await nginx?.stop();
    if (store) {
      await store.etcd.delete().prefix(`${store.keys.prefix}/`);
      store.close();
    }
    await Promise.all([blue?.close(), green?.close()]);
    await tmp?.remove();
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

  it('reloads nginx when a custom domain is added: same master, new workers, the domain serves', async () => {
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
    const after = await eventually(async () => {
      const now = await childPids(pid);
      return now.some((p) => !workers.includes(p)) ? now : undefined;
    }, 'new workers');
    expect(after.filter((p) => workers.includes(p))).toEqual([]);
  });
});
