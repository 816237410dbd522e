// The Lua half of the router, loaded by nginx's init_by_lua_block. Static
// text: nothing from a user is pasted into it (the operator's settings are
// passed by render.ts through M.configure). Everything per app lives in
// shared dicts set through the local-only control endpoint, so no change of
// apps needs a reload: the apps served (`paas_sites`: maintenance or not,
// custom domains, and `paas_domains` from each custom domain to its app),
// their peers (`paas_upstreams`, "host:port" lines) and the state of an app
// with none (`paas_states`: sleeping, waking, crashed).
//
//   app_of()   the app a host names (<app>.<domain> or a custom domain)
//   access()   in the one server: no app is 404 "No such app"; an app in
//              maintenance gets its 503 page; else its request goes on to
//              the balancer when it has peers, is held while it sleeps or
//              wakes (luahold.ts), or gets 503 (the "no web process" page)
//   header(), log()  count the app's open websockets (luahold.ts)
//   balance()  in the shared upstream's balancer_by_lua_block: round robin;
//              up to MAX_TRIES peers per request, nginx deciding whether a
//              failed try may go on (proxy_next_upstream: never a POST/PATCH/
//              LOCK once sent); a websocket upgrade gets the idle timeout
//              WEBSOCKET_IDLE_S instead of the 30 s first-byte timeout
//   control()  the control endpoint: GET /upstreams, GET|PUT|DELETE /upstreams/<app>,
//              GET /sites, GET|PUT|DELETE /sites/<app>, GET /states,
//              GET|PUT|DELETE /states/<app>, GET /activity

import { DEFAULT_WAKE_MAX_HELD, DEFAULT_WAKE_TIMEOUT_S, HOLD_LUA } from './luahold.js';

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

export const ROUTER_LUA = String.raw`
local M = {}
local dict = ngx.shared.${SHARED_DICT}
local sites = ngx.shared.${SITE_DICT}
local domains = ngx.shared.${DOMAIN_DICT}
-- the operator's settings (render.ts calls configure): the apps' domain, the wake's socket and bounds
local conf = { suffix = ".localhost", wake_socket = nil, wake_timeout = ${DEFAULT_WAKE_TIMEOUT_S}, max_held = ${DEFAULT_WAKE_MAX_HELD} }

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
  if site:byte(1) == 109 then return ngx.exec("${MAINTENANCE_LOCATION}") end -- "maintenance"
  return serve(app)
end

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
    i = i + 1 -- a retry after a failed attempt: the next peer
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

local function read_body()
  ngx.req.read_body()
  local body = ngx.req.get_body_data()
  if body == nil then
    if ngx.req.get_body_file() ~= nil then return nil end
    body = ""
  end
  return body
end

local function control_upstreams(method, app)
  if method == "GET" then
    local v = dict:get(app)
    if v == nil then return reply(404, "no upstreams set for this app") end
    return reply(200, v)
  elseif method == "DELETE" then
    dict:delete(app)
    cache[app] = nil
    live:delete("t:" .. app)
    return reply(200, "deleted")
  elseif method == "PUT" then
    local body = read_body()
    if body == nil then return reply(413, "body too large") end
    local peers = {}
    for line in body:gmatch("[^\r\n]+") do
      local l = line:match("^%s*(.-)%s*$")
      if l ~= "" then
        if parse_peer(l) == nil then return reply(400, "invalid upstream on line " .. (#peers + 1)) end
        peers[#peers + 1] = l
      end
    end
    local ok, err = dict:safe_set(app, table.concat(peers, "\n"))
    if not ok then return reply(500, "cannot store upstreams: " .. tostring(err)) end
    return reply(200, #peers .. " upstreams")
  end
  return reply(405, "method not allowed")
end

local function control_state(method, app)
  if method == "GET" then
    local v = states:get(app)
    if v == nil then return reply(404, "no state set for this app") end
    return reply(200, v)
  elseif method == "DELETE" then
    states:delete(app)
    return reply(200, "deleted")
  elseif method == "PUT" then
    local body = read_body()
    if body == nil then return reply(413, "body too large") end
    local state = body:match("^%s*(%a+)%s*$")
    if state == nil or not STATES[state] then return reply(400, "state must be sleeping, waking or crashed") end
    -- falling asleep again: the next request asks for a new wake at once
    if state == "sleeping" and states:get(app) ~= "sleeping" then holds:delete("wake:" .. app) end
    local ok, err = states:safe_set(app, state)
    if not ok then return reply(500, "cannot store the state: " .. tostring(err)) end
    return reply(200, state)
  end
  return reply(405, "method not allowed")
end

local function valid_hostname(h)
  return #h <= 253 and h:find("^[a-z0-9][a-z0-9%.%-]*[a-z0-9]$") ~= nil and h:find("..", 1, true) == nil
    and h:sub(-#conf.suffix) ~= conf.suffix
end

-- the custom domains of a sites value ("serve www.a.example a.example")
local function domains_of(v)
  local out = {}
  if v == nil then return out end
  for d in v:gmatch("%S+") do out[#out + 1] = d end
  table.remove(out, 1)
  return out
end

local function control_site(method, app)
  if method == "GET" then
    local v = sites:get(app)
    if v == nil then return reply(404, "no site set for this app") end
    return reply(200, v)
  elseif method == "DELETE" then
    local old = sites:get(app)
    sites:delete(app)
    for _, d in ipairs(domains_of(old)) do
      if domains:get(d) == app then domains:delete(d) end
    end
    return reply(200, "deleted")
  elseif method == "PUT" then
    local body = read_body()
    if body == nil then return reply(413, "body too large") end
    local flag
    local list, keep = {}, {}
    for line in body:gmatch("[^\r\n]+") do
      local l = line:match("^%s*(.-)%s*$")
      if l ~= "" then
        if flag == nil then
          if l ~= "serve" and l ~= "maintenance" then return reply(400, "first line must be serve or maintenance") end
          flag = l
        else
          if not valid_hostname(l) then return reply(400, "invalid domain on line " .. (#list + 2)) end
          if not keep[l] then list[#list + 1] = l end
          keep[l] = true
        end
      end
    end
    if flag == nil then return reply(400, "first line must be serve or maintenance") end
    for _, d in ipairs(domains_of(sites:get(app))) do
      if not keep[d] and domains:get(d) == app then domains:delete(d) end
    end
    for _, d in ipairs(list) do
      local ok, err = domains:safe_set(d, app)
      if not ok then return reply(500, "cannot store the domain: " .. tostring(err)) end
    end
    local v = flag
    if #list > 0 then v = v .. " " .. table.concat(list, " ") end
    local ok, err = sites:safe_set(app, v)
    if not ok then return reply(500, "cannot store the site: " .. tostring(err)) end
    return reply(200, v)
  end
  return reply(405, "method not allowed")
end

local function list_of(d)
  local keys = d:get_keys(0)
  table.sort(keys)
  local out = {}
  for _, k in ipairs(keys) do
    local v = d:get(k)
    if v ~= nil then out[#out + 1] = k .. " " .. (v:gsub("\n", " ")) end
  end
  return table.concat(out, "\n")
end

function M.control()
  local method = ngx.req.get_method()
  local uri = ngx.var.uri
  local lists = { ["/upstreams"] = dict, ["/states"] = states, ["/sites"] = sites }
  if lists[uri] ~= nil or uri == "/activity" then
    if method ~= "GET" then return reply(405, "method not allowed") end
    if uri == "/activity" then return reply(200, activity_list()) end
    return reply(200, list_of(lists[uri]))
  end
  local kind, app = uri:match("^/(%a+)/([^/]*)$")
  local handlers = { upstreams = control_upstreams, states = control_state, sites = control_site }
  if handlers[kind] == nil then return reply(404, "not found") end
  if not valid_app(app) then return reply(400, "invalid app name") end
  return handlers[kind](method, app)
end

package.loaded.paas_router = M
`;
