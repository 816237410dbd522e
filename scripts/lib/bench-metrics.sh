# shellcheck shell=bash
# The apps' metrics for scripts/bench (sourced; uses its bench_json, jq_, log,
# $work, $REPO_DIR): the router's request metrics on against off
# (bench/reqmetrics.ts) and the controller's metrics store over 7 days
# (bench/metricsstore.ts). Neither needs the bench platform: `--only
# reqmetrics` and `--only metricsstore` build the code and run without it;
# the full run runs them beside it (reqmetrics ~100 s, metricsstore at 100
# apps ~10 s; at 1,000 apps, ~2 min, only with --only).

REQMETRICS_DURATION=4 REQMETRICS_WARMUP=1 REQMETRICS_ROUNDS=6
REQMETRICS_ARGS=(--concurrency 16 --duration "$REQMETRICS_DURATION" --warmup "$REQMETRICS_WARMUP" --rounds "$REQMETRICS_ROUNDS")
METRICSSTORE_APPS_FULL=${PAAS_BENCH_METRICS_APPS:-1000}

# reqmetrics_run : bench/reqmetrics.ts into $work/reqmetrics.json.
reqmetrics_run() {
  REQMETRICS_STARTED=$(date +%s)
  bench_json reqmetrics node "$REPO_DIR/dist/bench/reqmetrics.js" "${REQMETRICS_ARGS[@]}"
  REQMETRICS_SECONDS=$(($(date +%s) - REQMETRICS_STARTED))
}

# reqmetrics_section : its markdown (after reqmetrics_run).
reqmetrics_section() {
  local f=$work/reqmetrics.json rev t
  rev=$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo '?')
  row() {
    t=$1
    echo "| $2 | $(jq_ "$f" "${t}_rps") | $(jq_ "$f" "${t}_rps_round_median") | $(jq_ "$f" "${t}_p50_ms") / $(jq_ "$f" "${t}_p99_ms") ms | $3 | $(jq_ "$f" "${t}_requests") | $(jq_ "$f" "${t}_failed") |"
  }
  cat <<EOT
## Request metrics: their cost in the router

\`scripts/bench --only reqmetrics\` (also in the full run) at $rev, ${REQMETRICS_SECONDS:-?} s:
\`node dist/bench/reqmetrics.js ${REQMETRICS_ARGS[*]}\`. Two nginx from the
router's own config (services/router/render.ts, 2 workers), one with the
request metrics (services/router/luametrics.ts) on and one with them off
(PAAS_ROUTER_REQUEST_METRICS=off), the same bare Node http server behind
both; the floor: that server asked directly. wrk (one thread, 16 kept-alive
connections) takes turns between the three, a $REQMETRICS_WARMUP s warm-up then $REQMETRICS_DURATION s measured,
the order reversed each round ($REQMETRICS_ROUNDS rounds), so drift on this shared 2-core
machine hits them alike. Latency: the median of the rounds' p50 and p99.
nginx's CPU per request: its workers' user + system time over the measured
runs (/proc/<pid>/stat) over the requests, the figure a noisy machine moves
least.

| target | req/s | req/s, median of the rounds | p50 / p99 | nginx CPU per request | requests | failed |
| --- | --- | --- | --- | --- | --- | --- |
$(row on "router, request metrics on" "$(jq_ "$f" on_nginx_cpu_us_per_request) µs")
$(row off "router, request metrics off" "$(jq_ "$f" off_nginx_cpu_us_per_request) µs")
$(row direct "floor: the app directly" "–")

Throughput with the metrics on / off: **$(jq_ "$f" throughput_ratio)** (medians of the rounds:
$(jq_ "$f" round_median_ratio)); against the app directly, on $(jq_ "$f" on_direct_ratio) and off
$(jq_ "$f" off_direct_ratio). nginx's CPU per request with the metrics on less off, each
round's pair (run side by side): **$(jq_ "$f" cpu_us_diff_round_median) µs** at the median, on higher in
$(jq_ "$f" cpu_on_higher_rounds) of $REQMETRICS_ROUNDS rounds. The metrics counted $(jq_ "$f" on_counted) requests of the
$(jq_ "$f" on_answered) wrk got answered from the nginx with them on, warm-ups included (wrk
leaves those in flight at its end out of its count: up to 16 a run).
EOT
}

# metricsstore_run APPS : bench/metricsstore.ts for APPS apps into $work/metricsstore-APPS.json.
metricsstore_run() {
  local started
  started=$(date +%s)
  bench_json "metricsstore-$1" node --expose-gc "$REPO_DIR/dist/bench/metricsstore.js" --apps "$1" --days 7 --dynos 2
  printf -v "METRICSSTORE_SECONDS_$1" %s $(($(date +%s) - started))
}

# metricsstore_table APPS... : the measures of those runs ($work/metricsstore-APPS.json), a column each.
metricsstore_table() {
  local n files=()
  for n in "$@"; do files+=("$work/metricsstore-$n.json"); done
  node -e '
    const fs = require("fs");
    const runs = process.argv.slice(1).map((f) => JSON.parse(fs.readFileSync(f, "utf8")));
    const rows = [
      ["apps with no traffic (memory samples only)", (o) => o.idle_apps],
      ["samples sent (JSON posts of up to 250)", (o) => `${o.samples} (${o.posts} posts, ${o.posted_mb} MiB)`],
      ["the controller’s side: parse, check, add", (o) => `${o.ingest_s} s (${o.ingest_us_per_sample} µs a sample, ${o.ingest_ms_per_minute} ms a live minute)`],
      ["heap, floor: an empty store", (o) => `${o.heap_floor_mb} MiB`],
      ["heap with the 7 days held", (o) => `${o.heap_mb} MiB`],
      ["the store (above the floor)", (o) => `**${o.store_mb} MiB** (${o.store_kib_per_app} KiB an app)`],
      ["heap once the store is dropped (back to the floor?)", (o) => `${o.heap_dropped_mb} MiB`],
      ["`$STATE/metrics/series.json`", (o) => `**${o.file_mb} MiB** (${o.file_kib_per_app} KiB an app)`],
      ["one save (every 60 s while samples come)", (o) => `${o.save_ms} ms (the event loop held ${o.save_stall_ms} ms)`],
      ["the file read back (a restart)", (o) => `${o.read_back_ms} ms (the event loop held ${o.read_back_stall_ms} ms), ${o.read_back_store_mb} MiB of heap`],
      ...["1h", "24h", "7d"].map((r) => [`GET /apps/<app>/metrics?range=${r}, p50 / p99 (answer)`, (o) => `${o[`query_${r}_p50_ms`]} / ${o[`query_${r}_p99_ms`]} ms (${o[`query_${r}_kib`]} KiB)`]),
      ["every view sums to what was sent, read back too", (o) => (o.sums_match ? "yes" : "**no**")],
      ["peak RSS of the bench process", (o) => `${o.max_rss_mb} MiB`],
    ];
    console.log(`| measure | ${runs.map((o) => `${o.apps} apps`).join(" | ")} |`);
    console.log(`| --- |${runs.map(() => " --- |").join("")}`);
    for (const [label, f] of rows) console.log(`| ${label} | ${runs.map(f).join(" | ")} |`);
  ' "${files[@]}"
}

# metricsstore_section : the 100-apps section (after metricsstore_run 100).
metricsstore_section() {
  local rev
  rev=$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo '?')
  cat <<EOT
## The metrics store: 100 apps over 7 days

\`scripts/bench --only metricsstore\` (the 100 apps also in the full run) at $rev,
${METRICSSTORE_SECONDS_100:-?} s: \`node --expose-gc dist/bench/metricsstore.js --apps 100 --days 7 --dynos 2\`.
The controller's MetricsStore (services/controller/metrics/store.ts: per app
rings of 1 min × 120, 10 min × 144, 1 h × 168, core/metricseries.ts) fed 7
simulated days minute by minute as the platform feeds it: the router sends
each app it served that minute (ok, failed, the 12 latency buckets; a quarter
of the apps have no traffic and are left out, as services/router/minutes.ts
does), the agent each app's 2 dynos' memory (services/agent/metrics/minutes.ts),
in JSON bodies of 250 (core/metricpost.ts); the controller's side is what
POST /internal/metrics does with one: parse, check every sample, add them.
Traffic: 2 to 5,000 requests a minute at peak per app (log-uniform), a daily
cycle, up to 2% failed. Heap: \`process.memoryUsage().heapUsed\` after
\`global.gc()\`; the floor is the same process with an empty store. Then the
store's save (the file, and how long its synchronous \`JSON.stringify\` holds
the event loop: \`monitorEventLoopDelay\`), the file read back as at a restart,
and each range's view of every app (the view and its JSON, as the API answers).

$(metricsstore_table 100)
EOT
}

# metricsstore_large_section : the larger run's section (after metricsstore_run $METRICSSTORE_APPS_FULL).
metricsstore_large_section() {
  local rev n=$METRICSSTORE_APPS_FULL s
  rev=$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo '?')
  s=METRICSSTORE_SECONDS_$n
  cat <<EOT
## The metrics store: $n apps over 7 days

\`scripts/bench --only metricsstore\` (not in the full run: it takes ${!s:-?} s) at $rev:
the same with \`--apps $n\`, beside the 100 apps of the same run.

$(metricsstore_table 100 "$n")
EOT
}

# metrics_only NAME : `--only reqmetrics` or `--only metricsstore`: no platform; builds the code
# (node_modules as they are), measures, writes its sections.
metrics_only() {
  log "npm run build"
  (cd "$REPO_DIR" && npm run --silent build >&2)
  case $1 in
  reqmetrics)
    reqmetrics_run
    doc_section reqmetrics "$(reqmetrics_section)"
    ;;
  metricsstore)
    metricsstore_run 100
    metricsstore_run "$METRICSSTORE_APPS_FULL"
    doc_section metricsstore "$(metricsstore_section)"
    doc_section metricsstore-large "$(metricsstore_large_section)"
    ;;
  esac
}
