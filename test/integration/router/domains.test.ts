import { chmod } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../services/core/logger.js';
import { Store } from '../../../services/core/store.js';
import type { Route } from '../../../services/core/types.js';
import { HttpUpstreamControl } from '../../../services/router/control.js';
import { NginxCli } from '../../../services/router/nginx.js';
import { Router, storeRouteTable } from '../../../services/router/router.js';
import { etcdEndpoints, uniquePrefix } from '../../support/env.js';
import { bodyOf, childPids, eventually, freePort, get, startApp, tempDir, type TestApp } from './helpers.js';

// Custom domains and maintenance mode through the real router, etcd and nginx.

describe('router: custom domains and maintenance', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let store: Store;
  let nginx: NginxCli;
  let control: HttpUpstreamControl;
  let app: TestApp;
  let httpPort: number;
  let router: Router | undefined;
  const domain = 'apps.test';

  const putRoute = (over: Partial<Route>) =>
    store.put(store.keys.route('shop'), { app: 'shop', upstreams: [app.address], release: 1, updatedAt: new Date().toISOString(), ...over } satisfies Route);
  const until = (host: string, ok: (a: Awaited<ReturnType<typeof get>>) => boolean, what: string) =>
    eventually(async () => {
      const a = await get(httpPort, host);
      return ok(a) ? a : undefined;
    }, what);

  beforeAll(async () => {
    tmp = await tempDir('router-domains');
    await chmod(tmp.dir, 0o755);
    store = Store.connect(etcdEndpoints(), uniquePrefix('router-domains'));
    httpPort = await freePort();
    nginx = new NginxCli('nginx', `${tmp.dir}/nginx`);
    control = new HttpUpstreamControl(await freePort());
    app = await startApp('shop');
    router = new Router({
      table: storeRouteTable(store),
      nginx,
      control,
      log: createLogger('router-test', 'silent'),
      settings: { domain, listen: '127.0.0.1', httpPort, controlPort: control.port, dir: nginx.paths.dir },
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
    await app?.close();
    await tmp?.remove();
  });

  it('serves the app at its custom domains as well as its default name', async () => {
    await putRoute({ domains: ['www.shop.example', 'shop.example'] });
    const a = await until('www.shop.example', (x) => x.status === 200, 'the custom domain to answer');
    expect(bodyOf(a)).toBe('shop');
    expect(bodyOf(await get(httpPort, 'shop.example'))).toBe('shop');
    expect(bodyOf(await get(httpPort, `shop.${domain}`))).toBe('shop');
    expect((await get(httpPort, 'other.example')).status).toBe(404);
  });

  it('does not reload nginx when a route is rewritten with the same domains', async () => {
    const pid = (await nginx.masterPid()) as number;
    const workers = await childPids(pid);
    await putRoute({ domains: ['shop.example', 'www.shop.example'] });
    await router?.settled();
    await new Promise((r) => setTimeout(r, 300));
    await router?.settled();
    expect(await childPids(pid)).toEqual(workers);
  });

  it('answers 503 with the maintenance page in maintenance, and serves again after', async () => {
    await putRoute({ domains: ['www.shop.example'], maintenance: true });
    const down = await until('www.shop.example', (x) => x.status === 503, 'the maintenance page');
    expect(down.text).toContain('Offline for maintenance');
    const byDefault = await get(httpPort, `shop.${domain}`);
    expect(byDefault.status).toBe(503);
    expect(byDefault.text).toContain('Offline for maintenance');
    await putRoute({ domains: ['www.shop.example'], maintenance: false });
    const up = await until('www.shop.example', (x) => x.status === 200, 'the app again');
    expect(bodyOf(up)).toBe('shop');
  });

  it('stops serving a removed domain and ignores a hostile one', async () => {
    await putRoute({ domains: ['evil.example; return 200 pwned'] });
    await until('www.shop.example', (x) => x.status === 404, 'the removed domain to be gone');
    expect(bodyOf(await get(httpPort, `shop.${domain}`))).toBe('shop');
    expect((await nginx.readConfig()) ?? '').not.toContain('pwned');
  });
});
