import {
  CONNECT_S,
  DOMAIN_DICT,
  MAINTENANCE_LOCATION,
  NO_SUCH_APP_LOCATION,
  ROUTER_LUA,
  SHARED_DICT,
  SITE_DICT,
} from './lua.js';
import { HOLD_DICT, LIVE_DICT, RETRY_AFTER_S, STARTING_LOCATION, STATE_DICT } from './luahold.js';
import { DEFAULT_METRICS_DICT_MB, METRICS_DICT, METRICS_INDEX_DICT, metricsIndexMb } from './luametrics.js';
import { ACME_CHALLENGE_PATH, CERT_DICT, CHALLENGE_DICT, LEAF_DICT, SNI_DICT } from './luatls.js';
import {
  checkModel,
  DEFAULT_CERT_DICT_MB,
  listenAddress,
  wakeOf,
  wakeSocketPath,
  type HttpsSettings,
  type NginxModel,
} from './nginxmodel.js';
import { PAGES, pageHtml, REQUEST_ID_VAR, type PageName } from './pages.js';
import { partitionSites, type Rejected, type Site } from './sites.js';
import { renderStream } from './stream.js';

export {
  CERT_DICT_MB_LIMIT,
  DEFAULT_CERT_DICT_MB,
  isPlainPath,
  listenAddress,
  MAX_SOCKET_PATH,
  wakeSocketPath,
  type HttpsSettings,
  type NginxModel,
  type WakeSettings,
} from './nginxmodel.js';

// renderNginx: a pure function from the operator's settings to the whole
// nginx.conf, and from the routes' apps to the sites the router pushes. No
// app reaches the text: one server answers every host, the Lua module
// resolving it through shared dicts (lua.ts) that the router sets through the
// control endpoint, so a new app, custom domain or maintenance flag reloads
// nothing and the config does not grow with the apps (10,000 apps: see
// bench/reload.ts). The model and its checks: nginxmodel.ts.

export interface Rendered {
  config: string;
  /** The apps to serve, sorted and deduplicated. */
  apps: string[];
  /** Those apps with their valid custom domains (sorted) and maintenance flags. */
  sites: Site[];
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
/** TLS 1.2's ciphers (TLS 1.3 has its own): Mozilla's intermediate list without DHE, which needs dhparams. */
export const TLS_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');
/** nginx's connections per worker. */
export const WORKER_CONNECTIONS = 16384;
/**
 * An X-Request-Id sent by the client is kept when it matches this (Heroku keeps 20..200 such characters); else nginx's
 * $request_id.
 */
export const SANE_REQUEST_ID = '^[A-Za-z0-9._:+/=@-]{1,200}$';

function pageReturn(name: PageName): string {
  const page = PAGES[name];
  return `return ${page.status} "${pageHtml(page)}\\n";`;
}

/** The pages nginx answers itself for an app's request (an app's own 502 or 503 passes through untouched). */
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

/**
 * HTTPS on the apps' server: the same locations for both schemes (one text, so they cannot drift apart), HTTP/2
 * through ALPN, and each handshake's certificate picked by SNI in Lua from shared dicts (luatls.ts), so a new,
 * renewed or removed certificate reloads nothing; the files are the fallback, for a name with no certificate.
 */
function httpsLines(https: HttpsSettings, listen: string): string {
  const fallback =
    https.fingerprint === undefined
      ? ''
      : `        # The fallback's SHA-256 ${https.fingerprint} (nginx reads the files at a reload).\n`;
  return `        listen ${listen}:${https.port} ssl http2 default_server;
${fallback}        ssl_certificate ${https.certificate};
        ssl_certificate_key ${https.key};
        ssl_certificate_by_lua_block { require("paas_router").certificate() }
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_ciphers ${TLS_CIPHERS};
        ssl_prefer_server_ciphers off;
        # Resumption from one cache across workers; no tickets: nginx changes their keys only at a reload, rare here.
        ssl_session_cache shared:paas_tls:10m;
        ssl_session_timeout 1d;
        ssl_session_tickets off;
`;
}

/** The one server of every app: $paas_app resolved from the host before any phase answers. */
function appsServer(m: NginxModel, listen: string): string {
  return `
    server {
        listen ${listen}:${m.httpPort} default_server;
${m.https ? httpsLines(m.https, listen) : ''}        server_name _;
        set_by_lua_block $paas_app { return require("paas_router").app_of(ngx.var.host) }
        # Every request's end, the pages nginx answers itself too: websockets, request metrics (lua.ts M.log).
        log_by_lua_block { require("paas_router").log() }
${errorPages(['noWeb', 'badGateway', 'timeout', 'tooLarge'])}        # ACME's HTTP-01 before any app: a sleeping app is not woken for it,
        # one in maintenance still gets its certificate.
        location ^~ ${ACME_CHALLENGE_PATH} {
            content_by_lua_block { require("paas_router").acme_challenge() }
        }
        location / {
            access_by_lua_block { require("paas_router").access() }
            header_filter_by_lua_block { require("paas_router").header() }
            proxy_pass http://paas_apps;
        }
        location ${NO_SUCH_APP_LOCATION} {
            default_type text/html;
            ${pageReturn('noSuchApp')}
        }
        location ${MAINTENANCE_LOCATION} {
            default_type text/html;
            ${pageReturn('maintenance')}
        }
        location ${STARTING_LOCATION} {
            default_type text/html;
            add_header X-Request-Id ${REQUEST_ID_VAR} always;
            add_header Retry-After ${RETRY_AFTER_S} always;
            ${pageReturn('starting')}
        }
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
  const wake = wakeOf(m);
  const metricsMb = m.metricsDictMb ?? DEFAULT_METRICS_DICT_MB;
  // A reload lets the old workers finish their requests: held ones too.
  const shutdownS = Math.max(60, Math.ceil(wake.timeoutS) + 30);
  const config = `# Written by the paas router; do not edit (it is rewritten when the router's settings change; apps live in shared dicts).
include ${modules};

daemon on;
master_process on;
worker_processes ${m.workers ?? 'auto'};
worker_shutdown_timeout ${shutdownS}s;
pid ${d}/nginx.pid;
error_log ${d}/logs/error.log warn;

events {
    # Room for the held requests (a connection each while waiting, two once proxied) beside the rest.
    worker_connections ${WORKER_CONNECTIONS};
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
    # The wake hop logs its own failures (luahold.ts), once per retry, not twice.
    lua_socket_log_errors off;
    sendfile on;
    keepalive_timeout 75s;

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
    lua_shared_dict ${SITE_DICT} 8m;
    lua_shared_dict ${DOMAIN_DICT} 8m;
    lua_shared_dict ${STATE_DICT} 4m;
    lua_shared_dict ${LIVE_DICT} 16m;
    lua_shared_dict ${HOLD_DICT} 1m;
    # HTTPS (luatls.ts), declared with HTTPS off too: the router keeps them
    # filled, so turning HTTPS on serves every certificate at once.
    lua_shared_dict ${CERT_DICT} ${m.certDictMb ?? DEFAULT_CERT_DICT_MB}m;
    lua_shared_dict ${SNI_DICT} 16m;
    lua_shared_dict ${CHALLENGE_DICT} 4m;
    lua_shared_dict ${LEAF_DICT} 16m;
    # Request metrics (luametrics.ts): the counters, and the apps that have some.
    lua_shared_dict ${METRICS_DICT} ${metricsMb}m;
    lua_shared_dict ${METRICS_INDEX_DICT} ${metricsIndexMb(metricsMb)}m;
    init_by_lua_block {
${ROUTER_LUA}
        require("paas_router").configure({ domain = "${m.domain}", wake_socket = "${wakeSocketPath(d)}", wake_timeout = ${wake.timeoutS}, max_held = ${wake.maxHeld}, request_metrics = ${m.requestMetrics !== false}${m.https ? `, https_port = ${m.https.port}` : ''}${m.https?.leaves ? ', leaves = true' : ''} })${
          m.https?.leaves
            ? `
        require("paas_router").leaves_ca("${m.https.leaves}")`
            : ''
        }
    }

    init_worker_by_lua_block { require("paas_router").init_worker() }

    upstream paas_apps {
        server 0.0.0.1:1; # placeholder; the balancer picks every peer
        balancer_by_lua_block { require("paas_router").balance() }
        keepalive 64;
        keepalive_timeout 4s; # below Node's 5 s, so nginx does not reuse a connection the app is closing
        keepalive_requests 10000;
    }

${appsServer(m, listen)}
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
        location / {
            content_by_lua_block { require("paas_router").control() }
        }
    }
}
${renderStream(m.ssh, d)}`;
  return { config, apps, sites, rejected };
}
