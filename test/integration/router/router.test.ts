import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredRoute } from '../../../services/core/routes.js';
import type { Store } from '../../../services/core/store.js';
import type { Route } from '../../../services/core/types.js';
import type { HttpUpstreamControl } from '../../../services/router/control.js';
import type { NginxCli } from '../../../services/router/nginx.js';
import {
  bodyOf,
  childPids,
  eventually,
  freePort,
  get,
  startApp,
  startRouter,
  type RouterHarness,
  type TestApp,
} from './helpers.js';

// The whole router wired to the real etcd and a real nginx of its own.

describe('router service', () => {
  let h: RouterHarness;
  let store: Store;
  let nginx: NginxCli;
  let control: HttpUpstreamControl;
  let one: TestApp;
  let two: TestApp;
  let httpPort: number;
  const domain = 'apps.test';

  const dynos = (upstreams: string[]) =>
    upstreams.map((upstream, i) => ({ upstream, dyno: `web.${i + 1}`, host: 'elsewhere' }));
  const putRoute = (app: string, upstreams: string[]) =>
    store.put(store.keys.route(app), {
      app,
      dynos: dynos(upstreams),
      updatedAt: new Date().toISOString(),
    } satisfies Route);
  const answer = (app: string) => get(httpPort, `${app}.${domain}`);
  const until = (app: string, ok: (a: Awaited<ReturnType<typeof answer>>) => boolean, what: string) =>
    eventually(async () => {
      const a = await answer(app);
      return ok(a) ? a : undefined;
    }, what);

  beforeAll(async () => {
    h = await startRouter('router-svc');
    ({ store, nginx, control, httpPort } = h);
    [one, two] = [await startApp('one'), await startApp('two')];
  });

  afterAll(async () => {
    await h?.stop();
    await one?.close();
    await two?.close();
  });

  it('starts nginx and serves a route once it is put in etcd', async () => {
    await putRoute('blog', [one.address]);
    const a = await until('blog', (x) => x.status === 200, 'blog to answer');
    expect(bodyOf(a)).toBe('one');
    expect(await nginx.masterPid()).toBeDefined();
  });

  it('switches upstreams without reloading nginx', async () => {
    const pid = (await nginx.masterPid()) as number;
    const workers = await childPids(pid);
    await putRoute('blog', [two.address]);
    await until('blog', (x) => bodyOf(x) === 'two', 'blog served by two');
    expect(await nginx.masterPid()).toBe(pid);
    expect(await childPids(pid)).toEqual(workers);
  });

  it('answers 503 for a route with no upstreams and ignores a hostile app name', async () => {
    await putRoute('empty-app', []);
    await store.put(`${store.keys.routes()}evil`, { app: 'evil;app}', dynos: dynos([one.address]), updatedAt: '' });
    const a = await until('empty-app', (x) => x.status !== 404, 'empty-app to get a server');
    expect(a.status).toBe(503);
    expect(bodyOf(await answer('blog'))).toBe('two');
    expect((await nginx.readConfig()) ?? '').not.toContain('evil');
    await store.delete(`${store.keys.routes()}evil`);
  });

  it('reaches a container on its own host at its bridge address, one elsewhere at its published address, and names their dynos', async () => {
    const published = `127.0.0.1:${await freePort()}`; // nothing listens there
    const route = (host: string): Route => ({
      app: 'near',
      dynos: [{ upstream: published, dyno: 'web.1', host, bridge: one.address }],
      updatedAt: new Date().toISOString(),
    });
    await store.put(store.keys.route('near'), route(h.hostId));
    expect(bodyOf(await until('near', (x) => x.status === 200, 'near to answer at its bridge address'))).toBe('one');
    expect((await control.list()).get('near')).toEqual([one.address]);
    expect(h.router?.dynoOf('near', one.address)).toBe('web.1');
    await store.put(store.keys.route('near'), route('another-host'));
    await eventually(
      async () => ((await control.list()).get('near')?.[0] === published ? true : undefined),
      'near reached at its published address',
    );
    expect(h.router?.dynoOf('near', published)).toBe('web.1');
    await store.delete(store.keys.route('near'));
  });

  it("serves an older scheduler's record, which lists upstreams (and dynos only when not empty)", async () => {
    const old: StoredRoute = { app: 'old', upstreams: [one.address], updatedAt: new Date().toISOString() };
    await store.put(store.keys.route('old'), old);
    expect(bodyOf(await until('old', (x) => x.status === 200, 'old to answer'))).toBe('one');
    await store.put(store.keys.route('old'), {
      ...old,
      upstreams: [two.address],
      dynos: [{ upstream: two.address, dyno: 'web.2', host: 'elsewhere' }],
    });
    await until('old', (x) => bodyOf(x) === 'two', 'old served by two');
    expect(h.router?.dynoOf('old', two.address)).toBe('web.2');
    await store.delete(store.keys.route('old'));
  });

  it('answers 404 once the route is removed, and drops its upstreams', async () => {
    await store.delete(store.keys.route('blog'));
    await until('blog', (x) => x.status === 404, 'blog to be gone');
    await eventually(async () => ((await control.list()).has('blog') ? undefined : true), 'blog upstreams removed');
  });

  it('a new router adopts the running nginx and converges on changes made while none ran', async () => {
    await h.router?.stop();
    const pid = (await nginx.masterPid()) as number;
    await putRoute('late', [one.address]);
    await putRoute('empty-app', [two.address]);
    h.router = h.makeRouter();
    await h.router.start();
    await until('late', (x) => bodyOf(x) === 'one', 'late to answer');
    await until('empty-app', (x) => bodyOf(x) === 'two', 'empty-app to answer');
    expect(await nginx.masterPid()).toBe(pid);
  });

  it('restarts nginx when it dies and pushes the upstreams again', async () => {
    const pid = (await nginx.masterPid()) as number;
    await nginx.stop();
    const next = await eventually(async () => {
      const p = await nginx.masterPid();
      return p !== undefined && p !== pid ? p : undefined;
    }, 'a new nginx');
    expect(next).not.toBe(pid);
    await until('late', (x) => bodyOf(x) === 'one', 'late to answer again');
    await until('empty-app', (x) => bodyOf(x) === 'two', 'empty-app to answer again');
  });
});
