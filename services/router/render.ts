import { isIP } from 'node:net';
import { isCustomHostname } from '../core/hostnames.js';
import { isAppName } from '../core/names.js';
import { ROUTER_LUA, SHARED_DICT } from './lua.js';

// renderNginx: a pure function from the routing model to the whole nginx.conf.
// Only validated app names and operator settings (checked below) reach the
// text; upstream addresses never do (they go through the control endpoint).

/** An app's server: its custom domains (besides <app>.<domain>) and whether it is in maintenance. */
export interface Site {
  app: string;
  domains?: readonly string[];
  maintenance?: boolean;
}

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
  /** Loads ndk + lua; the distribution's module snippets by default. */
  modulesInclude?: string;
}

export interface Rejected {
  app: string;
  /** Set when only this custom domain of the app was dropped. */
  domain?: string;
  reason: string;
}

export interface Rendered {
  config: string;
  /** The apps that got a server, sorted and deduplicated. */
  apps: string[];
  rejected: Rejected[];
}

export const DEFAULT_MODULES_INCLUDE = '/etc/nginx/modules-enabled/*.conf';
export const NO_SUCH_APP = 'No such app';
/** The body of a 503 for an app in maintenance (no quotes, backslashes or $: it sits in a quoted nginx string). */
export const MAINTENANCE_PAGE =
  '<!DOCTYPE html><html><head><meta charset=utf-8><title>Offline for maintenance</title></head>' +
  '<body><h1>Offline for maintenance</h1><p>This app is undergoing maintenance right now. Please check back soon.</p></body></html>';

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const SAFE_PATH = /^\/[A-Za-z0-9._/+@-]*$/;
const SAFE_GLOB = /^\/[A-Za-z0-9._/+@*-]*$/;
const MAX_APP_NAME = 30;

/** A lowercase DNS name (letters, digits, dashes; dot-separated labels) that leaves room for "<app>.". */
export function isDomain(domain: string): boolean {
  if (domain.length === 0 || domain.length > 253 - MAX_APP_NAME - 1) return false;
  return domain.split('.').every((label) => LABEL.test(label));
}

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
  if (!SAFE_PATH.test(m.dir) || m.dir.split('/').includes('..')) throw new Error(`dir must be a plain absolute path: ${JSON.stringify(m.dir)}`);
  if (m.modulesInclude !== undefined && !SAFE_GLOB.test(m.modulesInclude)) throw new Error(`modulesInclude must be a plain absolute path: ${JSON.stringify(m.modulesInclude)}`);
}

/** Valid, sorted, unique app names, and the reason each other one was dropped. */
export function partitionApps(apps: readonly string[]): { apps: string[]; rejected: Rejected[] } {
  const ok = new Set<string>();
  const rejected: Rejected[] = [];
  for (const app of apps) {
    if (typeof app !== 'string' || !isAppName(app)) {
      rejected.push({ app: String(app), reason: 'not a valid app name' });
    } else ok.add(app);
  }
  return { apps: [...ok].sort(), rejected };
}

/**
 * Valid sites, sorted by app, each app once with its valid custom domains
 * sorted; a domain is dropped (and reported) when invalid, when it is
 * another app's default name, or when an app earlier in name order has it.
 */
export function partitionSites(entries: readonly (string | Site)[], domain: string): { sites: Site[]; rejected: Rejected[] } {
  const asSite = (e: string | Site): Site => (typeof e === 'object' && e !== null ? e : { app: e });
  const byApp = new Map<string, Site>();
  const rejected: Rejected[] = [];
  for (const e of entries) {
    const site = asSite(e);
    if (typeof site.app !== 'string' || !isAppName(site.app)) {
      rejected.push({ app: String(site.app), reason: 'not a valid app name' });
      continue;
    }
    const prev = byApp.get(site.app);
    const domains = [...(prev?.domains ?? []), ...(Array.isArray(site.domains) ? site.domains : [])];
    byApp.set(site.app, { app: site.app, domains, maintenance: prev?.maintenance === true || site.maintenance === true });
  }
  const apps = [...byApp.keys()].sort();
  const defaults = new Set(apps.map((a) => `${a}.${domain}`));
  const taken = new Map<string, string>();
  const sites = apps.map((app): Site => {
    const site = byApp.get(app) as Site;
    const ok = new Set<string>();
    for (const d of site.domains ?? []) {
      const shown = String(d).slice(0, 300);
      if (!isCustomHostname(d, domain)) rejected.push({ app, domain: shown, reason: 'not a valid custom domain' });
      else if (defaults.has(d)) rejected.push({ app, domain: d, reason: 'is the default name of an app' });
      else if (taken.has(d) && taken.get(d) !== app) rejected.push({ app, domain: d, reason: `also claimed by ${taken.get(d)}` });
      else {
        taken.set(d, app);
        ok.add(d);
      }
    }
    return { app, domains: [...ok].sort(), maintenance: site.maintenance === true };
  });
  return { sites, rejected };
}

function appServer(site: Site, m: NginxModel, listen: string): string {
  const names = [`${site.app}.${m.domain}`, ...(site.domains ?? [])].join(' ');
  const location = site.maintenance
    ? `        location / {
            default_type text/html;
            return 503 "${MAINTENANCE_PAGE}\\n";
        }`
    : `        location / {
            access_by_lua_block { require("paas_router").access() }
            proxy_pass http://paas_apps;
        }`;
  return `
    # app: ${site.app}
    server {
        listen ${listen}:${m.httpPort};
        server_name ${names};
        set $paas_app ${site.app};
${location}
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
  const modules = m.modulesInclude ?? DEFAULT_MODULES_INCLUDE;
  const config = `# Written by the paas router; do not edit (it is rewritten on every change of apps, domains or maintenance).
include ${modules};

daemon on;
master_process on;
worker_processes auto;
worker_shutdown_timeout 60s;
pid ${d}/nginx.pid;
error_log ${d}/logs/error.log warn;

events {
    worker_connections 4096;
}

http {
    default_type text/plain;
    log_format paas '$remote_addr [$time_local] "$host" "$request" $status $body_bytes_sent '
                    '$request_time "$upstream_addr" $upstream_status "$paas_request_id"';
    access_log ${d}/logs/access.log paas;
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

    client_max_body_size 50m;
    proxy_http_version 1.1;
    proxy_connect_timeout 5s;
    proxy_send_timeout 30s;
    proxy_read_timeout 30s;
    proxy_next_upstream error timeout;
    proxy_redirect off;

    map $http_upgrade $connection_upgrade {
        default upgrade;
        '' '';
    }
    map $http_x_request_id $paas_request_id {
        default $http_x_request_id;
        '' $request_id;
    }

    proxy_set_header Host $host;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;
    proxy_set_header X-Forwarded-Port $server_port;
    proxy_set_header X-Request-Id $paas_request_id;
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Connection $connection_upgrade;

    lua_shared_dict ${SHARED_DICT} 8m;
    init_by_lua_block {
${ROUTER_LUA}
    }

    upstream paas_apps {
        server 0.0.0.1:1; # placeholder; the balancer picks every peer
        balancer_by_lua_block { require("paas_router").balance() }
        keepalive 64;
    }

    server {
        listen ${listen}:${m.httpPort} default_server;
        server_name _;
        location / {
            return 404 "${NO_SUCH_APP}\\n";
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
