// The Lua of on-demand dynos (issue 16), a part of the router's module
// (lua.ts joins it in; static text, nothing from a user in it):
//
//   serve(app)  a request for an app with peers goes on to the balancer; one
//               with none is held (below) or answered 503 (the server's "no
//               web process" page)
//   hold(app)   a request for an app with no peers whose state is sleeping
//               or waking waits, without blocking the worker, until the app
//               has peers (then it goes on to the balancer), its state ends
//               (crashed, or none: 503 at once) or the wake timeout passes
//               (503 "Application is starting" with Retry-After). At most
//               max_held requests wait per nginx (a count in a shared dict);
//               past it the same 503 at once.
//   waiting     per worker, one poller (a timer) looks at the shared dicts
//               every POLL_S for all held apps and wakes an app's waiters
//               through its ngx.semaphore: the polling cost is one dict read
//               per held app per tick, not per held request. A waiter also
//               looks itself every WAIT_SLICE_S, so it ends even without the
//               poller (a timer refused, a worker exiting).
//   ask_wake    the first held request of an app asks for exactly one wake
//               across workers (an `add` of wake:<app> with a TTL: the once
//               flag): a timer POSTs /wakes/<app> to the router's unix
//               socket. Asked again after the TTL while requests still wait,
//               and after WAKE_RETRY_S when the router did not take it (down,
//               not yet through its first pass).
//   activity    per app the time of the last request (t:<app>, written at
//               most every TOUCH_S per worker) and the open websockets
//               (ws:<app>: +1 when the app answers 101, -1 in the log phase:
//               ws_closed),
//               read by the router through GET /activity.

export const STATE_DICT = 'paas_states';
export const LIVE_DICT = 'paas_live';
export const HOLD_DICT = 'paas_hold';
/** The poller's period, per worker, while requests are held. */
export const POLL_S = 0.003;
/** A waiter looks itself at least this often. */
export const WAIT_SLICE_S = 1;
/** The once flag of a wake: no second wake is asked within it. */
export const WAKE_TTL_S = 5;
/** A wake the router did not take is asked again after this. */
export const WAKE_RETRY_S = 1;
/** Retry-After of the router's "Application is starting" 503. */
export const RETRY_AFTER_S = 5;
/** A worker writes an app's last-request time at most this often. */
export const TOUCH_S = 1;
export { DEFAULT_WAKE_TIMEOUT_S, WAKE_TIMEOUT_RANGE_S } from '../core/dynopolicy.js';
/** At most this many requests held per nginx (PAAS_ROUTER_WAKE_MAX_HELD), and the largest accepted. */
export const DEFAULT_WAKE_MAX_HELD = 4096;
export const WAKE_MAX_HELD_LIMIT = 1_000_000;
/** The named location answering "Application is starting" (render.ts). */
export const STARTING_LOCATION = '@paas_starting';

export const HOLD_LUA = String.raw`
local semaphore = require "ngx.semaphore"
local states = ngx.shared.${STATE_DICT}
local live = ngx.shared.${LIVE_DICT}
local holds = ngx.shared.${HOLD_DICT}
local HOLDING = { sleeping = true, waking = true }
local STATES = { sleeping = true, waking = true, crashed = true }
local touched = {}  -- app -> when this worker last wrote t:<app>
local asked = {}    -- app -> when this worker last tried the once flag
local waiting = {}  -- app -> { sema = ngx.semaphore, n = waiters }
local polling = false

local function touch(app)
  local now = ngx.now()
  local last = touched[app]
  if last == nil or now - last >= ${TOUCH_S} then
    touched[app] = now
    live:safe_set("t:" .. app, now)
  end
end

-- "peers" (and the peers), "gone" (no peers and a state that does not hold), or nil: still held.
local function outcome(app)
  local peers = peers_of(app)
  if peers ~= nil and #peers > 0 then return "peers", peers end
  if not HOLDING[states:get(app)] then return "gone" end
  return nil
end

local function notify(premature, app, at)
  if premature then
    holds:delete("wake:" .. app)
    return
  end
  local sock = ngx.socket.tcp()
  sock:settimeout(3000)
  local ok, err = sock:connect("unix:" .. conf.wake_socket)
  if ok then
    ok, err = sock:send("POST /wakes/" .. app .. " HTTP/1.0\r\nHost: router\r\nX-Paas-Asked-At: "
      .. string.format("%.3f", at) .. "\r\nContent-Length: 0\r\n\r\n")
  end
  if ok then
    local line
    line, err = sock:receive("*l")
    ok = line ~= nil and line:find("^HTTP/1%.%d 2%d%d") ~= nil
    if not ok and line ~= nil then err = line end
  end
  sock:close()
  if not ok then
    ngx.log(ngx.WARN, "paas: the router did not take the wake of ", app, ": ", err)
    holds:set("wake:" .. app, at, ${WAKE_RETRY_S})
  end
end

local function ask_wake(app)
  local now = ngx.now()
  local last = asked[app]
  if last ~= nil and now - last < 0.25 then return end
  asked[app] = now
  if not holds:add("wake:" .. app, now, ${WAKE_TTL_S}) then return end -- asked within the TTL
  ngx.update_time()
  local ok, err = ngx.timer.at(0, notify, app, ngx.now())
  if not ok then
    holds:delete("wake:" .. app)
    ngx.log(ngx.ERR, "paas: cannot ask for the wake of ", app, ": ", err)
  end
end

local function poll(premature)
  local ok, err = pcall(function()
    while not premature and next(waiting) ~= nil do
      ngx.sleep(${POLL_S})
      for app, w in pairs(waiting) do
        if outcome(app) ~= nil then
          waiting[app] = nil -- later waiters of this app get a new entry
          if w.n > 0 then w.sema:post(w.n) end
        else
          ask_wake(app)
        end
      end
    end
  end)
  polling = false
  if not ok then ngx.log(ngx.ERR, "paas: the poller of held requests failed: ", err) end
end

local function enlist(app)
  local w = waiting[app]
  if w == nil then
    w = { sema = semaphore.new(), n = 0 }
    waiting[app] = w
  end
  w.n = w.n + 1
  if not polling then
    local ok, err = ngx.timer.at(0, poll)
    if ok then polling = true else ngx.log(ngx.WARN, "paas: no poller for held requests: ", err) end
  end
  return w
end

local function leave(app, w)
  w.n = w.n - 1
  if w.n <= 0 and waiting[app] == w then waiting[app] = nil end
end

-- "peers", "gone" or "timeout"
local function wait_for(app)
  ngx.update_time()
  local deadline = ngx.now() + conf.wake_timeout
  while true do
    local result, peers = outcome(app)
    if result ~= nil then
      if peers ~= nil then ngx.ctx.paas_peers = peers end
      return result
    end
    ngx.update_time()
    local left = deadline - ngx.now()
    if left <= 0 then return "timeout" end
    local w = enlist(app)
    w.sema:wait(math.min(left, ${WAIT_SLICE_S}))
    leave(app, w)
  end
end

local function starting()
  return ngx.exec("${STARTING_LOCATION}")
end

local function hold(app)
  local n, err = holds:incr("held", 1, 0)
  if n == nil then
    ngx.log(ngx.ERR, "paas: cannot count held requests: ", err)
    return starting()
  end
  if n > conf.max_held then
    holds:incr("held", -1)
    ngx.log(ngx.WARN, "paas: ", conf.max_held, " requests held already; not holding one for ", app)
    return starting()
  end
  ask_wake(app)
  local ok, result = pcall(wait_for, app)
  holds:incr("held", -1)
  if not ok then
    ngx.log(ngx.ERR, "paas: holding a request for ", app, " failed: ", result)
    return ngx.exit(503)
  end
  if result == "peers" then return end
  if result == "timeout" then return starting() end
  return ngx.exit(503)
end

-- the app's request (a site not in maintenance): to the balancer, held, or 503
local function serve(app)
  touch(app)
  local peers = peers_of(app)
  if peers ~= nil and #peers > 0 then
    ngx.ctx.paas_peers = peers
    return
  end
  if HOLDING[states:get(app)] then return hold(app) end
  return ngx.exit(503)
end

function M.header()
  if ngx.status == 101 and ngx.ctx.paas_ws == nil then
    local app = ngx.var.paas_app
    live:incr("ws:" .. app, 1, 0)
    ngx.ctx.paas_ws = app
  end
end

-- in the log phase (lua.ts M.log): a websocket's end
local function ws_closed(ctx)
  local app = ctx.paas_ws
  if app ~= nil then live:incr("ws:" .. app, -1, 0) end
end

-- GET /activity: "app <last request, epoch s> <open websockets>" per app seen
local function activity_list()
  local by = {}
  for _, k in ipairs(live:get_keys(0)) do
    local kind, app = k:match("^(%a+):(.+)$")
    if kind ~= nil then
      local e = by[app] or { t = 0, ws = 0 }
      by[app] = e
      local v = live:get(k)
      if kind == "t" and v ~= nil then e.t = v elseif kind == "ws" and v ~= nil and v > 0 then e.ws = v end
    end
  end
  local apps = {}
  for app in pairs(by) do apps[#apps + 1] = app end
  table.sort(apps)
  local out = {}
  for _, app in ipairs(apps) do
    out[#out + 1] = app .. " " .. string.format("%.3f", by[app].t) .. " " .. by[app].ws
  end
  return table.concat(out, "\n")
end
`;
