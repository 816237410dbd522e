import { describe, expect, it } from 'vitest';
import type { StoredRoute } from '../../../services/core/routes.js';
import { desiredUpstreams, sitesOf } from '../../../services/router/model.js';
import {
  isPlatformSite,
  platformTable,
  withPlatformRoutes,
  withPlatformSites,
} from '../../../services/router/platformsites.js';
import { partitionSites } from '../../../services/router/sites.js';
import type { RouteTable } from '../../../services/router/table.js';

const route = (app: string, upstream: string, domains: string[] = []): StoredRoute => ({
  app,
  dynos: [{ upstream, dyno: 'web.1', host: 'h' }],
  domains,
  updatedAt: '2026-12-06T00:00:00.000Z',
});

describe('platform sites', () => {
  it('names the dashboard as one', () => {
    expect(isPlatformSite('dashboard')).toBe(true);
    expect(isPlatformSite('shop')).toBe(false);
  });

  it('adds the dashboard as a site with its one upstream, served as an app is', () => {
    const routes = withPlatformRoutes([route('shop', '10.0.0.2:5000')], { dashboard: '127.0.0.1:8702' });
    expect(desiredUpstreams(routes).upstreams).toEqual(
      new Map([
        ['shop', ['10.0.0.2:5000']],
        ['dashboard', ['127.0.0.1:8702']],
      ]),
    );
    expect(partitionSites(sitesOf(routes), 'apps.test').sites.map((s) => s.app)).toEqual(['dashboard', 'shop']);
  });

  it('drops a stored route named dashboard (older data), served or not', () => {
    const stored = [route('dashboard', '10.0.0.9:6666'), route('shop', '10.0.0.2:5000')];
    const served = withPlatformRoutes(stored, { dashboard: '127.0.0.1:8702' });
    expect(desiredUpstreams(served).upstreams.get('dashboard')).toEqual(['127.0.0.1:8702']);
    expect(served.filter((r) => r.app === 'dashboard')).toHaveLength(1);
    expect(withPlatformRoutes(stored, {}).map((r) => r.app)).toEqual(['shop']);
  });

  it('lets no custom domain claim dashboard.<domain>', () => {
    const routes = withPlatformRoutes([route('shop', '10.0.0.2:5000', ['dashboard.apps.test', 'shop.example'])], {
      dashboard: '127.0.0.1:8702',
    });
    const { sites, rejected } = partitionSites(sitesOf(routes), 'apps.test');
    expect(sites.find((s) => s.app === 'shop')?.domains).toEqual(['shop.example']);
    expect(rejected).toEqual([{ app: 'shop', domain: 'dashboard.apps.test', reason: 'not a valid custom domain' }]);
  });

  it("drops a stored certificate of the dashboard's name, and leaves the others as read", async () => {
    const certificates = new Map<string, unknown>([
      ['dashboard', { pem: 'old' }],
      ['shop', { pem: 'shop' }],
    ]);
    const tables = withPlatformSites({ routes: [], certificates, challenges: new Map() }, {});
    expect([...tables.certificates.keys()]).toEqual(['shop']);
    const clean = new Map<string, unknown>([['shop', {}]]);
    expect(withPlatformSites({ routes: [], certificates: clean, challenges: new Map() }, {}).certificates).toBe(clean);

    let watched = 0;
    const inner: RouteTable = {
      read: async () => ({ routes: [route('dashboard', '10.0.0.9:1')], certificates, challenges: new Map() }),
      watch: async (onChange) => {
        watched++;
        onChange();
        return async () => undefined;
      },
    };
    const table = platformTable(inner, { dashboard: '127.0.0.1:18702' });
    const read = await table.read();
    expect(read.routes).toEqual([{ app: 'dashboard', upstreams: ['127.0.0.1:18702'], domains: [], updatedAt: '' }]);
    await table.watch(() => undefined);
    expect(watched).toBe(1);
  });
});
