import { describe, expect, it } from 'vitest';
import { renderNginx, type NginxModel } from '../../../services/router/render.js';
import { isDomain } from '../../../services/router/sites.js';
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

/** Braces balance and never go negative; every line outside Lua ends a statement or opens/closes a block. */
function assertWellFormed(config: string): void {
  let depth = 0;
  for (const ch of config) {
    if (ch === '{') depth++;
    if (ch === '}') depth--;
    expect(depth).toBeGreaterThanOrEqual(0);
  }
  expect(depth).toBe(0);
}

function serverNames(config: string): string[] {
  return [...config.matchAll(/^\s*server_name (\S+);$/gm)].map((m) => m[1] as string);
}

describe('renderNginx', () => {
  it('renders a config with no apps: default server, control server, paths under dir', () => {
    const { config, apps, rejected } = renderNginx(base);
    assertWellFormed(config);
    expect(apps).toEqual([]);
    expect(rejected).toEqual([]);
    expect(config).toMatch(/^include \/etc\/nginx\/modules-enabled\/\*\.conf;$/m);
    expect(config).toContain('pid /var/lib/paas/nginx/nginx.pid;');
    expect(config).toContain('error_log /var/lib/paas/nginx/logs/error.log');
    expect(config).toContain('client_body_temp_path /var/lib/paas/nginx/tmp/client_body;');
    expect(config).toContain('proxy_temp_path /var/lib/paas/nginx/tmp/proxy;');
    expect(config).toMatch(/listen 0\.0\.0\.0:80 default_server;/);
    expect(config).toMatch(
      /return 404 "<!DOCTYPE html>.*<title>No such app<\/title>.*Request ID: \$paas_request_id.*\\n";/,
    );
    expect(config).toMatch(/listen 127\.0\.0\.1:8701;\s+server_name _;\s+allow 127\.0\.0\.1;\s+deny all;/);
    expect(serverNames(config)).toEqual(['_', '_']);
    expect(config).not.toMatch(/\bset \$paas_app/);
  });

  it('renders one server for every app, whose host Lua resolves into $paas_app, and tells Lua the domain', () => {
    const { config, apps } = renderNginx({ ...base, apps: ['web-shop'], domain: 'apps.example.com', httpPort: 8080 });
    assertWellFormed(config);
    expect(apps).toEqual(['web-shop']);
    expect(serverNames(config)).toEqual(['_', '_']);
    expect(config).not.toContain('web-shop');
    expect(config).toMatch(
      /listen 0\.0\.0\.0:8080 default_server;\s+server_name _;\s+set_by_lua_block \$paas_app \{ return require\("paas_router"\)\.app_of\(ngx\.var\.host\) \}/,
    );
    expect(config).toContain('configure({ domain = "apps.example.com",');
  });

  it('takes many apps sorted and once each, all sharing one server and one balancer upstream', () => {
    const names = Array.from({ length: 50 }, (_, i) => `app-${String(49 - i).padStart(2, '0')}`);
    const { config, apps, sites } = renderNginx({ ...base, apps: [...names, 'app-07'] });
    assertWellFormed(config);
    expect(apps).toEqual([...names].sort());
    expect(sites.map((x) => x.app)).toEqual([...names].sort());
    expect(config).toBe(renderNginx(base).config);
    expect(config.match(/^\s*upstream /gm)).toHaveLength(1);
    expect(config.match(/proxy_pass http:\/\/paas_apps;/g)).toHaveLength(1);
    expect(config).toContain('balancer_by_lua_block');
  });

  it('is a pure function of the model', () => {
    expect(renderNginx({ ...base, apps: ['b-app', 'a-app'] }).config).toBe(
      renderNginx({ ...base, apps: ['a-app', 'b-app'] }).config,
    );
  });

  it('sets the proxy headers and upstream HTTP/1.1 with websocket upgrade', () => {
    const { config } = renderNginx(base);
    for (const line of [
      'proxy_set_header Host $http_host;',
      'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
      'proxy_set_header X-Forwarded-Proto $scheme;',
      'proxy_set_header X-Forwarded-Port $server_port;',
      'proxy_set_header X-Request-Id $paas_request_id;',
      'proxy_set_header Upgrade $http_upgrade;',
      'proxy_set_header Connection $connection_upgrade;',
      'proxy_http_version 1.1;',
    ]) {
      expect(config).toContain(line);
    }
    expect(config).toContain(
      `map $http_x_request_id $paas_request_id {\n        "~^[A-Za-z0-9._:+/=@-]{1,200}$" $http_x_request_id;\n        default $request_id;\n    }`,
    );
    expect(config).toMatch(/keepalive \d+;/);
  });

  it.each([
    ['quote', 'evil"app'],
    ['single quote', "evil'app"],
    ['brace', 'evil}app'],
    ['semicolon', 'evil;app'],
    ['newline', 'evil\napp'],
    ['space', 'evil app'],
    ['dollar', 'evil$app'],
    ['unicode', 'évil-app'],
    ['upper case', 'Evilapp'],
    ['too long', `a${'b'.repeat(30)}`],
    ['empty', ''],
    ['leading dash', '-evilapp'],
    ['trailing dash', 'evilapp-'],
    ['double dash', 'evil--app'],
    ['dot', 'evil.app'],
    ['slash', 'evil/app'],
  ])('rejects a hostile app name (%s) and keeps it out of the file', (_, name) => {
    const { config, apps, rejected } = renderNginx({ ...base, apps: ['good-app', name] });
    assertWellFormed(config);
    expect(apps).toEqual(['good-app']);
    expect(rejected).toEqual([{ app: name, reason: expect.any(String) }]);
    expect(serverNames(config)).toEqual(['_', '_']);
    if (name.length > 0) expect(config).not.toContain(name);
  });

  it.each([
    '',
    'Localhost',
    'exa mple.com',
    'a..b',
    '-a.com',
    'a-.com',
    'a.com;',
    'a.com}',
    'ex"ample.com',
    'exämple.com',
    `${'a'.repeat(64)}.com`,
    `${'abcdefghi.'.repeat(23)}com`,
  ])('refuses an invalid domain %j', (domain) => {
    expect(isDomain(domain)).toBe(false);
    expect(() => renderNginx({ ...base, domain })).toThrow(/domain/);
  });

  it.each(['localhost', 'example.com', 'apps.my-co.example', '127.0.0.1.nip.io', 'xn--bcher-kva.example'])(
    'accepts the domain %j',
    (domain) => {
      expect(isDomain(domain)).toBe(true);
      expect(renderNginx({ ...base, domain, apps: ['x1'] }).config).toContain(`configure({ domain = "${domain}",`);
    },
  );

  it('refuses unsafe operator settings', () => {
    expect(() => renderNginx({ ...base, dir: 'relative/dir' })).toThrow(/dir/);
    expect(() => renderNginx({ ...base, dir: '/var/lib/p aas' })).toThrow(/dir/);
    expect(() => renderNginx({ ...base, dir: '/var/lib/paas;x' })).toThrow(/dir/);
    expect(() => renderNginx({ ...base, dir: '/var/../etc' })).toThrow(/dir/);
    expect(() => renderNginx({ ...base, listen: 'example.com' })).toThrow(/listen/);
    expect(() => renderNginx({ ...base, httpPort: 0 })).toThrow(/httpPort/);
    expect(() => renderNginx({ ...base, controlPort: 70000 })).toThrow(/controlPort/);
    expect(() => renderNginx({ ...base, modulesInclude: '/etc/x.conf; evil' })).toThrow(/modulesInclude/);
  });

  it('brackets an IPv6 listen address and keeps the control server on 127.0.0.1', () => {
    const { config } = renderNginx({ ...base, listen: '::', apps: ['ab'] });
    expect(config).toMatch(/listen \[::\]:80 default_server;/);
    expect(config).toMatch(/listen 127\.0\.0\.1:8701;/);
  });
});

describe('renderNginx: limits, timeouts, retries, access log', () => {
  it('sets Heroku-like timeouts, a short connect timeout and a retry window below the read timeout', () => {
    const { config } = renderNginx(base);
    expect(config).toContain('proxy_read_timeout 30s;');
    expect(config).toContain('proxy_connect_timeout 5s;');
    expect(config).toContain('proxy_next_upstream error timeout;');
    expect(config).not.toMatch(/proxy_next_upstream [^;]*non_idempotent/);
    expect(config).toContain('proxy_next_upstream_timeout 10s;');
    expect(config).toMatch(/balancer_by_lua_block[^\n]*\n\s+keepalive 64;\n\s+keepalive_timeout 4s;/);
  });

  it('limits the body to 100 MiB by default, or the configured size; refuses a bad one', () => {
    expect(renderNginx(base).config).toMatch(/^ {4}client_max_body_size 100m;$/m);
    expect(renderNginx({ ...base, maxBodyMb: 7 }).config).toMatch(/^ {4}client_max_body_size 7m;$/m);
    expect(renderNginx(base).config).toMatch(/^worker_processes auto;$/m);
    expect(renderNginx({ ...base, workers: 2 }).config).toMatch(/^worker_processes 2;$/m);
    expect(() => renderNginx({ ...base, workers: 0 })).toThrow(/workers/);
    for (const bad of [0, -1, 1.5, 1e9, Number.NaN])
      expect(() => renderNginx({ ...base, maxBodyMb: bad })).toThrow(/maxBodyMb/);
  });

  it('logs one JSON object per request and sets the app variable in the default server', () => {
    const { config } = renderNginx({ ...base, apps: ['shop'] });
    expect(config).toMatch(/log_format paas_json escape=json '\{"at":"\$msec","app":"\$paas_app",/);
    expect(config).toContain('access_log /var/lib/paas/nginx/logs/access.log paas_json buffer=64k flush=1s;');
    expect(config).toMatch(/default_server;\s+server_name _;\s+set_by_lua_block \$paas_app \{/);
  });

  it.each([
    ['a very long domain', `${Array.from({ length: 4 }, () => 'a'.repeat(63)).join('.')}.com`],
    ['a label over 63 characters', `${'a'.repeat(64)}.example.com`],
    ['a unicode domain', 'bücher.example'],
    ['a domain with a newline', 'a.com\n'],
    ['a domain with a brace', 'a.com{'],
  ])('keeps %s out of the file', (_, domain) => {
    const { config, rejected } = renderNginx({ ...base, apps: [{ app: 'shop', domains: [domain] }] });
    assertWellFormed(config);
    expect(rejected).toEqual([expect.objectContaining({ app: 'shop', reason: expect.any(String) })]);
    expect(config).not.toContain(domain);
  });
});

describe('renderNginx: sleeping apps', () => {
  it('holds the states, activity and wake flags in shared dicts, and tells Lua its wake settings', () => {
    const { config } = renderNginx(base);
    for (const dict of ['paas_upstreams', 'paas_sites', 'paas_domains', 'paas_states', 'paas_live', 'paas_hold'])
      expect(config).toMatch(new RegExp(`^ {4}lua_shared_dict ${dict} \\d+m;$`, 'm'));
    expect(config).toContain(
      'require("paas_router").configure({ domain = "localhost", wake_socket = "/var/lib/paas/nginx/router.sock", wake_timeout = 30, max_held = 4096, request_metrics = true })',
    );
    const custom = renderNginx({ ...base, dir: '/srv/n/', wake: { timeoutS: 2.5, maxHeld: 7 } }).config;
    expect(custom).toContain(
      'wake_socket = "/srv/n/router.sock", wake_timeout = 2.5, max_held = 7, request_metrics = true })',
    );
    expect(config).toMatch(/^ {4}worker_connections 16384;$/m);
  });

  it('lets a reload wait for the held requests of the old workers', () => {
    expect(renderNginx(base).config).toContain('worker_shutdown_timeout 60s;');
    expect(renderNginx({ ...base, wake: { timeoutS: 45, maxHeld: 1 } }).config).toContain(
      'worker_shutdown_timeout 75s;',
    );
  });

  it('counts websockets around the proxy and answers "Application is starting" with Retry-After', () => {
    const { config } = renderNginx({ ...base, apps: ['shop', { app: 'down', maintenance: true }] });
    const from = config.indexOf('default_server;');
    const server = config.slice(from, config.indexOf('\n    }\n', from));
    expect(server).toMatch(
      /location \/ \{\s+access_by_lua_block \{ require\("paas_router"\)\.access\(\) \}\s+header_filter_by_lua_block \{ require\("paas_router"\)\.header\(\) \}\s+proxy_pass http:\/\/paas_apps;/,
    );
    // the log phase on the server: every location's, the pages nginx answers itself too
    expect(server).toMatch(
      /set_by_lua_block \$paas_app .*\n.*\n {8}log_by_lua_block \{ require\("paas_router"\)\.log\(\) \}\n/,
    );
    expect(server.match(/log_by_lua_block/g)).toHaveLength(1);
    expect(server).toMatch(
      /location @paas_starting \{\s+default_type text\/html;\s+add_header X-Request-Id \$paas_request_id always;\s+add_header Retry-After 5 always;\s+return 503 "<!DOCTYPE html>.*<title>Application is starting<\/title>/,
    );
  });

  it('refuses bad wake settings and a dir too long for its socket', () => {
    for (const timeoutS of [0, 0.5, 301, Number.NaN])
      expect(() => renderNginx({ ...base, wake: { timeoutS, maxHeld: 1 } })).toThrow(/wake\.timeoutS/);
    for (const maxHeld of [0, 1.5, 2_000_000])
      expect(() => renderNginx({ ...base, wake: { timeoutS: 30, maxHeld } })).toThrow(/wake\.maxHeld/);
    expect(() => renderNginx({ ...base, dir: `/${'d'.repeat(100)}` })).toThrow(/unix socket/);
  });
});

describe('renderNginx: HTTPS', () => {
  const https = { port: 443, certificate: '/var/lib/paas/tls/default.crt', key: '/var/lib/paas/tls/default.key' };
  const server = (config: string) => {
    const from = config.indexOf('default_server;');
    return config.slice(config.lastIndexOf('server {', from), config.indexOf('\n    }\n', from));
  };

  it('listens for HTTPS with HTTP/2 on the apps server, beside HTTP, with the same locations', () => {
    const { config } = renderNginx({ ...base, https });
    assertWellFormed(config);
    const apps = server(config);
    expect(apps).toMatch(/listen 0\.0\.0\.0:80 default_server;\n\s+listen 0\.0\.0\.0:443 ssl http2 default_server;/);
    expect(apps).toContain('ssl_certificate /var/lib/paas/tls/default.crt;');
    expect(apps).toContain('ssl_certificate_key /var/lib/paas/tls/default.key;');
    expect(apps).toContain('ssl_certificate_by_lua_block { require("paas_router").certificate() }');
    expect(apps).toContain('ssl_protocols TLSv1.2 TLSv1.3;');
    expect(apps).toMatch(/ssl_session_cache shared:paas_tls:\d+m;/);
    expect(apps).toContain('ssl_session_tickets off;');
    expect(apps).not.toMatch(/ssl_ciphers [^;]*([ :]DHE-|RC4|3DES|SHA;)/);
    // one server, one copy of the locations, for both schemes
    expect(config.match(/^\s*server \{/gm)).toHaveLength(2);
    expect(config.match(/proxy_pass http:\/\/paas_apps;/g)).toHaveLength(1);
    expect(config).toContain('proxy_set_header X-Forwarded-Proto $scheme;');
    expect(config).toContain('proxy_set_header X-Forwarded-Port $server_port;');
  });

  it('names the fallback by its fingerprint, so a new one changes the config', () => {
    const a = renderNginx({ ...base, https: { ...https, fingerprint: 'AB:CD' } }).config;
    const b = renderNginx({ ...base, https: { ...https, fingerprint: 'AB:CE' } }).config;
    expect(a).toContain("# The fallback's SHA-256 AB:CD");
    expect(a).not.toBe(b);
    expect(() => renderNginx({ ...base, https: { ...https, fingerprint: 'x"; evil' } })).toThrow(/fingerprint/);
  });

  it("tells Lua to ask for apps' own certificates, and of which CA, only when the router issues them", () => {
    const on = renderNginx({ ...base, https: { ...https, leaves: 'AB:CD' } }).config;
    expect(on).toContain(', leaves = true })');
    expect(on).toContain('require("paas_router").leaves_ca("AB:CD")');
    expect(on).toMatch(/lua_shared_dict paas_leaves \d+m;/);
    const off = renderNginx({ ...base, https }).config;
    expect(off).not.toContain('leaves = true');
    expect(off).not.toContain('require("paas_router").leaves_ca(');
    expect(() => renderNginx({ ...base, https: { ...https, leaves: '"); os.exit(' } })).toThrow(/leaves/);
  });

  it('renders no TLS without HTTPS, but the dicts and the ACME location always', () => {
    const { config } = renderNginx(base);
    expect(config).not.toMatch(/^\s*(ssl_|listen [^;]* ssl)/m);
    for (const dict of ['paas_certs', 'paas_sni', 'paas_acme'])
      expect(config).toMatch(new RegExp(`^ {4}lua_shared_dict ${dict} \\d+m;$`, 'm'));
    expect(config).toMatch(/^ {4}lua_shared_dict paas_certs 64m;$/m);
    expect(renderNginx({ ...base, certDictMb: 8 }).config).toMatch(/^ {4}lua_shared_dict paas_certs 8m;$/m);
    // before `location /`: the challenge is answered before any app is looked at
    const apps = server(config);
    expect(apps).toMatch(
      /location \^~ \/\.well-known\/acme-challenge\/ \{\s+content_by_lua_block \{ require\("paas_router"\)\.acme_challenge\(\) \}\s+\}/,
    );
    expect(apps.indexOf('acme-challenge')).toBeLessThan(apps.indexOf('location / {'));
  });

  it('refuses bad HTTPS settings', () => {
    expect(() => renderNginx({ ...base, https: { ...https, port: 0 } })).toThrow(/https\.port/);
    expect(() => renderNginx({ ...base, https: { ...https, port: 80 } })).toThrow(/differ/);
    expect(() => renderNginx({ ...base, https: { ...https, port: 8701 } })).toThrow(/differ/);
    expect(() => renderNginx({ ...base, https: { ...https, certificate: 'rel.crt' } })).toThrow(/https\.certificate/);
    expect(() => renderNginx({ ...base, https: { ...https, key: '/a b.key' } })).toThrow(/https\.key/);
    expect(() => renderNginx({ ...base, https: { ...https, key: '/etc/../k;' } })).toThrow(/https\.key/);
    for (const bad of [0, 1.5, 5000]) expect(() => renderNginx({ ...base, certDictMb: bad })).toThrow(/certDictMb/);
  });
});

describe('renderNginx: request metrics', () => {
  it("declares the metrics' dicts, starts each worker's flush and tells Lua whether to count", () => {
    const { config } = renderNginx(base);
    expect(config).toMatch(/^ {4}lua_shared_dict paas_metrics 64m;$/m);
    expect(config).toMatch(/^ {4}lua_shared_dict paas_metrics_apps 4m;$/m);
    expect(config).toMatch(/^ {4}init_worker_by_lua_block \{ require\("paas_router"\)\.init_worker\(\) \}$/m);
    expect(config).toContain(', request_metrics = true })');
    const off = renderNginx({ ...base, requestMetrics: false, metricsDictMb: 8 }).config;
    expect(off).toContain(', request_metrics = false })');
    expect(off).toMatch(/^ {4}lua_shared_dict paas_metrics 8m;$/m);
    expect(off).toMatch(/^ {4}lua_shared_dict paas_metrics_apps 1m;$/m);
    expect(renderNginx({ ...base, metricsDictMb: 100 }).config).toMatch(/^ {4}lua_shared_dict paas_metrics_apps 7m;$/m);
  });

  it('refuses a bad dict size', () => {
    for (const metricsDictMb of [0, 1.5, 4097])
      expect(() => renderNginx({ ...base, metricsDictMb })).toThrow(/metricsDictMb/);
  });
});
