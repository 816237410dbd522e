import { describe, expect, it } from 'vitest';
import type { Route } from '../../../services/core/types.js';
import { sitesOf } from '../../../services/router/model.js';
import { ROUTER_LUA } from '../../../services/router/lua.js';
import { MAINTENANCE_PAGE, renderNginx, type NginxModel } from '../../../services/router/render.js';
import { partitionSites } from '../../../services/router/sites.js';
import { DEFAULT_MAX_BODY_MB, DEFAULT_MODULES_INCLUDE } from '../../../services/router/config.js';

// Custom domains and maintenance: validated into the sites the router pushes to nginx's dicts, never in its config.

const base: NginxModel = {
  apps: [],
  domain: 'localhost',
  listen: '0.0.0.0',
  httpPort: 80,
  controlPort: 8701,
  dir: '/var/lib/paas/nginx',
  modulesInclude: DEFAULT_MODULES_INCLUDE,
  maxBodyMb: DEFAULT_MAX_BODY_MB,
};

/** The one server that answers every app. */
function appsServer(config: string): string {
  const start = config.indexOf('default_server;');
  expect(start).toBeGreaterThan(0);
  return config.slice(start, config.indexOf('\n    }\n', start));
}

describe('renderNginx with sites', () => {
  it('gives each app its custom domains, sorted, for the shared dicts; none reaches the config', () => {
    const { config, sites, rejected } = renderNginx({
      ...base,
      apps: [{ app: 'shop', domains: ['www.shop.com', 'api.shop.com'] }, 'blog'],
    });
    expect(rejected).toEqual([]);
    expect(sites).toEqual([
      { app: 'blog', domains: [], maintenance: false },
      { app: 'shop', domains: ['api.shop.com', 'www.shop.com'], maintenance: false },
    ]);
    expect(config).not.toContain('shop');
    expect(config).not.toContain('blog');
  });

  it('answers 503 with the maintenance page, from a named location Lua sends an app in maintenance to', () => {
    const { config, sites } = renderNginx({
      ...base,
      apps: [{ app: 'shop', maintenance: true, domains: ['www.shop.com'] }, { app: 'blog' }],
    });
    expect(sites.map((x) => [x.app, x.maintenance])).toEqual([
      ['blog', false],
      ['shop', true],
    ]);
    const server = appsServer(config);
    expect(server).toMatch(
      new RegExp(
        `location @paas_maintenance \\{\\s+default_type text/html;\\s+return 503 "${MAINTENANCE_PAGE.replace(/[$]/g, '\\$')}\\\\n";`,
      ),
    );
    expect(MAINTENANCE_PAGE).toContain('Offline for maintenance');
    expect(ROUTER_LUA).toContain('return ngx.exec("@paas_maintenance")');
    expect(MAINTENANCE_PAGE.replace('$paas_request_id', '')).not.toMatch(/["\\$;{}]/);
  });

  it('drops and reports hostile or invalid domains, keeping the app', () => {
    const hostile = [
      'evil.com; }  server { listen 9',
      'a.com\nserver_name x',
      'UPPER.example.com',
      '*.example.com',
      '1.2.3.4',
      'other.localhost',
      42,
    ];
    const { config, apps, sites, rejected } = renderNginx({
      ...base,
      apps: [{ app: 'shop', domains: ['ok.example.com', ...(hostile as string[])] }],
    });
    expect(apps).toEqual(['shop']);
    expect(sites).toEqual([{ app: 'shop', domains: ['ok.example.com'], maintenance: false }]);
    expect(rejected).toHaveLength(hostile.length);
    expect(rejected.every((r) => r.app === 'shop' && r.domain !== undefined)).toBe(true);
    expect(config).not.toContain('evil');
  });

  it('gives a domain claimed twice to the first app in name order, reports the other', () => {
    const { sites, rejected } = partitionSites(
      [
        { app: 'zed', domains: ['www.x.com'] },
        { app: 'abe', domains: ['www.x.com'] },
      ],
      'localhost',
    );
    expect(sites).toEqual([
      { app: 'abe', domains: ['www.x.com'], maintenance: false },
      { app: 'zed', domains: [], maintenance: false },
    ]);
    expect(rejected).toEqual([{ app: 'zed', domain: 'www.x.com', reason: 'also claimed by abe' }]);
  });

  it('never changes the config with the apps, their domains or maintenance (no reload for them)', () => {
    const one = renderNginx({ ...base, apps: [{ app: 'shop', domains: ['b.shop.com', 'a.shop.com'] }] }).config;
    expect(renderNginx({ ...base, apps: [] }).config).toBe(one);
    expect(renderNginx({ ...base, apps: [{ app: 'shop', domains: ['a.shop.com'] }, 'blog'] }).config).toBe(one);
    expect(renderNginx({ ...base, apps: [{ app: 'shop', maintenance: true }] }).config).toBe(one);
  });
});

describe('sitesOf', () => {
  it('takes each route app with its domains and maintenance, ignoring junk', () => {
    const routes = [
      { app: 'shop', dynos: [], domains: ['www.shop.com'], maintenance: true, updatedAt: '' },
      { app: 'blog', dynos: [], updatedAt: '' },
      { app: 'odd', dynos: [], domains: 'www.odd.com', maintenance: 'yes', updatedAt: '' },
      { dynos: [] },
    ] as unknown as Route[];
    expect(sitesOf(routes)).toEqual([
      { app: 'shop', domains: ['www.shop.com'], maintenance: true },
      { app: 'blog', domains: [], maintenance: false },
      { app: 'odd', domains: [], maintenance: false },
    ]);
  });
});
