import { describe, expect, it } from 'vitest';
import { ROUTER_LUA } from '../../../services/router/lua.js';
import { isSafeText, pageHtml, PAGES, REQUEST_ID_VAR } from '../../../services/router/pages.js';
import { renderNginx, type NginxModel } from '../../../services/router/render.js';
import { DEFAULT_MAX_BODY_MB, DEFAULT_MODULES_INCLUDE } from '../../../services/router/config.js';

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

describe('pages', () => {
  it.each(Object.entries(PAGES))(
    '%s is plain text for a quoted nginx string, with the request id as its only variable',
    (_, page) => {
      const html = pageHtml(page);
      expect(html.split(REQUEST_ID_VAR)).toHaveLength(2);
      expect(isSafeText(html.replace(REQUEST_ID_VAR, ''))).toBe(true);
      expect(html).toContain(`<title>${page.title}</title>`);
    },
  );

  it('isSafeText refuses what would end or escape the string', () => {
    for (const s of ['a"b', 'a\\b', 'a$b', 'a;b', 'a{b', 'a}b', 'a\nb']) expect(isSafeText(s)).toBe(false);
    expect(isSafeText("it's fine: <p>")).toBe(true);
  });

  it("the apps' server answers the router's own 502, 503, 504 and 413 with a page, and 404, maintenance and starting from named locations", () => {
    const { config } = renderNginx({ ...base, apps: ['shop', { app: 'down', maintenance: true }] });
    const from = config.indexOf('default_server;');
    const server = config.slice(from, config.indexOf('\n    }\n', from));
    for (const status of [502, 503, 504, 413]) {
      expect(server).toContain(`error_page ${status} @paas_${status};`);
      expect(server).toMatch(
        new RegExp(`location @paas_${status} \\{\\s+default_type text/html;\\s+return ${status} "<!DOCTYPE html>`),
      );
    }
    expect(server).not.toContain('error_page 404');
    for (const [location, status, title] of [
      ['@paas_no_such_app', 404, 'No such app'],
      ['@paas_maintenance', 503, 'Offline for maintenance'],
      ['@paas_starting', 503, 'Application is starting'],
    ] as const)
      expect(server).toMatch(
        new RegExp(`location ${location} \\{[^}]*return ${status} "<!DOCTYPE html>.*<title>${title}</title>`),
      );
    expect(config).toContain('add_header X-Request-Id $paas_request_id always;');
    expect(config).toContain('proxy_hide_header X-Request-Id;');
  });
});

describe('the balancer', () => {
  it('gives an upgraded connection the 55 s idle timeout and tries at most 3 containers', () => {
    expect(ROUTER_LUA).toMatch(/if ngx\.var\.http_upgrade ~= nil then\s+balancer\.set_timeouts\(5, 55, 55\)/);
    expect(ROUTER_LUA).toContain('balancer.set_more_tries(math.min(n, 3) - 1)');
    expect(ROUTER_LUA).not.toContain('${');
  });
});
