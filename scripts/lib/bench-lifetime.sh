# shellcheck shell=bash
# Lifetime replacement under load for scripts/bench (sourced; uses its paas,
# new_app, push_until, bench_json, jq_, $work, $REPO_DIR and $PAAS_* settings).

# lifetime_run : deploys the Express fixture with web=2, then
# bench/lifetime.ts: kept-alive load through the router while `paas
# ps:lifetime 1m` makes both dynos reach their lifetime and be replaced
# blue-green, one at a time, until both successors are up (and drained after).
lifetime_run() {
  local dir
  dir=$(new_app lifetime-app)
  push_until "$dir" lifetime-app "hello v1" >/dev/null
  paas ps:scale web=2 -a lifetime-app >/dev/null
  LIFETIME_STARTED=$(date +%s)
  bench_json lifetime node "$REPO_DIR/dist/bench/lifetime.js" --url "http://127.0.0.1:$PAAS_HTTP_PORT/" \
    --host lifetime-app.localhost --app lifetime-app --dynos 2 --concurrency "${PAAS_BENCH_LIFETIME_CONCURRENCY:-4}" \
    --lifetime-cmd "node $REPO_DIR/dist/cli/main.js ps:lifetime 1m -a lifetime-app" --settle 10 --timeout 600
  LIFETIME_SECONDS=$(($(date +%s) - LIFETIME_STARTED))
}

# lifetime_section : the markdown of the lifetime benchmark (after lifetime_run).
lifetime_section() {
  local f=$work/lifetime.json
  cat <<EOF
## Lifetime replacement under load

\`node dist/bench/lifetime.js --url http://127.0.0.1:$PAAS_HTTP_PORT/ --host lifetime-app.localhost --app lifetime-app --dynos 2 --concurrency ${PAAS_BENCH_LIFETIME_CONCURRENCY:-4} --lifetime-cmd 'paas ps:lifetime 1m -a lifetime-app' --settle 10\`
(${LIFETIME_SECONDS:-?} s): the Express fixture (\`test/fixtures/express-hello\`)
at web=2 under kept-alive load through the router
($(jq_ "$f" concurrency) connections); \`paas ps:lifetime 1m\` is set once the
load runs, and the load goes on until both dynos have been replaced
blue-green (one at a time: the successor \`<id>.c1\` up and routed before the
old one is drained) and 10 s after. Goal: zero failed requests.

| requests | failed (non-2xx, resets, timeouts) | latency p50 / p99 (max) | both replaced, successors up after | timed out |
| --- | --- | --- | --- | --- |
| $(jq_ "$f" requests) ($(jq_ "$f" requests_per_s)/s over $(jq_ "$f" load_s) s) | $(jq_ "$f" failed) $(jq_ "$f" failures) | $(jq_ "$f" latency_p50_ms) / $(jq_ "$f" latency_p99_ms) ms ($(jq_ "$f" latency_max_ms)) | $(jq_ "$f" all_cycled_s) s | $(jq_ "$f" timed_out) |

| dyno | replaced by | successor created / up (s after the lifetime was set) | successor starting to up |
| --- | --- | --- | --- |
| web.1 | \`$(jq_ "$f" web_1_old)\` → \`$(jq_ "$f" web_1_new)\` | $(jq_ "$f" web_1_successor_at_s) / $(jq_ "$f" web_1_up_at_s) | $(jq_ "$f" web_1_successor_up_ms) ms |
| web.2 | \`$(jq_ "$f" web_2_old)\` → \`$(jq_ "$f" web_2_new)\` | $(jq_ "$f" web_2_successor_at_s) / $(jq_ "$f" web_2_up_at_s) | $(jq_ "$f" web_2_successor_up_ms) ms |
EOF
}
