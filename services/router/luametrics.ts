// The Lua of the router's request metrics (issue 18), a part of the router's
// module (lua.ts joins it in; static text, nothing from a user in it):
//
//   count(app)  in the log phase of each request to an app: into this
//               worker's own table (no shared dict, no lock, per request):
//               the status class, split by whether a dyno answered; the
//               request's time ($request_time) and the dynos' ($upstream_
//               response_time, summed over the dynos tried) into TIME_BUCKETS;
//               the bytes received ($request_length) and sent ($bytes_sent)
//               into SIZE_BUCKETS
//   flush()     about every FLUSH_S, each worker's timer (ngx.timer.every)
//               adds its table into the shared dict METRICS_DICT with incr,
//               one key per app, process type and field ("shop web d3"), and
//               starts a new table; a new key is made with safe_add, which
//               never evicts, so a full dict loses the new counts (counted
//               in LOST_KEY, logged once a minute per worker), never an
//               existing counter. The apps with counters are listed in
//               METRICS_INDEX_DICT, so a scrape reads them without walking
//               the big dict (get_keys locks it for its whole walk).
//   draining    a worker told to exit (a reload, a stop) runs its timer once
//               more, prematurely: it flushes, and from then on each request
//               it still finishes flushes itself, so nothing is lost when it
//               exits; a crashed worker loses at most its last FLUSH_S.
//   forget(app) a site removed (the app destroyed, or no longer routed here)
//               deletes its counters, as ingress-nginx removes a deleted
//               ingress's; a worker's later flush of it is dropped (the site
//               is looked up at each flush).
//   dump()      GET /metrics of the control endpoint: "~lost <n>", then one
//               "<app> <process type> <field>=<value>..." line per app, the
//               fields not zero (metrics.ts reads it).
//
// The dicts outlive a reload (new workers go on counting where the old ones
// left off: counters stay monotonic); an nginx restart empties them, which
// Prometheus reads as a counter reset.

/** ingress-nginx's default time buckets (seconds): Prometheus' DefBuckets. */
export const TIME_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;
/**
 * Byte buckets: ingress-nginx's size buckets (ExponentialBuckets(10, 10, 7)). Its request and response sizes use its
 * length buckets, 10 to 100 bytes, which put nearly every HTTP request (its headers alone) into +Inf.
 */
export const SIZE_BUCKETS = [10, 100, 1000, 10_000, 100_000, 1_000_000, 10_000_000] as const;
/** The counters, per app and process type. */
export const METRICS_DICT = 'paas_metrics';
/** "<app> <process type>" of each app with counters. */
export const METRICS_INDEX_DICT = 'paas_metrics_apps';
/** MiB of METRICS_DICT unless told (PAAS_ROUTER_METRICS_DICT_MB): a counter takes 128 bytes, so 500,000 counters. */
export const DEFAULT_METRICS_DICT_MB = 64;
export const METRICS_DICT_MB_LIMIT = 4096;
/** The key (in METRICS_DICT) of the requests whose counts a full dict lost, in part or whole. */
export const LOST_KEY = '~lost';
/** Each worker adds its counts into the shared dict this often (seconds). */
export const FLUSH_S = 1;
/** The process types counted: routed traffic is always `web` today. */
export const PROCESS_TYPES = ['web'] as const;
/** Apps whose counters one dump reads before letting the worker serve others (ngx.sleep(0)). */
const DUMP_SLICE = 100;

/** METRICS_INDEX_DICT's MiB: an app takes a 128-byte entry; a 16th of the counters' dict (4 MiB: 32,000 apps). */
export function metricsIndexMb(dictMb: number): number {
  return Math.max(1, Math.ceil(dictMb / 16));
}

const range = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);

/**
 * The fields of an app's counters, in the order of a worker's table (Lua's index is the position + 1): `s1`-`s5` the
 * requests a dyno answered by status class (1xx-5xx), `o1`-`o5` those nginx answered itself (no dyno's response
 * header: no web dyno, maintenance, the wake timeout, a redirect to HTTPS, a body too large, no dyno reachable or in
 * time); then per histogram its buckets (the last one +Inf) and its sum: `d` the request's time, `u` the dynos', `q`
 * the bytes received, `b` the bytes sent. Each bucket counts its own observations (not cumulative).
 */
export const FIELDS: readonly string[] = [
  ...range('s', 5),
  ...range('o', 5),
  ...range('d', TIME_BUCKETS.length + 1),
  'ds',
  ...range('u', TIME_BUCKETS.length + 1),
  'us',
  ...range('q', SIZE_BUCKETS.length + 1),
  'qs',
  ...range('b', SIZE_BUCKETS.length + 1),
  'bs',
];

/** Lua's index of a histogram's first bucket minus one. */
const base = (h: string) => FIELDS.indexOf(`${h}1`);
const lua = (xs: readonly (number | string)[]) =>
  `{ ${xs.map((x) => (typeof x === 'string' ? `"${x}"` : String(x))).join(', ')} }`;

export const METRICS_LUA = String.raw`
local mdict = ngx.shared.${METRICS_DICT}
local mindex = ngx.shared.${METRICS_INDEX_DICT}
local FIELDS = ${lua(FIELDS)}
local NFIELDS = #FIELDS
local TB = ${lua(TIME_BUCKETS)}
local SB = ${lua(SIZE_BUCKETS)}
local NTB, NSB = #TB, #SB
local D, U, Q, B = ${base('d')}, ${base('u')}, ${base('q')}, ${base('b')}
local PROCESS_TYPES = ${lua(PROCESS_TYPES)}
local ok_new, new_tab = pcall(require, "table.new")
if not ok_new then new_tab = function() return {} end end
local counts = {}       -- app -> this worker's counts of its web requests since its last flush (FIELDS' order)
local draining = false  -- told to exit: each request flushes itself
local full_logged = 0
mdict:safe_add("${LOST_KEY}", 0) -- made while there is room (init_by_lua; kept by a reload)

-- h: the histogram's index before its first bucket; b, n: its bounds
local function observe(e, h, b, n, v)
  local i = n + 1
  for j = 1, n do
    if v <= b[j] then i = j break end
  end
  e[h + i] = e[h + i] + 1
  e[h + n + 2] = e[h + n + 2] + v
end

-- "0.004", or for a request passed on to other dynos "0.000, 0.004" (an
-- internal redirect adds " : "): the sum, nil when no dyno was tried
local function upstream_time(s)
  if s == nil then return nil end
  local v = tonumber(s)
  if v ~= nil then return v end
  local sum, any = 0, false
  for t in s:gmatch("%d+%.?%d*") do sum = sum + tonumber(t); any = true end
  if any then return sum end
  return nil
end

-- adds v to the counter k; a new counter only where the dict has room (never evicting one)
local function add(k, v)
  local n, err = mdict:incr(k, v)
  if n ~= nil then return true end
  if err ~= "not found" then return false end
  local ok
  ok, err = mdict:safe_add(k, v)
  if not ok and err == "exists" then ok = mdict:incr(k, v) ~= nil end -- another worker made it meanwhile
  return ok
end

local function flush()
  if next(counts) == nil then return end
  local pending = counts
  counts = {}
  local lost = 0
  for app, e in pairs(pending) do
    -- a site removed took its counters with it (metrics_forget): not made again
    if sites:get(app) ~= nil then
      local key = app .. " web"
      local ok, err = mindex:safe_add(key, true)
      local failed = not ok and err ~= "exists"
      if not failed then
        for i = 1, NFIELDS do
          local v = e[i]
          if v ~= 0 and not add(key .. " " .. FIELDS[i], v) then failed = true end
        end
      end
      if failed then
        for i = 1, D do lost = lost + e[i] end -- the status fields: its requests
      end
    end
  end
  if lost > 0 then
    add("${LOST_KEY}", lost)
    local now = ngx.now()
    if now - full_logged >= 60 then
      full_logged = now
      ngx.log(ngx.WARN, "paas: the request metrics' shared dict is full: the counts of ", lost,
        " requests lost, in part or whole (PAAS_ROUTER_METRICS_DICT_MB)")
    end
  end
end

-- the log phase of a request to an app
local function count(app)
  local status = ngx.status
  local class = math.floor(status / 100)
  if class < 1 or class > 5 then return end -- no HTTP status (HTTP/0.9): not a response to count
  local e = counts[app]
  if e == nil then
    e = new_tab(NFIELDS, 0)
    for i = 1, NFIELDS do e[i] = 0 end
    counts[app] = e
  end
  local var = ngx.var
  -- a dyno answered when the last dyno tried sent a response header ("-": none)
  local h = var.upstream_header_time
  local last = h ~= nil and h:byte(-1) or 0
  if last < 48 or last > 57 then class = class + 5 end
  e[class] = e[class] + 1
  observe(e, D, TB, NTB, tonumber(var.request_time) or 0)
  local u = upstream_time(var.upstream_response_time)
  if u ~= nil then observe(e, U, TB, NTB, u) end
  observe(e, Q, SB, NSB, tonumber(var.request_length) or 0)
  observe(e, B, SB, NSB, tonumber(var.bytes_sent) or 0)
  if draining then flush() end
end

local function tick(premature)
  if premature then draining = true end
  local ok, err = pcall(flush)
  if not ok then ngx.log(ngx.ERR, "paas: cannot flush the request metrics: ", err) end
end

function M.init_worker()
  if not conf.request_metrics then return end
  local ok, err = ngx.timer.every(${FLUSH_S}, tick)
  if not ok then
    draining = true -- no timer: each request flushes itself (slower, never lost)
    ngx.log(ngx.ERR, "paas: no timer for the request metrics (each request flushes itself): ", err)
  end
end

-- a site removed: its counters go
local function metrics_forget(app)
  for _, pt in ipairs(PROCESS_TYPES) do
    local key = app .. " " .. pt
    mindex:delete(key)
    for _, f in ipairs(FIELDS) do mdict:delete(key .. " " .. f) end
  end
end

local function num(v)
  return string.format("%.17g", v) -- exact; an integer as one
end

-- GET /metrics: "~lost <n>", then "<app> <process type> <field>=<value>..." per app with counters
local function metrics_dump()
  local keys = mindex:get_keys(0)
  table.sort(keys)
  local out = { "${LOST_KEY} " .. num(mdict:get("${LOST_KEY}") or 0) }
  for n, key in ipairs(keys) do
    local line = { key }
    for _, f in ipairs(FIELDS) do
      local v = mdict:get(key .. " " .. f)
      if v ~= nil and v ~= 0 then line[#line + 1] = f .. "=" .. num(v) end
    end
    out[#out + 1] = table.concat(line, " ")
    if n % ${DUMP_SLICE} == 0 then ngx.sleep(0) end -- let this worker serve between slices
  end
  return table.concat(out, "\n")
end
`;
