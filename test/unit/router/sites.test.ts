import { describe, expect, it } from 'vitest';
import type { Route } from '../../../services/core/types.js';
import { sitesOf } from '../../../services/router/model.js';
import { MAINTENANCE_PAGE, renderNginx, type NginxModel } from '../../../services/router/render.js';
import { partitionSites } from '../../../services/router/sites.js';
import { DEFAULT_MAX_BODY_MB, DEFAULT_MODULES_INCLUDE } from '../../../services/router/config.js';

// Custom domains and maintenance in the rendered config.

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

function serverNames(config: string): string[] {
  return [...config.matchAll(/^\s*server_name ([^;]+);$/gm)].map((m) => m[1] as string);
}

/** The server block of one app. */
function serverOf(config: string, app: string): string {
  const start = config.indexOf(`    # app: ${app}\n`);
  expect(start).toBeGreaterThan(0);
  return config.slice(start, config.indexOf('\n    }\n', start));
}

describe('renderNginx with sites', () => {
  it('serves custom domains in the app server, after its default name', () => {
    const { config, rejected } = renderNginx({
      ...base,
      apps: [{ app: 'shop', domains: ['www.shop.com', 'api.shop.com'] }, 'blog'],
    });
    expect(rejected).toEqual([]);
    expect(serverNames(config)).toEqual(['_', 'blog.localhost', 'shop.localhost api.shop.com www.shop.com', '_']);
  });

  it('answers 503 with the maintenance page instead of proxying an app in maintenance', () => {
    const { config } = renderNginx({
      ...base,
      apps: [{ app: 'shop', maintenance: true, domains: ['www.shop.com'] }, { app: 'blog' }],
    });
    const shop = serverOf(config, 'shop');
    expect(shop).toContain(`return 503 "${MAINTENANCE_PAGE}\\n";`);
    expect(MAINTENANCE_PAGE).toContain('Offline for maintenance');
    expect(shop).toContain('default_type text/html;');
    expect(shop).not.toContain('proxy_pass');
    expect(shop).toContain('server_name shop.localhost www.shop.com;');
    expect(serverOf(config, 'blog')).toContain('proxy_pass http://paas_apps;');
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
    const { config, apps, rejected } = renderNginx({
      ...base,
      apps: [{ app: 'shop', domains: ['ok.example.com', ...(hostile as string[])] }],
    });
    expect(apps).toEqual(['shop']);
    expect(serverNames(config)).toEqual(['_', 'shop.localhost ok.example.com', '_']);
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

  it('changes the config only when domains or maintenance change (the reload trigger)', () => {
    const one = renderNginx({ ...base, apps: [{ app: 'shop', domains: ['b.shop.com', 'a.shop.com'] }] }).config;
    expect(
      renderNginx({ ...base, apps: [{ app: 'shop', domains: ['a.shop.com', 'b.shop.com', 'a.shop.com'] }] }).config,
    ).toBe(one);
    expect(renderNginx({ ...base, apps: [{ app: 'shop', domains: ['a.shop.com'] }] }).config).not.toBe(one);
    expect(
      renderNginx({ ...base, apps: [{ app: 'shop', domains: ['a.shop.com', 'b.shop.com'], maintenance: true }] })
        .config,
    ).not.toBe(one);
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
