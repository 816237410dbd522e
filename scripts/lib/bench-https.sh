# shellcheck shell=bash
# HTTPS through the router for `scripts/bench --only https` (sourced; uses
# its new_app, push_until, bench_json, jq_, log, die, $work, $REPO_DIR and
# $PAAS_* settings).

# https_acme_start : Pebble for the controller's ACME worker, started before
# scripts/up (the controller runs the worker only when PAAS_ACME_DIRECTORY_URL
# is set at its start, and scripts/up writes every PAAS_* variable into
# paas.env): `dist/bench/https.js acme-server` (built first) keeps Pebble and
# its DNS responder up until scripts/bench ends (cleanup kills
# $HTTPS_ACME_PID), HTTP-01 validated at the router's HTTP port. Pebble's CA
# goes under the state directory, so a controller started again (or kept with
# PAAS_BENCH_KEEP=1) still reads its PAAS_ACME_CA_FILE.
https_acme_start() {
  local dir=$PAAS_STATE_DIR/acme i
  log "https: building, then starting pebble for the controller's ACME worker"
  (cd "$REPO_DIR" && npm run --silent build >&2)
  mkdir -p "$dir"
  node "$REPO_DIR/dist/bench/https.js" acme-server --http-port "$PAAS_HTTP_PORT" --ca-file "$dir/pebble-ca.pem" \
    --out "$work/acme.json" >"$work/acme-server.log" 2>&1 &
  HTTPS_ACME_PID=$!
  for i in $(seq 1 300); do
    [ -s "$work/acme.json" ] && break
    kill -0 "$HTTPS_ACME_PID" 2>/dev/null || { cat "$work/acme-server.log" >&2; die "pebble did not start"; }
    sleep 0.1
  done
  [ -s "$work/acme.json" ] || { cat "$work/acme-server.log" >&2; die "pebble did not serve within 30 s"; }
  PAAS_ACME_DIRECTORY_URL=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).directoryUrl)' "$work/acme.json")
  PAAS_ACME_CA_FILE=$dir/pebble-ca.pem
  # The worker looks for orders due every 10 s by default, and orders again 5 min after a failed one: a run
  # would mostly measure those waits.
  PAAS_ACME_CHECK_MS=${PAAS_ACME_CHECK_MS:-500}
  PAAS_ACME_RETRY_MS=${PAAS_ACME_RETRY_MS:-1000}
  export PAAS_ACME_DIRECTORY_URL PAAS_ACME_CA_FILE PAAS_ACME_CHECK_MS PAAS_ACME_RETRY_MS
  log "https: pebble at $PAAS_ACME_DIRECTORY_URL (PAAS_ACME_CHECK_MS=$PAAS_ACME_CHECK_MS, PAAS_ACME_RETRY_MS=$PAAS_ACME_RETRY_MS)"
}

# https_run : deploys the Express fixture as https-app, then bench/https.ts
# (HTTPS against HTTP, failures during certs:update and deploys, ACME).
https_run() {
  local dir
  dir=$(new_app https-app)
  push_until "$dir" https-app "hello v1" >/dev/null
  HTTPS_STARTED=$(date +%s)
  bench_json https node "$REPO_DIR/dist/bench/https.js" --app https-app --cli "node $REPO_DIR/dist/cli/main.js" \
    --http-port "$PAAS_HTTP_PORT" --https-port "$PAAS_HTTPS_PORT" --updates "${PAAS_BENCH_CERT_UPDATES:-20}" \
    --deploys "${PAAS_BENCH_HTTPS_DEPLOYS:-20}" --acme-runs "${PAAS_BENCH_ACME_RUNS:-3}"
  HTTPS_SECONDS=$(($(date +%s) - HTTPS_STARTED))
}

# https_runs PREFIX N : "a / b / c" of the keys PREFIX1_ms .. PREFIXN_ms of https.json ("n/a" for a missing one).
https_runs() { https_counts "$1" _ms "$2"; }
# https_counts PREFIX SUFFIX N : "a / b / c" of the keys PREFIX1SUFFIX .. PREFIXNSUFFIX of https.json.
https_counts() {
  local i list=()
  for i in $(seq 1 "$3"); do list+=("$(jq_ "$work/https.json" "$1${i}$2")"); done
  local IFS=/
  echo "${list[*]}" | sed 's|/| / |g'
}

# https_row KIND LABEL : a row of the throughput table of https.json.
https_row() {
  local f=$work/https.json
  echo "| $2 | $(jq_ "$f" "http_$1_rps") | $(jq_ "$f" "https_$1_rps") | **$(jq_ "$f" "ratio_$1")** | $(jq_ "$f" "http_$1_p50_ms") / $(jq_ "$f" "http_$1_p99_ms") ms | $(jq_ "$f" "https_$1_p50_ms") / $(jq_ "$f" "https_$1_p99_ms") ms | $(jq_ "$f" "http_$1_failed") / $(jq_ "$f" "https_$1_failed") |"
}
# https_failures PREFIX : "N" failed requests of a phase, then their causes when there are any.
https_failures() {
  local f=$work/https.json k n
  k=$(jq_ "$f" "$1_keepalive_failures")
  n=$(jq_ "$f" "$1_new_conn_failures")
  printf '**%s**' "$(jq_ "$f" "$1_failed_total")"
  [ "$k" = "{}" ] || printf ' kept-alive: %s' "$k"
  [ "$n" = "{}" ] || printf ' new connection: %s' "$n"
}
# https_cpu_row KIND LABEL : a row of the CPU table of https.json.
https_cpu_row() {
  local f=$work/https.json
  echo "| $2 | $(jq_ "$f" "http_$1_nginx_us_per_req") / $(jq_ "$f" "https_$1_nginx_us_per_req") | $(jq_ "$f" "http_$1_load_us_per_req") / $(jq_ "$f" "https_$1_load_us_per_req") | $(jq_ "$f" "http_$1_machine_busy_pct") / $(jq_ "$f" "https_$1_machine_busy_pct") |"
}

# https_section : its markdown (after https_run).
https_section() {
  local f=$work/https.json rev runs=${PAAS_BENCH_ACME_RUNS:-3} u=${PAAS_BENCH_CERT_UPDATES:-20} d=${PAAS_BENCH_HTTPS_DEPLOYS:-20}
  rev=$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo '?')
  cat <<EOT
## HTTPS through the router

\`scripts/bench --only https\` (bench/https.ts, at $rev, ${HTTPS_SECONDS:-?} s in all):
\`node dist/bench/https.js --app https-app --cli paas --http-port $PAAS_HTTP_PORT --https-port $PAAS_HTTPS_PORT --updates $u --deploys $d --acme-runs $runs\`.
The Express fixture (\`test/fixtures/express-hello\`, web=1) at its custom
domain \`$(jq_ "$f" domain)\`, with a certificate uploaded by \`paas certs:add\`
(EC P-256, made with openssl by a CA of the bench's own), and the same name
over HTTP for the comparison. Every client connects to 127.0.0.1 and sends
that name as the Host and by SNI (wrk through a Lua \`wrk.resolve\`, since its
\`-H Host\` never changes the SNI; curl with \`--resolve\`). The router
negotiated $(jq_ "$f" tls_protocol) \`$(jq_ "$f" tls_cipher)\` and resumed
$(jq_ "$f" tls_resumed_of_19) of 19 TLS sessions offered in a row. HTTP/1.1, $(jq_ "$f" concurrency)
connections, 10 s per measure after 2 s of warm-up, the seven measures in turn,
three rounds (req/s over the rounds; latency: the median of the rounds'
percentiles).

| load | HTTP req/s | HTTPS req/s | HTTPS / HTTP | HTTP p50 / p99 | HTTPS p50 / p99 | failed HTTP / HTTPS |
| --- | --- | --- | --- | --- | --- | --- |
$(https_row keepalive "kept-alive connections (wrk)")
$(https_row close "a new connection per request, TLS session resumed (wrk, \`Connection: close\`; latency from the request written, after connect and handshake)")
$(https_row full "a new connection and a full TLS handshake per request (curl \`--no-sessionid --parallel\`, \`Connection: close\`; latency: the whole transfer)")
| the same for a name no certificate covers, with the app's Host (nginx's fallback from its config: no certificate set by Lua; curl \`-k\`) | – | $(jq_ "$f" https_fallback_rps) | – | – | $(jq_ "$f" https_fallback_p50_ms) / $(jq_ "$f" https_fallback_p99_ms) ms | – / $(jq_ "$f" https_fallback_failed) |

The CPU each took per request (HTTP / HTTPS), over the same measures: nginx's
(its master and workers) and the load generator's; and how busy the machine's
$(nproc) cores were.

| load | nginx µs per request | load generator µs per request | machine busy % |
| --- | --- | --- | --- |
$(https_cpu_row keepalive "kept-alive (wrk)")
$(https_cpu_row close "new connection, session resumed (wrk)")
$(https_cpu_row full "new connection, full handshake (curl)")
| new connection, full handshake, fallback certificate (curl) | – / $(jq_ "$f" https_fallback_nginx_us_per_req) | – / $(jq_ "$f" https_fallback_load_us_per_req) | – / $(jq_ "$f" https_fallback_machine_busy_pct) |

Failed requests under HTTPS load: $(jq_ "$f" load_concurrency) kept-alive connections and $(jq_ "$f" load_concurrency) loops
of a new connection (a full handshake) per request (Node, verifying the
certificate against the bench's CA for \`$(jq_ "$f" domain)\`: a wrong or
missing certificate fails), while \`paas certs:update\` replaces the
certificate $u times in a row (each waited until a new handshake gets it),
then while \`paas config:set\` redeploys the app $d times (each waited until
only the new release answers \`/greeting\`), and $(jq_ "$f" settle_s) s after. Failed = a
non-2xx, reset, timeout or TLS error.

| while | requests kept-alive / new connection | failed (by cause) | the commands |
| --- | --- | --- | --- |
| $u × \`certs:update\` | $(jq_ "$f" certs_keepalive_requests) / $(jq_ "$f" certs_new_conn_requests) | $(https_failures certs) | command $(jq_ "$f" cert_update_command_ms_median) ms, new certificate served $(jq_ "$f" cert_update_served_ms_median) ms after it started (median; max $(jq_ "$f" cert_update_served_ms_max)); not served: $(jq_ "$f" cert_updates_not_served), failed: $(jq_ "$f" cert_update_failures) |
| $d × \`config:set\` | $(jq_ "$f" deploy_keepalive_requests) / $(jq_ "$f" deploy_new_conn_requests) | $(https_failures deploy) | only the new release answering after $(jq_ "$f" deploy_serving_ms_median) ms (median); not seen: $(jq_ "$f" deploys_not_seen), failed: $(jq_ "$f" deploy_failures) |

Automatic certificates: Debian's \`pebble\` started by the bench before the
platform (\`https.js acme-server\`: PAAS_ACME_DIRECTORY_URL, PAAS_ACME_CA_FILE
and, for the bench, PAAS_ACME_CHECK_MS=${PAAS_ACME_CHECK_MS:-500} and
PAAS_ACME_RETRY_MS=${PAAS_ACME_RETRY_MS:-1000} in the controller's environment),
every name resolved to 127.0.0.1 by its own DNS responder, HTTP-01 validated
through the router's HTTP port as soon as the challenge is said ready
(PEBBLE_VA_NOSLEEP). Each run adds a custom domain
\`acme<N>.https-app.test\`, runs \`paas certs:auto:enable\` and times until a
new handshake for that name gets a certificate issued by Pebble, $(jq_ "$f" acme_timeout_s) s at
most, counting the orders that failed meanwhile (then \`certs:auto:disable\`,
which drops the certificate, and the domain removed); run 1 also makes the
platform's ACME account. Before the runs, an AcmeChallenge record of the
bench's own is written to etcd $(jq_ "$f" challenge_lag_samples) times and timed until the router
answers it on its HTTP port. The floor, same run: a second Pebble issuing one
certificate to a bare acme-client (the controller's polling: 1 s doubling)
answering its own HTTP-01 challenge, from the order to the certificate.

| measure | value |
| --- | --- |
| \`certs:auto:enable\` until the domain serves Pebble's certificate, runs 1–$runs | $(https_runs acme_run "$runs") ms (median $(jq_ "$f" acme_ms_median); runs never served: $(jq_ "$f" acme_failures)) |
| orders that failed meanwhile, runs 1–$runs | $(https_counts acme_run _failed_orders "$runs") (the last error: $(jq_ "$f" acme_last_failure)) |
| of which the command itself / from its start until the worker starts the order that succeeds (medians) | $(jq_ "$f" acme_enable_command_ms_median) / $(jq_ "$f" acme_pickup_ms_median) ms |
| that order's start until served (median) | $(jq_ "$f" acme_order_to_served_ms_median) ms: until the controller logs it issued and stored $(jq_ "$f" acme_order_to_issued_ms_median) ms, then until a handshake gets it $(jq_ "$f" acme_issued_to_served_ms_median) ms |
| an AcmeChallenge record written until the router answers it, p50 / max | $(jq_ "$f" challenge_lag_p50_ms) / $(jq_ "$f" challenge_lag_max_ms) ms (never: $(jq_ "$f" challenge_lag_missed)) |
| floor: bare acme-client and Pebble, order to certificate, runs 1–$runs | $(https_runs acme_floor_run "$runs") ms (median $(jq_ "$f" acme_floor_ms_median)) |
| \`certs:add\` until its certificate is served | $(jq_ "$f" cert_add_served_ms) ms |
EOT
}
