// The control endpoint of the router's Lua module (lua.ts joins it in; static
// text), on 127.0.0.1 only:
//
//   GET /upstreams, /sites, /states   one "app value..." line per app
//   GET /certs                        one certificate version per line (luatls.ts)
//   GET /sni, /challenges             one "hostname version" / "token keyAuthorization" line each
//   GET /activity                     one "app <last request, epoch s> <websockets>" line per app
//   GET /metrics                      the request metrics: "~lost <n>", then one
//                                     "<app> <process type> <field>=<value>..." line per app (luametrics.ts)
//   GET|PUT|DELETE /upstreams/<app>   one host:port per line
//   GET|PUT|DELETE /sites/<app>       "serve" or "maintenance", then one custom domain per line
//   GET|PUT|DELETE /states/<app>      sleeping, waking or crashed
//   GET|PUT|DELETE /certs/<version>, /sni/<hostname>, /challenges/<token>
//                                     the words of their batch line after the name, one per line
//   POST /batch                       one change per line, applied in order:
//                                     `upstreams <app> <host:port>...`, `site <app> serve|maintenance <domain>...`,
//                                     `state <app> <state>`, `cert <version> <base64 chain PEM> <base64 key PEM>`,
//                                     `sni <hostname> <version>`, `challenge <token> <keyAuthorization>`, or
//                                     `-upstreams|-site|-state <app>`, `-cert <version>`, `-sni <hostname>`,
//                                     `-challenge <token>` to remove;
//                                     200 "<n> applied", or 400 naming the first bad line (those before it applied)
//
// A custom domain maps to one app (paas_domains); an app changing or losing
// its domains deletes only those still its own, so a domain moving from one
// app to another in one batch is never lost, whichever comes first. A name
// can point only at a certificate stored already (`sni` after its `cert`).
// A site removed takes its request metrics with it.

/** Changes per POST /batch. */
export const BATCH_MAX = 2000;
/** Bytes per POST /batch: the control server takes bodies up to 1 MiB, and a certificate's line is 5-12 KB. */
export const BATCH_BYTES = 512 * 1024;

export const CONTROL_LUA = String.raw`
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

-- Each change returns nil, or an error and whether it is the caller's (400) rather than nginx's (500).
local function put_upstreams(app, peers)
  for i, p in ipairs(peers) do
    if parse_peer(p) == nil then return "invalid upstream " .. i, true end
  end
  local ok, err = dict:safe_set(app, table.concat(peers, "\n"))
  if not ok then return "cannot store upstreams: " .. tostring(err) end
end

local function del_upstreams(app)
  dict:delete(app)
  cache[app] = nil
  live:delete("t:" .. app)
end

local function put_site(app, flag, list)
  if flag ~= "serve" and flag ~= "maintenance" and flag ~= "serve-https" and flag ~= "maintenance-https" then
    return "the site must be serve or maintenance (-https: redirect HTTP to HTTPS)", true
  end
  local keep, names = {}, {}
  for _, d in ipairs(list) do
    if not valid_hostname(d) then return "invalid domain " .. d:sub(1, 80), true end
    if not keep[d] then names[#names + 1] = d end
    keep[d] = true
  end
  for _, d in ipairs(domains_of(sites:get(app))) do
    if not keep[d] and domains:get(d) == app then domains:delete(d) end
  end
  for _, d in ipairs(names) do
    local ok, err = domains:safe_set(d, app)
    if not ok then return "cannot store the domain: " .. tostring(err) end
  end
  local v = flag
  if #names > 0 then v = v .. " " .. table.concat(names, " ") end
  local ok, err = sites:safe_set(app, v)
  if not ok then return "cannot store the site: " .. tostring(err) end
end

local function del_site(app)
  local old = sites:get(app)
  sites:delete(app)
  for _, d in ipairs(domains_of(old)) do
    if domains:get(d) == app then domains:delete(d) end
  end
  metrics_forget(app)
end

local function put_state(app, state)
  if not STATES[state] then return "the state must be sleeping, waking or crashed", true end
  -- falling asleep again: the next request asks for a new wake at once
  if state == "sleeping" and states:get(app) ~= "sleeping" then holds:delete("wake:" .. app) end
  local ok, err = states:safe_set(app, state)
  if not ok then return "cannot store the state: " .. tostring(err) end
end

local function del_state(app)
  states:delete(app)
end

local KINDS = {
  upstreams = { dict = dict, put = put_upstreams, del = del_upstreams },
  sites = { dict = sites, put = function(app, words) return put_site(app, words[1] or "", { unpack(words, 2) }) end, del = del_site },
  states = { dict = states, put = function(app, words) return put_state(app, words[1] or "") end, del = del_state },
  certs = {
    dict = certs, valid = valid_version, what = "certificate version", put = put_cert, del = del_cert, list = cert_list,
    show = function() return "stored" end,
  },
  sni = {
    dict = sni, valid = valid_cert_host, what = "hostname", del = del_sni,
    put = function(host, words) return put_sni(host, words[1] or "") end,
  },
  challenges = {
    dict = challenges, valid = valid_token, what = "token", del = del_challenge,
    put = function(token, words) return put_challenge(token, words[1] or "") end,
  },
}
local BATCH = { upstreams = "upstreams", site = "sites", state = "states", cert = "certs", sni = "sni", challenge = "challenges" }

local function read_body()
  ngx.req.read_body()
  local body = ngx.req.get_body_data()
  if body == nil then
    if ngx.req.get_body_file() ~= nil then return nil end
    body = ""
  end
  return body
end

local function lines_of(body)
  local out = {}
  for line in body:gmatch("[^\r\n]+") do
    local l = line:match("^%s*(.-)%s*$")
    if l ~= "" then out[#out + 1] = l end
  end
  return out
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

local function answer(err, mine, ok_text)
  if err == nil then return reply(200, ok_text) end
  return reply(mine and 400 or 500, err)
end

local function batch()
  local body = read_body()
  if body == nil then return reply(413, "body too large") end
  local n = 0
  for i, line in ipairs(lines_of(body)) do
    local words = {}
    for w in line:gmatch("%S+") do words[#words + 1] = w end
    local op, app = words[1], words[2] or ""
    local remove = op:sub(1, 1) == "-"
    local kind = KINDS[BATCH[remove and op:sub(2) or op] or ""]
    if kind == nil then return reply(400, "line " .. i .. ": unknown change " .. op:sub(1, 20)) end
    if not (kind.valid or valid_app)(app) then return reply(400, "line " .. i .. ": invalid " .. (kind.what or "app name")) end
    local err, mine
    if remove then kind.del(app) else err, mine = kind.put(app, { unpack(words, 3) }) end
    if err ~= nil then return reply(mine and 400 or 500, "line " .. i .. ": " .. err) end
    n = n + 1
  end
  return reply(200, n .. " applied")
end

function M.control()
  local method = ngx.req.get_method()
  local uri = ngx.var.uri
  if uri == "/batch" then
    if method ~= "POST" then return reply(405, "method not allowed") end
    return batch()
  end
  if uri == "/activity" then
    if method ~= "GET" then return reply(405, "method not allowed") end
    return reply(200, activity_list())
  end
  if uri == "/metrics" then
    if method ~= "GET" then return reply(405, "method not allowed") end
    return reply(200, metrics_dump())
  end
  local name, app = uri:match("^/(%a+)/?([^/]*)$")
  local kind = KINDS[name or ""]
  if kind == nil then return reply(404, "not found") end
  if app == "" and uri:sub(-1) ~= "/" then
    if method ~= "GET" then return reply(405, "method not allowed") end
    return reply(200, kind.list and kind.list() or list_of(kind.dict))
  end
  if not (kind.valid or valid_app)(app) then return reply(400, "invalid " .. (kind.what or "app name")) end
  if method == "GET" then
    local v = kind.dict:get(app)
    if v == nil then return reply(404, "nothing set for this " .. (kind.what or "app")) end
    return reply(200, kind.show and kind.show(v) or v)
  elseif method == "DELETE" then
    kind.del(app)
    return reply(200, "deleted")
  elseif method == "PUT" then
    local body = read_body()
    if body == nil then return reply(413, "body too large") end
    local lines = lines_of(body)
    local err, mine = kind.put(app, lines)
    return answer(err, mine, name == "upstreams" and (#lines .. " upstreams") or "set")
  end
  return reply(405, "method not allowed")
end
`;
