# shellcheck shell=bash
# The wake storm for `scripts/bench --only storm` (sourced; uses its
# fleet_source, bench_json, jq_, $work, $REPO_DIR and $PAAS_* settings).

# storm_run : deploys test/fixtures/apps/env-echo, then bench/storm.ts
# promotes its build to PAAS_BENCH_STORM_APPS (1000) apps born asleep and
# sends one request to each of them at the same moment.
storm_run() {
  fleet_source storm-src
  STORM_STARTED=$(date +%s)
  bench_json storm env PAAS_STATE_DIR="$PAAS_STATE_DIR" node "$REPO_DIR/dist/bench/storm.js" \
    --source storm-src --router "http://127.0.0.1:$PAAS_HTTP_PORT" --apps "${PAAS_BENCH_STORM_APPS:-1000}"
  STORM_SECONDS=$(($(date +%s) - STORM_STARTED))
}

# storm_section : its markdown (after storm_run).
storm_section() {
  local f=$work/storm.json n=${PAAS_BENCH_STORM_APPS:-1000} rev
  rev=$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo '?')
  cat <<EOT
## A wake storm: $n sleeping apps hit at once

\`scripts/bench --only storm\` (bench/storm.ts, at $rev, ${STORM_SECONDS:-?} s in all): one build
(\`test/fixtures/apps/env-echo\`, default size standard-1x) promoted to $n apps
born asleep, then one request to each of them at the same moment, through the
router (PAAS_ROUTER_WAKE_TIMEOUT 30 s). Meanwhile the awake source app (through
the router) and the API (\`GET /apps/<app>\`) are asked every 100 ms, and the
platform's memory (its processes, etcd and nginx) and the host's available
memory are sampled every second. Goal: the host takes the wakes it has room
for, the others get a 503 with Retry-After at the hold timeout (never a reset
or a 502), and the rest of the platform keeps answering.

| measure | value |
| --- | --- |
| answers: served (200) / 503 (with Retry-After) / other | $(jq_ "$f" storm_served) / $(jq_ "$f" storm_503) ($(jq_ "$f" storm_503_with_retry_after)) / $(jq_ "$f" storm_other) |
| served: p50 / p99 / max | $(jq_ "$f" storm_served_p50_ms) / $(jq_ "$f" storm_served_p99_ms) / $(jq_ "$f" storm_served_max_ms) ms |
| 503s: p50 | $(jq_ "$f" storm_503_p50_ms) ms |
| the storm, first request to last answer | $(jq_ "$f" storm_s) s |
| awake app meanwhile: requests, failed, p50 / p99 / max | $(jq_ "$f" probe_app_requests), $(jq_ "$f" probe_app_failed), $(jq_ "$f" probe_app_p50_ms) / $(jq_ "$f" probe_app_p99_ms) / $(jq_ "$f" probe_app_max_ms) ms |
| API meanwhile: requests, failed, p50 / p99 / max | $(jq_ "$f" probe_api_requests), $(jq_ "$f" probe_api_failed), $(jq_ "$f" probe_api_p50_ms) / $(jq_ "$f" probe_api_p99_ms) / $(jq_ "$f" probe_api_max_ms) ms |
| platform memory before / peak | $(jq_ "$f" memory_before_mb) / $(jq_ "$f" memory_peak_mb) MiB |
| host memory available before / lowest | $(jq_ "$f" host_available_before_mb) / $(jq_ "$f" host_available_min_mb) MiB |
| containers placed after (their limits) | $(jq_ "$f" containers_after) ($(jq_ "$f" allocated_memory_after_mb) MB) |
| set up $n apps | $(jq_ "$f" setup_s) s |
EOT
}
