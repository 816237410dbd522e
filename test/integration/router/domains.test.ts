import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../../services/core/store.js';
import type { Route } from '../../../services/core/types.js';
import type { NginxCli } from '../../../services/router/nginx.js';
import {
  bodyOf,
  childPids,
  eventually,
  get,
  startApp,
  startRouter,
  type RouterHarness,
  type TestApp,
} from './helpers.js';

// Custom domains and maintenance mode through the real router, etcd and nginx.

describe('router: custom domains and maintenance', () => {
  let h: RouterHarness | undefined;
  let store: Store;
  let nginx: NginxCli;
  let app: TestApp;
  let httpPort: number;
  const domain = 'apps.test';

  const putRoute = (over: Partial<Route>) =>
    store.put(store.keys.route('shop'), {
      app: 'shop',
      dynos: [{ upstream: app.address, dyno: 'web.1', host: 'elsewhere' }],
      release: 1,
      updatedAt: new Date().toISOString(),
      ...over,
    } satisfies Route);
  const until = (host: string, ok: (a: Awaited<ReturnType<typeof get>>) => boolean, what: string) =>
    eventually(async () => {
      const a = await get(httpPort, host);
      return ok(a) ? a : undefined;
    }, what);

  beforeAll(async () => {
    h = await startRouter('router-domains');
    ({ store, nginx, httpPort } = h);
    app = await startApp('shop');
  });

  afterAll(async () => {
    await h?.stop();
    await app?.close();
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
    await h?.router?.settled();
    await new Promise((r) => setTimeout(r, 300));
    await h?.router?.settled();
    expect(await childPids(pid)).toEqual(workers);
  });

  it('answers 503 with the maintenance page in maintenance, and serves again after', async () => {
    await putRoute({ domains: ['www.shop.example'], maintenance: true });
    const down = await until('www.shop.example', (x) => x.status === 503, 'the maintenance page');
    expect(down.text).toContain('Offline for maintenance');
    // A reload's old workers may still take a connection or two for a moment: wait, as for the first name.
    const byDefault = await until(
      `shop.${domain}`,
      (x) => x.status === 503,
      'the maintenance page at the default name',
    );
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

  it('answers names in any case, and 404 for a name below an app', async () => {
    await putRoute({ domains: ['www.shop.example'] });
    await until('www.shop.example', (x) => x.status === 200, 'the domain to answer');
    expect(bodyOf(await get(httpPort, `SHOP.${domain.toUpperCase()}`))).toBe('shop');
    expect(bodyOf(await get(httpPort, 'WWW.Shop.Example'))).toBe('shop');
    expect((await get(httpPort, `x.shop.${domain}`)).status).toBe(404);
    expect((await get(httpPort, domain)).status).toBe(404);
  });

  it('moves a custom domain from one app to another in one pass', async () => {
    const blog = await startApp('blog');
    try {
      await store.put(store.keys.route('blog'), {
        app: 'blog',
        dynos: [{ upstream: blog.address, dyno: 'web.1', host: 'elsewhere' }],
        domains: [],
        updatedAt: new Date().toISOString(),
      } satisfies Route);
      await until(`blog.${domain}`, (x) => bodyOf(x) === 'blog', 'blog to answer');
      // blog (before shop in name order) takes www.shop.example, shop drops it: both in one pass
      await h?.router?.stop();
      await store.put(store.keys.route('blog'), {
        app: 'blog',
        dynos: [{ upstream: blog.address, dyno: 'web.1', host: 'elsewhere' }],
        domains: ['www.shop.example'],
        updatedAt: new Date().toISOString(),
      } satisfies Route);
      await putRoute({ domains: ['shop.example'] });
      h!.router = h!.makeRouter();
      await h!.router.start();
      await until('shop.example', (x) => bodyOf(x) === 'shop', 'shop at its new domain');
      await until('www.shop.example', (x) => bodyOf(x) === 'blog', 'the domain moved to blog');
      await store.delete(store.keys.route('blog'));
      await until('www.shop.example', (x) => x.status === 404, 'the domain gone with blog');
      expect(bodyOf(await get(httpPort, 'shop.example'))).toBe('shop');
    } finally {
      await blog.close();
    }
  });
});
