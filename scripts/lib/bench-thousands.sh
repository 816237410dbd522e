# shellcheck shell=bash
# The 10,000-app run for `scripts/bench --only density` (sourced; uses its
# paas, bench_json, log, die, $work, $REPO_DIR and $PAAS_* settings).

# fleet_source NAME : deploys test/fixtures/apps/env-echo as app NAME (the
# build bench/thousands.ts and bench/storm.ts promote).
fleet_source() {
  local src=$work/$1
  cp -r "$REPO_DIR/test/fixtures/apps/env-echo" "$src"
  git -C "$src" init -q -b main && git -C "$src" add . && git -C "$src" commit -qm first
  (cd "$src" && paas apps:create "$1" >/dev/null)
  git -C "$src" push -q paas main >"$work/push-$1.log" 2>&1 || { cat "$work/push-$1.log" >&2; die "push of $1 failed"; }
}

# thousands_run : deploys test/fixtures/apps/env-echo (a Node server that
# answers its GREETING), then bench/thousands.ts promotes its build to
# PAAS_BENCH_APPS (10000) apps born asleep and wakes 200 of them.
thousands_run() {
  fleet_source thousands-src
  THOUSANDS_STARTED=$(date +%s)
  bench_json thousands env PAAS_STATE_DIR="$PAAS_STATE_DIR" node "$REPO_DIR/dist/bench/thousands.js" \
    --source thousands-src --router "http://127.0.0.1:$PAAS_HTTP_PORT" --apps "${PAAS_BENCH_APPS:-10000}" \
    --wake "${PAAS_BENCH_WAKES:-200}" --cli "$REPO_DIR/dist/cli/main.js"
  THOUSANDS_SECONDS=$(($(date +%s) - THOUSANDS_STARTED))
}

# thousands_section : its markdown (after thousands_run).
thousands_section() {
  local f=$work/thousands.json n=${PAAS_BENCH_APPS:-10000} rev shown
  rev=$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo '?')
  shown=$(echo "$n" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta') # 10,000
  cat <<EOT
## $shown apps on one machine

\`PAAS_BENCH_APPS=${PAAS_BENCH_APPS:-10000} scripts/bench --only density\` (bench/thousands.ts, at $rev, ${THOUSANDS_SECONDS:-?} s in all): one build
(\`test/fixtures/apps/env-echo\`) promoted through the API to $shown new apps, each
asked to sleep before its release so that it is born asleep (no container is
started for it), 8 at a time; platform memory is the RSS of the supervised
platform processes, etcd and nginx (the Docker engine apart).

| measure | value |
| --- | --- |
| set up 1,000 / $shown apps | $(jq_ "$f" setup_1000_s) s / $(jq_ "$f" "setup_${n}_s") s |
| platform memory, 0 / 1,000 / $shown apps | $(jq_ "$f" memory_before_mb) / $(jq_ "$f" memory_1000_apps_mb) / $(jq_ "$f" "memory_${n}_apps_mb") MiB |
| apps whose route says sleeping | $(jq_ "$f" apps_sleeping) |
| \`GET /apps\` / \`paas apps\` / \`paas apps:info\` at $shown apps | $(jq_ "$f" api_apps_list_ms) / $(jq_ "$f" paas_apps_ms) / $(jq_ "$f" paas_apps_info_ms) ms |
| first request to one of them at random (200, one after the other; no container created ahead), p50 / p95 / p99 | $(jq_ "$f" wake_p50_ms) / $(jq_ "$f" wake_p95_ms) / $(jq_ "$f" wake_p99_ms) ms ($(jq_ "$f" wake_failed) failed) |
| \`config:set\` on one of them until it serves the new value | $(jq_ "$f" config_set_serving_ms) ms |
EOT
}
