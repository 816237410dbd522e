# shellcheck shell=bash
# The dashboard's page loads in Chromium for scripts/bench (sourced; uses its
# paas, new_app, push_until, bench_json, jq_, log, die, $work, $REPO_DIR and
# $PAAS_* settings).

# dashboard_run : deploys the Express fixture, makes a token for the login
# form, then bench/dashboard.ts: the cold first load of the login page, login
# to the apps list, the app page (warm cache) and its metrics tab, in
# Chromium through the router, beside its floors.
dashboard_run() {
  local dir token
  command -v "${PAAS_CHROMIUM:-/usr/bin/chromium}" >/dev/null \
    || { log "installing chromium"; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2; }
  dir=$(new_app dash-app)
  push_until "$dir" dash-app "hello v1" >/dev/null
  token=$(paas tokens:create --description "bench dashboard" --json | node -e 'console.log(JSON.parse(require("fs").readFileSync(0, "utf8")).token)')
  [ -n "$token" ] || die "no token from paas tokens:create"
  DASHBOARD_STARTED=$(date +%s)
  bench_json dashboard env BENCH_DASHBOARD_TOKEN="$token" node "$REPO_DIR/dist/bench/dashboard.js" \
    --base "http://dashboard.${PAAS_DOMAIN:-localhost}:$PAAS_HTTP_PORT" --api "http://127.0.0.1:$PAAS_API_PORT" \
    --app dash-app --app-host "dash-app.${PAAS_DOMAIN:-localhost}" --runs "${PAAS_BENCH_DASHBOARD_RUNS:-10}"
  DASHBOARD_SECONDS=$(($(date +%s) - DASHBOARD_STARTED))
}

# kb FILE KEY : a byte count of FILE in KiB, one decimal.
kb() { awk -v b="$(jq_ "$1" "$2")" 'BEGIN {if (b == "n/a") print "n/a"; else printf "%.1f KiB", b / 1024}'; }

# dashboard_section : the markdown of the dashboard benchmark (after dashboard_run).
dashboard_section() {
  local f=$work/dashboard.json rev
  rev=$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo '?')
  p() { echo "$(jq_ "$f" "${1}_p50_ms") / $(jq_ "$f" "${1}_p95_ms") ms"; }
  cat <<EOF
## Dashboard page loads

\`scripts/bench${ONLY:+ --only $ONLY}\` at $rev: \`node dist/bench/dashboard.js --base http://dashboard.${PAAS_DOMAIN:-localhost}:$PAAS_HTTP_PORT --api http://127.0.0.1:$PAAS_API_PORT --app dash-app --app-host dash-app.${PAAS_DOMAIN:-localhost} --runs $(jq_ "$f" runs)\`
(${DASHBOARD_SECONDS:-?} s, $(jq_ "$f" metrics_waited_s) s of it waiting for the
app's metrics): Chromium $(jq_ "$f" chromium) (Debian's, headless, driven by
playwright-core) through the router at \`dashboard.<domain>\`, the UI as
\`npm run build\` bundles it. The times are the page's own clock from its
navigation start; "painted" is the first animation frame after the element
is in the document and laid out. A run of 1 and 2 is a new browser context
(no cache, no connection, no cookie); 3 is a navigation to
\`/apps/dash-app\` in a context that has loaded it once (cache and
connection warm), then a click on its Metrics tab. The app is the Express
fixture (\`test/fixtures/express-hello\`), sent $(jq_ "$f" requests) requests
first (so that its metrics tab has data); the apps list shows $(jq_ "$f" apps_listed) app(s).
Median / p95 of $(jq_ "$f" runs) runs.

| measure | median / p95 | floor in the same run |
| --- | --- | --- |
| 1. login page, cold: navigation start → load event | $(p first_load_event) | a new context navigating to the dashboard's \`GET /healthz\` → load event: $(p floor_healthz_load) |
| 1. login page, cold: navigation start → login form painted | $(p first_load_login_form) | the same files fetched again by a page, uncached, no parsing: $(p floor_refetch_first_load_files) |
| 2. login submitted → apps list painted | $(p login_to_apps_list) | Node, \`GET /api/apps\` through the router and the dashboard (cookie, kept alive): $(p node_api_apps_via_dashboard); the API directly: $(p node_api_apps_direct) |
| 3. app page, warm cache: navigation start → load event | $(p app_page_load_event) | |
| 3. app page, warm cache: navigation start → dynos table painted | $(p app_page_dynos) | Node through the dashboard, \`GET /api/apps/dash-app/dynos\`: $(p node_api_app_dynos_via_dashboard); \`.../formation\`: $(p node_api_app_formation_via_dashboard) |
| 3. Metrics tab clicked → its 3 charts painted | $(p metrics_tab_charts) | Node, \`GET /api/apps/dash-app/metrics?range=1h\` through the dashboard: $(p node_api_metrics_via_dashboard); the API directly: $(p node_api_metrics_direct) |

The first load transferred $(kb "$f" first_load_total_bytes): HTML $(kb "$f" first_load_html_bytes),
JS $(kb "$f" first_load_js_bytes), CSS $(kb "$f" first_load_css_bytes), the dashboard's JSON
(\`GET /session\`: 401 before login) $(kb "$f" first_load_api_bytes) (headers included; the
bodies, uncompressed: HTML $(kb "$f" first_load_html_body_bytes), JS $(kb "$f" first_load_js_body_bytes),
CSS $(kb "$f" first_load_css_body_bytes)). Files: \`$(jq_ "$f" first_load_files)\`. The app
page's API calls (first run, in the browser): $(jq_ "$f" app_page_api_calls).
Script or console errors in the pages: $(jq_ "$f" problems).
EOF
}
