// The Lua half of the router, loaded by nginx's init_by_lua_block. Static
// text: nothing from a user is pasted into it (the operator's wake settings
// are passed by render.ts through M.configure). Peers of each app live in the
// shared dict `paas_upstreams` as "host:port" lines, and the state of an app
// with none (sleeping, waking, crashed) in `paas_states`, both set through the
// local-only control endpoint, so a change of either needs no reload.
//
//   access()   in each app's location: the request goes on to the balancer
//              when the app has peers; with none, it is held while the app
//              sleeps or wakes (luahold.ts), else 503 (the server's "no web
//              process" page)
//   header(), log()  count the app's open websockets (luahold.ts)
//   balance()  in the shared upstream's balancer_by_lua_block: round robin;
//              up to MAX_TRIES peers per request, nginx deciding whether a
//              failed try may go on (proxy_next_upstream: never a POST/PATCH/
//              LOCK once sent); a websocket upgrade gets the idle timeout
//              WEBSOCKET_IDLE_S instead of the 30 s first-byte timeout
//   control()  the control endpoint: GET /upstreams, GET|PUT|DELETE /upstreams/<app>,
//              GET /states, GET|PUT|DELETE /states/<app>, GET /activity

import { HOLD_LUA } from './luahold.js';

export const SHARED_DICT = 'paas_upstreams';
/** Heroku's idle timeout of a websocket: closed after this long without a byte from the app. */
export const WEBSOCKET_IDLE_S = 55;
/** proxy_connect_timeout, also for websockets. */
export const CONNECT_S = 5;
/** At most this many containers are tried for one request. */
export const MAX_TRIES = 3;

export const ROUTER_LUA = String.raw`
local M = {}
local dict = ngx.shared.${SHARED_DICT}
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

function M.control()
  local method = ngx.req.get_method()
  local uri = ngx.var.uri
  if uri == "/upstreams" or uri == "/states" or uri == "/activity" then
    if method ~= "GET" then return reply(405, "method not allowed") end
    if uri == "/states" then return reply(200, state_list()) end
    if uri == "/activity" then return reply(200, activity_list()) end
    local keys = dict:get_keys(0)
    table.sort(keys)
    local out = {}
    for _, k in ipairs(keys) do
      local v = dict:get(k)
      if v ~= nil then out[#out + 1] = k .. " " .. (v:gsub("\n", " ")) end
    end
    return reply(200, table.concat(out, "\n"))
  end
  local kind, app = uri:match("^/(%a+)/([^/]*)$")
  if kind ~= "upstreams" and kind ~= "states" then return reply(404, "not found") end
  if not valid_app(app) then return reply(400, "invalid app name") end
  if kind == "upstreams" then return control_upstreams(method, app) end
  return control_state(method, app)
end

package.loaded.paas_router = M
`;
