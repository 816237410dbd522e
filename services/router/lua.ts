// The Lua half of the router, loaded by nginx's init_by_lua_block. Static
// text: nothing from a user is pasted into it (the operator's settings are
// passed by render.ts through M.configure). Everything per app lives in
// shared dicts set through the local-only control endpoint, so no change of
// apps needs a reload: the apps served (`paas_sites`: maintenance or not,
// custom domains, and `paas_domains` from each custom domain to its app),
// their peers (`paas_upstreams`, "host:port" lines) and the state of an app
// with none (`paas_states`: sleeping, waking, crashed), and for HTTPS the
// apps' certificates by name and the open ACME challenges (luatls.ts).
//
//   app_of()   the app a host names (<app>.<domain> or a custom domain)
//   access()   in the one server: no app is 404 "No such app"; an app in
//              maintenance gets its 503 page; else its request goes on to
//              the balancer when it has peers, is held while it sleeps or
//              wakes (luahold.ts), or gets 503 (the "no web process" page)
//   header(), log()  count the app's open websockets (luahold.ts); log() also
//              counts each request of an app into its metrics (luametrics.ts)
//   init_worker()  each worker's flush of its request metrics (luametrics.ts)
//   balance()  in the shared upstream's balancer_by_lua_block: round robin,
//              passing over for FAILED_PEER_S a peer that failed a try;
//              up to MAX_TRIES peers per request, nginx deciding whether a
//              failed try may go on (proxy_next_upstream: never a POST/PATCH/
//              LOCK once sent); a websocket upgrade gets the idle timeout
//              WEBSOCKET_IDLE_S instead of the 30 s first-byte timeout
//   certificate(), acme_challenge()  HTTPS by SNI and ACME's HTTP-01 (luatls.ts)
//   control()  the control endpoint (luacontrol.ts)

import { CONTROL_LUA } from './luacontrol.js';
import { DEFAULT_WAKE_MAX_HELD, DEFAULT_WAKE_TIMEOUT_S, HOLD_LUA } from './luahold.js';
import { METRICS_LUA } from './luametrics.js';
import { TLS_LUA } from './luatls.js';

export const SHARED_DICT = 'paas_upstreams';
/** app -> "serve" or "maintenance", then its custom domains: the apps nginx serves. */
export const SITE_DICT = 'paas_sites';
/** custom domain -> app. */
export const DOMAIN_DICT = 'paas_domains';
/** The named locations of the pages nginx answers without an app (render.ts). */
export const NO_SUCH_APP_LOCATION = '@paas_no_such_app';
export const MAINTENANCE_LOCATION = '@paas_maintenance';
/** Heroku's idle timeout of a websocket: closed after this long without a byte from the app. */
export const WEBSOCKET_IDLE_S = 55;
/** proxy_connect_timeout, also for websockets. */
export const CONNECT_S = 5;
/** At most this many containers are tried for one request. */
export const MAX_TRIES = 3;
/**
 * A container that failed a try (no connection within CONNECT_S, refused, reset: what proxy_next_upstream retries)
 * is passed over by that nginx worker for this long, unless every container of the app is: nginx's own
 * max_fails=1 fail_timeout=10s. A host cut off from the router keeps its dynos in the route until its lease ends, or
 * for good when only the data path is cut; without this every request sent to it would wait CONNECT_S first.
 */
export const FAILED_PEER_S = 10;

export const ROUTER_LUA = String.raw`
local M = {}
local dict = ngx.shared.${SHARED_DICT}
local sites = ngx.shared.${SITE_DICT}
local domains = ngx.shared.${DOMAIN_DICT}
-- the operator's settings (render.ts calls configure): the apps' domain, the wake's socket and bounds, request metrics
local conf = {
  suffix = ".localhost", wake_socket = nil, wake_timeout = ${DEFAULT_WAKE_TIMEOUT_S}, max_held = ${DEFAULT_WAKE_MAX_HELD},
  request_metrics = true,
}

function M.configure(c)
  for k, v in pairs(c) do conf[k] = v end
  if c.domain ~= nil then conf.suffix = "." .. c.domain end
end
local rr = {}     -- app -> round-robin counter (per worker)
local cache = {}  -- app -> { raw = <dict value>, peers = { {host, port}, ... } }

local function valid_app(s)
  return #s >= 2 and #s <= 30 and s:find("^[a-z][a-z0-9%-]*$") ~= nil
    and s:sub(-1) ~= "-" and s:find("--", 1, true) == nil
end

local function valid_port(p)
  if #p > 5 then return nil end
  local n = tonumber(p)
  if n == nil or n < 1 or n > 65535 then return nil end
  return n
end

-- "a.b.c.d:port" or "[v6]:port" -> { host = ..., port = n } or nil
local function parse_peer(s)
  if #s > 64 then return nil end
  local a, b, c, d, port = s:match("^(%d+)%.(%d+)%.(%d+)%.(%d+):(%d+)$")
  if a then
    for _, o in ipairs({ a, b, c, d }) do
      if #o > 3 or tonumber(o) > 255 then return nil end
    end
    local n = valid_port(port)
    if not n then return nil end
    return { host = a .. "." .. b .. "." .. c .. "." .. d, port = n }
  end
  local v6, port6 = s:match("^%[([%x:%.]+)%]:(%d+)$")
  if v6 then
    local n = valid_port(port6)
    if not n then return nil end
    return { host = v6, port = n }
  end
  return nil
end

local function peers_of(app)
  if app == nil or app == "" then return nil end
  local raw = dict:get(app)
  if raw == nil or raw == "" then return nil end
  local c = cache[app]
  if c and c.raw == raw then return c.peers end
  local peers = {}
  for line in raw:gmatch("[^\n]+") do
    local p = parse_peer(line)
    if p then peers[#peers + 1] = p end
  end
  cache[app] = { raw = raw, peers = peers }
  return peers
end

local function reply(status, text)
  ngx.status = status
  ngx.header["Content-Type"] = "text/plain; charset=utf-8"
  ngx.header["Cache-Control"] = "no-store"
  if text ~= "" then ngx.say(text) end
  return ngx.exit(status)
end

${HOLD_LUA}
${METRICS_LUA}
-- The log phase of every request of the apps' server, its own pages too (a
-- server-level log_by_lua): a websocket's end; the request of an app into its
-- metrics (the platform's ACME answers are not the app's traffic).
function M.log()
  local ctx = ngx.ctx
  ws_closed(ctx)
  local app = ngx.var.paas_app
  if conf.request_metrics and app ~= nil and app ~= "" and not ctx.paas_uncounted then count(app) end
end

-- The app a host names (set_by_lua of $paas_app, before any phase can
-- answer, so the access log names it): <app>.<domain> (never a custom
-- domain: those are not under the domain), else a custom domain; "" if none.
function M.app_of(host)
  if host == nil then return "" end
  local suffix = conf.suffix
  local n = #host - #suffix
  local app
  if n > 0 and host:sub(n + 1) == suffix then
    app = host:sub(1, n)
  else
    app = domains:get(host)
    if app == nil then return "" end
  end
  if sites:get(app) == nil then return "" end
  return app
end

function M.access()
  local app = ngx.var.paas_app
  local site = app ~= "" and sites:get(app) or nil
  if site == nil then return ngx.exec("${NO_SUCH_APP_LOCATION}") end
  if conf.https_port and ngx.var.scheme == "http" then
    local flag = site:match("^%S+")
    if flag:sub(-6) == "-https" then -- redirect-https (ACME challenges have a location of their own)
      local port = conf.https_port == 443 and "" or (":" .. conf.https_port)
      return ngx.redirect("https://" .. ngx.var.host .. port .. ngx.var.request_uri, 308)
    end
  end
  if site:byte(1) == 109 then return ngx.exec("${MAINTENANCE_LOCATION}") end -- "maintenance"
  return serve(app)
end

-- "host:port" -> until when this worker passes it over (FAILED_PEER_S)
local failed_peers = {}

function M.balance()
  local balancer = require "ngx.balancer"
  local ctx = ngx.ctx
  local peers = ctx.paas_peers
  if peers == nil then
    peers = peers_of(ngx.var.paas_app)
    if peers == nil or #peers == 0 then return ngx.exit(503) end
    ctx.paas_peers = peers
  end
  local n = #peers
  local i = ctx.paas_i
  if i == nil then
    local app = ngx.var.paas_app
    i = (rr[app] or 0) + 1
    rr[app] = i
    if n > 1 then balancer.set_more_tries(math.min(n, ${MAX_TRIES}) - 1) end
  else
    -- a retry after a failed try: that peer is passed over for a while (a bad status is "next", not "failed")
    if balancer.get_last_failure() == "failed" then
      local prev = peers[(i - 1) % n + 1]
      failed_peers[prev.host .. ":" .. prev.port] = ngx.now() + ${FAILED_PEER_S}
    end
    i = i + 1 -- the next peer
  end
  local now = ngx.now()
  for _ = 1, n - 1 do -- past the peers that failed lately, unless every one did
    local p = peers[(i - 1) % n + 1]
    local key = p.host .. ":" .. p.port
    local until_ = failed_peers[key]
    if until_ == nil then break end
    if until_ <= now then
      failed_peers[key] = nil
      break
    end
    i = i + 1
  end
  ctx.paas_i = i
  if ngx.var.http_upgrade ~= nil then
    balancer.set_timeouts(${CONNECT_S}, ${WEBSOCKET_IDLE_S}, ${WEBSOCKET_IDLE_S})
  end
  local p = peers[(i - 1) % n + 1]
  local ok, err = balancer.set_current_peer(p.host, p.port)
  if not ok then
    ngx.log(ngx.ERR, "paas: cannot use peer ", p.host, ":", p.port, ": ", err)
    return ngx.exit(500)
  end
end

${TLS_LUA}
${CONTROL_LUA}
package.loaded.paas_router = M
`;
