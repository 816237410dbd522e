# shellcheck shell=bash
# Density and control-plane scaling for scripts/bench (sourced; uses its
# paas, ms_now, log, die, $work and $PAAS_* settings).

# rss_of PID... : the summed resident memory of the PIDs, in MiB.
rss_of() {
  local kb=0 pid v
  for pid in "$@"; do
    v=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    kb=$((kb + ${v:-0}))
  done
  echo $((kb / 1024))
}

# pids_of_pidfile FILE : the pid in FILE and its children (nginx's workers).
pids_of_pidfile() {
  local pid
  [ -s "$1" ] || return 0
  pid=$(tr -dc 0-9 <"$1")
  kill -0 "$pid" 2>/dev/null || return 0
  echo "$pid"
  pgrep -P "$pid" || true
}

# platform_rss_mb : RSS of the platform's own processes: the six services
# (one "platform" process or one each, PAAS_PROCESSES), etcd and nginx
# (master and workers), in MiB. The Docker engine is apart (engine_rss_mb): a
# host runs it whatever runs on it.
platform_rss_mb() {
  local s pids=()
  for s in platform controller builder scheduler agent router dashboard etcd; do
    mapfile -t -O "${#pids[@]}" pids < <(pids_of_pidfile "$PAAS_STATE_DIR/supervise/$s/pid")
  done
  mapfile -t -O "${#pids[@]}" pids < <(pids_of_pidfile "$PAAS_STATE_DIR/nginx/nginx.pid")
  rss_of "${pids[@]}"
}
engine_rss_mb() { rss_of $(pgrep -x dockerd) $(pgrep -x containerd); }

# app_containers_mb : memory used by the cluster's app containers (docker stats), in MiB.
app_containers_mb() {
  local ids
  ids=$(docker ps -q --filter "label=paas.cluster=$PAAS_CLUSTER")
  [ -n "$ids" ] || { echo 0; return; }
  # shellcheck disable=SC2086
  docker stats --no-stream --format '{{.MemUsage}}' $ids | awk '{
    v = $1; u = v; sub(/[0-9.]+/, "", u); sub(/[A-Za-z]+$/, "", v)
    f = (u == "GiB") ? 1024 : (u == "MiB") ? 1 : (u == "KiB") ? 1 / 1024 : 1 / 1048576
    sum += v * f
  } END {printf "%d", sum}'
}

# answer APP : the body of http://APP.localhost/ through the router.
answer() { curl -s -m 5 -H "Host: $1.localhost" "http://127.0.0.1:$PAAS_HTTP_PORT/" || true; }

# wait_answer APP TEXT : polls until APP answers TEXT; prints the ms waited.
wait_answer() {
  local start deadline body
  start=$(ms_now)
  deadline=$((start + 120000))
  while body=$(answer "$1"); [ "$body" != "$2" ]; do
    [ "$(ms_now)" -lt "$deadline" ] || die "$1 never answered '$2' (last: '$body')"
    sleep 0.05
  done
  echo $(($(ms_now) - start))
}

# timed_ms CMD... : runs CMD (output dropped); prints its milliseconds.
timed_ms() {
  local start
  start=$(ms_now)
  "$@" >/dev/null 2>"$work/timed.err" || { cat "$work/timed.err" >&2; die "$* failed"; }
  echo $(($(ms_now) - start))
}

# density_app NAME : creates NAME (web=1:eco) from test/fixtures/apps/env-echo and pushes it.
density_app() {
  local name=$1 dir=$work/density/$1
  mkdir -p "$work/density"
  cp -r "$REPO_DIR/test/fixtures/apps/env-echo" "$dir"
  git -C "$dir" init -q -b main && git -C "$dir" add . && git -C "$dir" commit -qm first
  (cd "$dir" && paas apps:create "$name" >/dev/null && paas ps:scale web=1:eco -a "$name" >/dev/null)
  git -C "$dir" push -q paas main >"$dir.push.log" 2>&1 || { cat "$dir.push.log" >&2; die "push of $name failed"; }
}

# control_plane_timings N : `paas apps` and `config:set` (to the new value
# answering) with N apps deployed; appends a table row to $work/density-rows.
control_plane_timings() {
  local n=$1 apps_ms set_ms serve_ms value
  apps_ms=$(timed_ms paas apps)
  value="v$n-$RANDOM"
  set_ms=$(timed_ms paas config:set "GREETING=$value" -a density-001)
  serve_ms=$(wait_answer density-001 "$value")
  echo "| $n | $apps_ms ms | $set_ms ms | $((set_ms + serve_ms)) ms |" >>"$work/density-rows"
  log "density: $n apps: paas apps ${apps_ms} ms, config:set ${set_ms} ms, to serving $((set_ms + serve_ms)) ms"
}

# density_run N : deploys N small apps two at a time (the builder's default
# parallelism), timing the control plane at 1, 10 and N apps and measuring
# the platform's memory idle and at 50 apps. Sets DENSITY_* for the report.
density_run() {
  local n=$1 i j name
  : >"$work/density-rows"
  DENSITY_IDLE_MB=$(platform_rss_mb)
  DENSITY_START=$(ms_now)
  for ((i = 1; i <= n; i += 2)); do
    for ((j = i; j < i + 2 && j <= n; j++)); do
      density_app "$(printf 'density-%03d' "$j")" &
    done
    wait
    for ((j = i; j < i + 2 && j <= n; j++)); do
      case $j in 1 | 10 | "$n") control_plane_timings "$j" ;; esac
      [ "$j" -eq 50 ] && DENSITY_50_MB=$(platform_rss_mb)
    done
  done
  DENSITY_DEPLOY_S=$((($(ms_now) - DENSITY_START) / 1000))
  DENSITY_ANSWERING=0
  for ((i = 1; i <= n; i++)); do
    name=$(printf 'density-%03d' "$i")
    body=$(answer "$name")
    case $body in hello | v*) DENSITY_ANSWERING=$((DENSITY_ANSWERING + 1)) ;; *) warn "$name answers '$body'" ;; esac
  done
  sleep 5 # let usage settle after the last start
  DENSITY_APPS_MB=$(app_containers_mb)
  DENSITY_FULL_MB=$(platform_rss_mb)
  DENSITY_ENGINE_MB=$(engine_rss_mb)
  log "density: $DENSITY_ANSWERING of $n apps answer; apps use $DENSITY_APPS_MB MiB, platform $DENSITY_FULL_MB MiB (idle $DENSITY_IDLE_MB), engine $DENSITY_ENGINE_MB MiB"
}
