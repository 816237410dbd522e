import { isIP } from 'node:net';
import { CONNECT_S, ROUTER_LUA, SHARED_DICT } from './lua.js';
import { PAGES, pageHtml, type PageName } from './pages.js';
import { isDomain, partitionSites, type Rejected, type Site } from './sites.js';

// renderNginx: a pure function from the routing model to the whole nginx.conf.
// Only validated app names and operator settings (checked below) reach the
// text; upstream addresses never do (they go through the control endpoint).

export interface NginxModel {
  /** Apps that have a route (a name, or a Site). Invalid names and domains are dropped and reported. */
  apps: readonly (string | Site)[];
  /** Apps answer at <app>.<domain>. */
  domain: string;
  /** Public listen address and port. */
  listen: string;
  httpPort: number;
  /** Local-only control endpoint (always bound to 127.0.0.1). */
  controlPort: number;
  /** Absolute directory holding the pid file, logs and temp paths. */
  dir: string;
  /** Loads ndk + lua (the distribution's module snippets: config.ts). */
  modulesInclude: string;
  /** client_max_body_size in MiB. */
  maxBodyMb: number;
  /** worker_processes: a count, or `auto` (one per CPU, the default). */
  workers?: number | 'auto';
}

export interface Rendered {
  config: string;
  /** The apps that got a server, sorted and deduplicated. */
  apps: string[];
  rejected: Rejected[];
}

export const NO_SUCH_APP = PAGES.noSuchApp.title;
/** The body of a 503 for an app in maintenance. */
export const MAINTENANCE_PAGE = pageHtml(PAGES.maintenance);
/** Heroku's limits: 30 s to the first byte of the answer; 55 s idle for websockets (set by the balancer). */
export const READ_TIMEOUT_S = 30;
export const CONNECT_TIMEOUT_S = CONNECT_S;
/** A request is passed to another container only within this time of its first try (so never after a read timeout). */
export const RETRY_WINDOW_S = 10;
/**
 * An X-Request-Id sent by the client is kept when it matches this (Heroku keeps 20..200 such characters); else nginx's
 * $request_id.
 */
export const SANE_REQUEST_ID = '^[A-Za-z0-9._:+/=@-]{1,200}$';

const SAFE_PATH = /^\/[A-Za-z0-9._/+@-]*$/;
const SAFE_GLOB = /^\/[A-Za-z0-9._/+@*-]*$/;

function isPort(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= 65535;
}

/** "0.0.0.0", "127.0.0.1", "::" or "*": an address for `listen`, bracketed when IPv6. */
export function listenAddress(listen: string): string {
  if (listen === '*') return '*';
  const kind = isIP(listen);
  if (kind === 4) return listen;
  if (kind === 6) return `[${listen}]`;
  throw new Error(`listen address must be an IP address or "*": ${JSON.stringify(listen)}`);
}

function checkModel(m: NginxModel): void {
  if (!isDomain(m.domain)) throw new Error(`domain is not a valid lowercase host name: ${JSON.stringify(m.domain)}`);
  if (!isPort(m.httpPort)) throw new Error(`httpPort must be 1..65535: ${m.httpPort}`);
  if (!isPort(m.controlPort)) throw new Error(`controlPort must be 1..65535: ${m.controlPort}`);
  if (!SAFE_PATH.test(m.dir) || m.dir.split('/').includes('..'))
    throw new Error(`dir must be a plain absolute path: ${JSON.stringify(m.dir)}`);
  if (!SAFE_GLOB.test(m.modulesInclude))
    throw new Error(`modulesInclude must be a plain absolute path: ${JSON.stringify(m.modulesInclude)}`);
  if (!(Number.isInteger(m.maxBodyMb) && m.maxBodyMb >= 1 && m.maxBodyMb <= 102_400))
    throw new Error(`maxBodyMb must be 1..102400: ${m.maxBodyMb}`);
  if (
    m.workers !== undefined &&
    m.workers !== 'auto' &&
    !(Number.isInteger(m.workers) && m.workers >= 1 && m.workers <= 64)
  )
    throw new Error(`workers must be 1..64 or auto: ${m.workers}`);
}

function pageReturn(name: PageName): string {
  const page = PAGES[name];
  return `return ${page.status} "${pageHtml(page)}\\n";`;
}

/** The pages nginx answers itself in an app's server (an app's own 502 or 503 passes through untouched). */
function errorPages(names: readonly PageName[]): string {
  return names
    .map((name) => {
      const status = PAGES[name].status;
      return `        error_page ${status} @paas_${status};
        location @paas_${status} {
            default_type text/html;
            ${pageReturn(name)}
        }
`;
    })
    .join('');
}

function appServer(site: Site, m: NginxModel, listen: string): string {
  const names = [`${site.app}.${m.domain}`, ...(site.domains ?? [])].join(' ');
  const location = site.maintenance
    ? `        location / {
            default_type text/html;
            ${pageReturn('maintenance')}
        }`
    : `        location / {
            access_by_lua_block { require("paas_router").access() }
            proxy_pass http://paas_apps;
        }`;
  const pages = errorPages(site.maintenance ? ['tooLarge'] : ['noWeb', 'badGateway', 'timeout', 'tooLarge']);
  return `
    # app: ${site.app}
    server {
        listen ${listen}:${m.httpPort};
        server_name ${names};
        set $paas_app ${site.app};
${pages}${location}
    }
`;
}

/** The whole nginx.conf for the model. Throws on invalid operator settings; drops invalid app names. */
export function renderNginx(m: NginxModel): Rendered {
  checkModel(m);
  const { sites, rejected } = partitionSites(m.apps, m.domain);
  const apps = sites.map((s) => s.app);
  const listen = listenAddress(m.listen);
  const d = m.dir.replace(/\/+$/, '');
  const modules = m.modulesInclude;
  const maxBody = m.maxBodyMb;
  const config = `# Written by the paas router; do not edit (it is rewritten on every change of apps, domains or maintenance).
include ${modules};

daemon on;
master_process on;
worker_processes ${m.workers ?? 'auto'};
worker_shutdown_timeout 60s;
pid ${d}/nginx.pid;
error_log ${d}/logs/error.log warn;

events {
    worker_connections 4096;
}

http {
    default_type text/plain;
    # One JSON object per request (see access.ts, docs/architecture.md).
    log_format paas_json escape=json '{"at":"$msec","app":"$paas_app","host":"$host","method":"$request_method",'
        '"path":"$request_uri","protocol":"$server_protocol","status":"$status","bytes":"$body_bytes_sent",'
        '"request_time":"$request_time","upstream":"$upstream_addr","upstream_status":"$upstream_status",'
        '"upstream_time":"$upstream_response_time","upstream_connect_time":"$upstream_connect_time",'
        '"request_id":"$paas_request_id","client":"$remote_addr"}';
    access_log ${d}/logs/access.log paas_json buffer=64k flush=1s;
    server_tokens off;
    sendfile on;
    keepalive_timeout 75s;
    server_names_hash_bucket_size 512;
    server_names_hash_max_size 65536;

    client_body_temp_path ${d}/tmp/client_body;
    proxy_temp_path ${d}/tmp/proxy;
    fastcgi_temp_path ${d}/tmp/fastcgi;
    uwsgi_temp_path ${d}/tmp/uwsgi;
    scgi_temp_path ${d}/tmp/scgi;

    client_max_body_size ${maxBody}m;
    proxy_http_version 1.1;
    proxy_connect_timeout ${CONNECT_TIMEOUT_S}s;
    proxy_send_timeout ${READ_TIMEOUT_S}s;
    proxy_read_timeout ${READ_TIMEOUT_S}s;
    # Another container only when it is safe: nginx never passes on a POST,
    # PATCH or LOCK once sent, nor anything once the client got a byte; the
    # window keeps a read timeout (${READ_TIMEOUT_S}s) from being retried.
    proxy_next_upstream error timeout;
    proxy_next_upstream_timeout ${RETRY_WINDOW_S}s;
    proxy_redirect off;

    # Keep-alive to the apps, except for a websocket upgrade.
    map $http_upgrade $connection_upgrade {
        default upgrade;
        '' '';
    }
    map $http_x_request_id $paas_request_id {
        "~${SANE_REQUEST_ID}" $http_x_request_id;
        default $request_id;
    }

    proxy_set_header Host $http_host;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;
    proxy_set_header X-Forwarded-Port $server_port;
    proxy_set_header X-Request-Id $paas_request_id;
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Connection $connection_upgrade;
    proxy_hide_header X-Request-Id;
    add_header X-Request-Id $paas_request_id always;

    lua_shared_dict ${SHARED_DICT} 8m;
    init_by_lua_block {
${ROUTER_LUA}
    }

    upstream paas_apps {
        server 0.0.0.1:1; # placeholder; the balancer picks every peer
        balancer_by_lua_block { require("paas_router").balance() }
        keepalive 64;
        keepalive_timeout 4s; # below Node's 5 s, so nginx does not reuse a connection the app is closing
        keepalive_requests 10000;
    }

    server {
        listen ${listen}:${m.httpPort} default_server;
        server_name _;
        set $paas_app "";
        location / {
            default_type text/html;
            ${pageReturn('noSuchApp')}
        }
    }
${sites.map((site) => appServer(site, m, listen)).join('')}
    server {
        listen 127.0.0.1:${m.controlPort};
        server_name _;
        allow 127.0.0.1;
        deny all;
        client_max_body_size 1m;
        client_body_buffer_size 1m;
        access_log off;
        location = /healthz {
            return 200 "ok\\n";
        }
        location = /upstreams {
            content_by_lua_block { require("paas_router").control() }
        }
        location /upstreams/ {
            content_by_lua_block { require("paas_router").control() }
        }
    }
}
`;
  return { config, apps, rejected };
}

/** The app whose server block holds line `line` (1-based) of a rendered config, if any. */
export function appAtLine(config: string, line: number): string | undefined {
  const lines = config.split('\n');
  for (let i = Math.min(line, lines.length) - 1; i >= 0; i--) {
    const l = lines[i] as string;
    const m = /^ {4}# app: (\S+)$/.exec(l);
    if (m) return m[1];
    if (i < line - 1 && l === '    }') return undefined;
  }
  return undefined;
}
