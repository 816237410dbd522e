import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../../services/core/store.js';
import type { App, Domain } from '../../../services/core/types.js';
import { loadConfig } from '../../../services/scheduler/config.js';
import { plan } from '../../../services/scheduler/plan.js';
import { loadPlanInput } from '../../../services/scheduler/state.js';
import { etcdEndpoints, uniquePrefix } from '../../support/env.js';

// The scheduler reads each app's custom domains and maintenance flag from the
// real etcd and puts them into the app's route.

let store: Store;

beforeAll(async () => {
  store = Store.connect(etcdEndpoints(), uniquePrefix('scheduler-domains'));
  const app = (name: string, maintenance?: boolean): App => ({
    name,
    id: name,
    owner: 'u',
    createdAt: '',
    latestRelease: 0,
    ...(maintenance && { maintenance }),
  });
  await store.createApp(app('shop', true), { web: { quantity: 1, size: 'standard-1x' } });
  await store.createApp(app('blog'), { web: { quantity: 1, size: 'standard-1x' } });
  for (const [hostname, a] of [
    ['www.shop.example', 'shop'],
    ['shop.example', 'shop'],
    ['blog.example', 'blog'],
  ]) {
    await store.put(store.keys.domain(hostname as string), { hostname, app: a, createdAt: '' } as Domain);
  }
});
afterAll(async () => {
  await store?.deletePrefix(`${store.keys.prefix}/`);
  store?.close();
});

describe('scheduler: domains and maintenance from etcd', () => {
  it('loads them per app and writes them into the routes', async () => {
    const input = await loadPlanInput(store, 0, { ...loadConfig({}), drainMs: 0 });
    const byName = new Map(input.apps.map((a) => [a.name, a]));
    expect(byName.get('shop')).toMatchObject({ maintenance: true });
    expect([...(byName.get('shop')?.domains ?? [])].sort()).toEqual(['shop.example', 'www.shop.example']);
    expect(byName.get('blog')).toMatchObject({ domains: ['blog.example'] });
    expect(byName.get('blog')?.maintenance).toBeUndefined();
    const routes = plan(input).routes;
    expect(routes.find((r) => r.app === 'shop')).toMatchObject({
      domains: ['shop.example', 'www.shop.example'],
      maintenance: true,
    });
    expect(routes.find((r) => r.app === 'blog')).toMatchObject({ domains: ['blog.example'] });
    expect(routes.find((r) => r.app === 'blog')?.maintenance).toBeUndefined();
  });
});
