# shellcheck shell=bash
# Faults to survive for `scripts/bench --only faults` (sourced; uses its paas,
# new_app, push_until, bench_json, log, $work, $SCRIPTS, $REPO_DIR and $PAAS_*
# settings). The bench platform is brought up with scripts/up --ha for it.

# faults_run : two hosts of scripts/hosts (tag pool=faults, so the app's dynos
# run there and nowhere else), the Express fixture pushed to an app of that
# pool at web=2, then bench/faults.ts: each fault under kept-alive load.
# The hosts are removed at the end. The section's markdown is also written
# to $PAAS_BENCH_FAULTS_MD (default /tmp/paas-bench-faults.md). PAAS_BENCH_FAULTS_ONLY=key,...
# runs only those faults (bench/faults.ts --only: none, etcd-leader, etcd-follower, scheduler, controller,
# builder, router, partition, partition-agent, host).
faults_run() {
  local dir api_urls
  [ -d "$PAAS_STATE_DIR/supervise/controller-2" ] || die "the faults benchmark needs the HA platform (scripts/up --ha)"
  api_urls=$(sed -n "s/^PAAS_API_URL='\{0,1\}\([^']*\)'\{0,1\}$/\1/p" "$PAAS_STATE_DIR/paas.env")
  [[ $api_urls == *,* ]] || die "paas.env's PAAS_API_URL names one controller ($api_urls): not an HA platform"
  export PAAS_API_URL=$api_urls
  log "faults: two hosts (pool=faults)"
  "$SCRIPTS/hosts" up 2 --tags pool=faults >&2
  dir=$(new_app faults-app)
  paas apps:pool faults-app pool=faults >/dev/null
  push_until "$dir" faults-app "hello v1" >/dev/null
  paas ps:scale web=2 -a faults-app >/dev/null
  FAULTS_STARTED=$(date +%s)
  log "faults benchmark"
  local rc=0
  env PAAS_CLI="$REPO_DIR/dist/cli/main.js" node "$REPO_DIR/dist/bench/faults.js" \
    --app faults-app --url "http://127.0.0.1:$PAAS_HTTP_PORT/" --host faults-app.localhost \
    --state-dir "$PAAS_STATE_DIR" --scripts "$SCRIPTS" --git-dir "$dir" \
    --concurrency "${PAAS_BENCH_FAULTS_CONCURRENCY:-4}" --window 20 --limit 90 --partition 30 \
    ${PAAS_BENCH_FAULTS_ONLY:+--only "$PAAS_BENCH_FAULTS_ONLY"} --markdown "$work/faults-table.md" >"$work/faults.json" || rc=$?
  FAULTS_SECONDS=$(($(date +%s) - FAULTS_STARTED))
  faults_remove_rules
  [ "$rc" = 0 ] || die "the faults benchmark failed"
  "$SCRIPTS/hosts" down >&2 || warn "scripts/hosts down failed"
  faults_section >"${PAAS_BENCH_FAULTS_MD:-/tmp/paas-bench-faults.md}"
}

# faults_remove_rules : the OUTPUT rules a partition left (bench/faultskinds.ts PARTITION_COMMENT), gone.
faults_remove_rules() {
  local rule
  { iptables -w 5 -S OUTPUT 2>/dev/null || true; } | { grep -E -- '--comment "?paas-bench-faults"? ' || true; } |
    sed 's/^-A /-D /' | while read -r rule; do
    eval "iptables -w 5 $rule" || warn "cannot remove the iptables rule: $rule"
  done
}

# faults_section : its markdown (after faults_run).
faults_section() {
  local rev topo="etcd ×3, controller ×2, scheduler ×2"
  rev=$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo '?')
  [ -d "$PAAS_STATE_DIR/supervise/builder-2" ] && topo+=", builder ×2"
  [ -d "$PAAS_STATE_DIR/supervise/router-2" ] && topo+=", router ×2"
  cat <<EOT
## Faults to survive

\`scripts/bench --only faults\` (bench/faults.ts, at $rev, ${FAULTS_SECONDS:-?} s in all): the
bench platform brought up with \`scripts/up --ha\` ($topo) and two hosts of
\`scripts/hosts up 2\` (tag pool=faults); the Express fixture at web=2 in that
pool, so one dyno on each host, under kept-alive load through the router
(${PAAS_BENCH_FAULTS_CONCURRENCY:-4} connections, 10 s timeout; the router's own connect timeout
is 5 s, then it tries the next peer). Each fault has a window of its own:
the load runs 2 s, the app's releases, config and builds are read, the fault
is done, then the CLI (PAAS_API_URL naming both controllers) reads the config
until it answers and sets a config var (tried again until accepted), that
release is awaited in the route with both dynos, the lost dynos (a host's) are
awaited up on the other host; the load runs 20 s after the fault at least, and
every wait ends 90 s after it (180 s for the builder's: its push tried again may
build cold on the other builder). Times are from the fault. The first row is the
floor: the same window with no fault. Goals: no failed request where the app
had a dyno elsewhere, lost dynos up elsewhere within 30 s, no release, config
var or build lost or duplicated; after a partition no dyno runs twice beyond
the drain, and the router does not list the unreachable host's dyno longer
than the agent's lease (10 s). The hosts' agents run in the machine's own
namespace (scripts/lib/hosts.sh), so a host's link cut alone leaves its agent
reaching etcd (a cut between the router and the host only); the second
partition also stops the agent (SIGSTOP) for as long, the host cut off whole.

$(cat "$work/faults-table.md")
EOT
}
