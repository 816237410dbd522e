import { ACME_CHALLENGE_PATH } from '../core/certs.js';

// The Lua of HTTPS (issue 17), a part of the router's module (lua.ts joins it
// in; static text, nothing from a user in it):
//
//   certificate()     in ssl_certificate_by_lua: the certificate of the name
//                     the client asked for (SNI), looked up as sent, then as
//                     the wildcard `*.<parent>`: `paas_sni` gives its version,
//                     `paas_certs` the PEM chain and key, parsed once per
//                     worker and the same OpenSSL objects handed to every
//                     handshake that serves them (parsed_of). A name with
//                     none that is `<app>.<domain>`: the platform's leaf of
//                     it (`paas_leaves`, asked of the router once: leaves.ts)
//                     when the router issues them (conf.leaves). No SNI, or
//                     a name with none: the fallback of the config stays.
//   acme_challenge()  GET /.well-known/acme-challenge/<token>: the key
//                     authorization of an open HTTP-01 challenge
//                     (`paas_acme`), text/plain, else 404; before any app
//                     routing, so a sleeping app is not woken for it
//   put_cert, put_sni, put_challenge  the control endpoint's changes
//                     (luacontrol.ts): a certificate is converted from PEM
//                     once, when it is stored, and refused (400, nothing
//                     stored) when it does not convert
//
// A certificate is stored once however many names it serves, and a name
// moves to a new one (a renewal) in one dict write, so a handshake sees the
// old certificate or the new one, whole. Nothing here reloads nginx or
// touches an open connection: a change is seen by the next handshake.

/** version -> "<version> pem <chain bytes>\n<chain PEM><key PEM>" (an older router's: "<version> <n>\n<DER><DER>"). */
export const CERT_DICT = 'paas_certs';
/** hostname (or `*.<parent>`) -> version of its certificate. */
export const SNI_DICT = 'paas_sni';
/** hostname -> "leaf pem <chain bytes>\n<chain PEM><key PEM>" of the platform's leaf, or "" (none: the fallback). */
export const LEAF_DICT = 'paas_leaves';
/** ACME token -> key authorization. */
export const CHALLENGE_DICT = 'paas_acme';
export { ACME_CHALLENGE_PATH };
/** A name the router issues no leaf for is asked again after this long (s). */
const LEAF_NONE_S = 10;

export const TLS_LUA = String.raw`
local ssl = require "ngx.ssl"
local certs = ngx.shared.${CERT_DICT}
local sni = ngx.shared.${SNI_DICT}
local challenges = ngx.shared.${CHALLENGE_DICT}
local leaves = ngx.shared.${LEAF_DICT}

-- a stored certificate: its format ("pem", or "der" as a router before
-- 0.6 ms per handshake was saved stored it: still in the dict of an nginx it
-- left running), its chain and its key
local function parts_of(v)
  local pem, n, at = v:match("^%S+ (p?e?m? ?)(%d+)\n()")
  if n == nil then return nil end
  n = tonumber(n)
  return pem == "pem " and "pem" or "der", v:sub(at, at + n - 1), v:sub(at + n)
end

-- Each worker parses a stored certificate once (OpenSSL objects, freed by the
-- GC) and hands the same objects to every handshake that serves it: parsing
-- the DER of the chain and key at each handshake cost 0.66 ms of CPU (issue
-- 17's bench). Keyed by the stored value, which changes whenever the
-- certificate does; dropped whole past PARSED_MAX.
local parsed, parsed_n = {}, 0
local PARSED_MAX = 2000

local function parsed_of(stored)
  local p = parsed[stored]
  if p ~= nil then return p end
  local format, chain, key = parts_of(stored)
  if format ~= "pem" then return nil, format end
  local cert, err = ssl.parse_pem_cert(chain)
  if cert == nil then return nil, "pem", err end
  local pkey, kerr = ssl.parse_pem_priv_key(key)
  if pkey == nil then return nil, "pem", kerr end
  if parsed_n >= PARSED_MAX then parsed, parsed_n = {}, 0 end
  p = { cert = cert, key = pkey }
  parsed[stored] = p
  parsed_n = parsed_n + 1
  return p
end

local function version_of_name(name)
  local v = sni:get(name)
  if v ~= nil then return v end
  local parent = name:match("^[^%.]+(%..+)$")
  if parent ~= nil then return sni:get("*" .. parent) end
  return nil
end

-- GET /leaves/<name> of the router's socket: the body, and how long to keep
-- it; "" for a name that gets none (404); nil and why when it did not answer
local function ask_leaf(name)
  local sock = ngx.socket.tcp()
  sock:settimeout(2000)
  local ok, err = sock:connect("unix:" .. conf.wake_socket)
  if ok then ok, err = sock:send("GET /leaves/" .. name .. " HTTP/1.0\r\nHost: router\r\n\r\n") end
  local status, len, ttl
  if ok then
    status, err = sock:receive("*l")
    status = status and tonumber(status:match("^HTTP/1%.%d (%d%d%d)"))
    while status ~= nil do
      local line, herr = sock:receive("*l")
      if line == nil then status, err = nil, herr break end
      if line == "" then break end
      local k, v = line:match("^([%w%-]+):%s*(%d+)%s*$")
      if k ~= nil then
        k = k:lower()
        if k == "content-length" then len = tonumber(v) elseif k == "x-paas-cache-seconds" then ttl = tonumber(v) end
      end
    end
  end
  local body
  if status == 200 and len ~= nil and len <= 65536 then
    body, err = sock:receive(len)
  elseif status == 404 then
    body, ttl = "", ${LEAF_NONE_S}
  elseif status ~= nil then
    err = "status " .. status
  end
  sock:close()
  if body == nil then return nil, err end
  return body, ttl
end

-- at each (re)load: leaves of another CA than the router's now are dropped
function M.leaves_ca(fingerprint)
  if leaves:get(" ca") ~= fingerprint then
    leaves:flush_all()
    leaves:set(" ca", fingerprint)
  end
end

-- the platform's leaf of name (<app>.<domain>), or nil: the fallback
local function leaf_of(name)
  if not conf.leaves or #name <= #conf.suffix or name:sub(-#conf.suffix) ~= conf.suffix then return nil end
  if not valid_app(name:sub(1, #name - #conf.suffix)) then return nil end
  local stored = leaves:get(name)
  if stored == nil then
    local body, ttl = ask_leaf(name) -- ttl: why, when body is nil
    if body == nil then
      ngx.log(ngx.WARN, "paas: no platform certificate for ", name, " (serving the fallback): ", ttl)
      return nil
    end
    leaves:set(name, body, math.max(tonumber(ttl) or 60, 1))
    stored = body
  end
  if stored == "" then return nil end
  return stored
end

function M.certificate()
  local name = ssl.server_name()
  if name == nil then return end -- no SNI: the fallback
  name = name:lower()
  local stored
  -- twice: a renewal may move the name to a new certificate and drop the old
  -- one between our two reads
  for _ = 1, 2 do
    local version = version_of_name(name)
    if version == nil then break end
    stored = certs:get(version)
    if stored ~= nil then break end
  end
  if stored == nil then stored = leaf_of(name) end
  if stored == nil then return end
  local p, format, perr = parsed_of(stored)
  local ok, err
  if p ~= nil then
    ok, err = ssl.clear_certs()
    if ok then ok, err = ssl.set_cert(p.cert) end
    if ok then ok, err = ssl.set_priv_key(p.key) end
  elseif format == "der" then
    local _, chain, key = parts_of(stored)
    ok, err = ssl.clear_certs()
    if ok then ok, err = ssl.set_der_cert(chain) end
    if ok then ok, err = ssl.set_der_priv_key(key) end
  else
    ngx.log(ngx.ERR, "paas: the stored certificate of ", name, " cannot be read (", tostring(perr),
      "); serving the fallback")
    return
  end
  if not ok then
    -- the fallback is cleared already: this handshake fails, not the next
    ngx.log(ngx.ERR, "paas: cannot serve the certificate of ", name, ": ", err)
    return ngx.exit(ngx.ERROR)
  end
end

local function valid_token(t)
  return #t >= 1 and #t <= 128 and t:find("^[%w_%-]+$") ~= nil
end

function M.acme_challenge()
  ngx.ctx.paas_uncounted = true -- the platform's answer, not the app's traffic (request metrics)
  local method = ngx.req.get_method()
  if method ~= "GET" and method ~= "HEAD" then return reply(405, "method not allowed") end
  local token = ngx.var.uri:sub(${ACME_CHALLENGE_PATH.length + 1})
  local answer = valid_token(token) and challenges:get(token) or nil
  if answer == nil then return reply(404, "no such challenge") end
  -- the key authorization alone, no newline: what the ACME server compares
  ngx.status = 200
  ngx.header["Content-Type"] = "text/plain"
  ngx.header["Cache-Control"] = "no-store"
  ngx.header["Content-Length"] = #answer
  ngx.print(answer)
  return ngx.exit(200)
end

-- a hostname, or a wildcard of one ("*.example.com"); under the platform's domain too
local function valid_cert_host(h)
  local rest = h:sub(1, 2) == "*." and h:sub(3) or h
  return #h <= 253 and rest:find("^[a-z0-9][a-z0-9%.%-]*[a-z0-9]$") ~= nil and rest:find("..", 1, true) == nil
end

local function valid_version(v)
  return #v >= 8 and #v <= 64 and v:find("^%x+$") ~= nil
end

-- words: the base64 of the chain's PEM and of the key's PEM
local function put_cert(version, words)
  local chain_pem = ngx.decode_base64(words[1] or "")
  local key_pem = ngx.decode_base64(words[2] or "")
  if chain_pem == nil or key_pem == nil then return "the certificate and key must be base64 of their PEM", true end
  -- an encrypted key would have OpenSSL ask a terminal for its passphrase
  if key_pem:find("ENCRYPTED", 1, true) then return "the key is encrypted", true end
  local chain, err = ssl.parse_pem_cert(chain_pem)
  if chain == nil then return "the certificate does not convert: " .. tostring(err), true end
  local key, kerr = ssl.parse_pem_priv_key(key_pem)
  if key == nil then return "the key does not convert: " .. tostring(kerr), true end
  local ok, serr = certs:safe_set(version, version .. " pem " .. #chain_pem .. "\n" .. chain_pem .. key_pem)
  if not ok then return "cannot store the certificate: " .. tostring(serr) end
end

local function del_cert(version)
  certs:delete(version)
end

local function put_sni(host, version)
  if not valid_version(version) then return "invalid certificate version", true end
  if certs:ttl(version) == nil then return "no certificate " .. version .. " is stored", true end
  local ok, err = sni:safe_set(host, version)
  if not ok then return "cannot store the name: " .. tostring(err) end
end

local function del_sni(host)
  sni:delete(host)
end

local function put_challenge(token, ka)
  -- RFC 8555 §8.1: the token, a dot, the account key's thumbprint (base64url)
  if #ka > 256 or ka:sub(1, #token + 1) ~= token .. "." or ka:sub(#token + 2):find("^[%w_%-]+$") == nil then
    return "the key authorization must be <token>.<thumbprint>", true
  end
  local ok, err = challenges:safe_set(token, ka)
  if not ok then return "cannot store the challenge: " .. tostring(err) end
end

local function del_challenge(token)
  challenges:delete(token)
end

-- GET /certs: the versions stored, one a line
local function cert_list()
  local keys = certs:get_keys(0)
  table.sort(keys)
  return table.concat(keys, "\n")
end
`;
