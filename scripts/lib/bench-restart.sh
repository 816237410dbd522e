# shellcheck shell=bash
# The restart benchmark of scripts/bench (sourced; uses its log, die, ms_now,
# $work, $PAAS_STATE_DIR and $PAAS_API_URL).

# Supervision: kill -9 each platform process; until its supervisor runs a new
# one (its pid file names a live process), and for the controller's process
# until /healthz answers again. The services' processes: one "platform"
# (PAAS_PROCESSES=one) or one each, the controller's first. Into
# $work/restart.json.
restart_run() {
  local name t0 old service_procs
  log "restart benchmark"
  if [ -d "$PAAS_STATE_DIR/supervise/platform" ]; then
    service_procs=(platform)
  else
    service_procs=(controller builder scheduler agent router dashboard)
  fi
  restart_ms() {
    local name=$1 file old t0 pid
    file=$PAAS_STATE_DIR/supervise/$name/pid
    [ "$name" = nginx ] && file=$PAAS_STATE_DIR/nginx/nginx.pid
    old=$(cat "$file")
    t0=$(ms_now)
    kill -9 "$old"
    while :; do
      pid=$(cat "$file" 2>/dev/null || true)
      [ -n "$pid" ] && [ "$pid" != "$old" ] && kill -0 "$pid" 2>/dev/null && break
      [ $(($(ms_now) - t0)) -gt 30000 ] && die "$name did not come back within 30 s"
      sleep 0.02
    done
    echo $(($(ms_now) - t0))
  }
  {
    echo "{"
    for name in "${service_procs[@]}" etcd nginx; do
      echo "\"${name}_back_ms\": $(restart_ms "$name"),"
      sleep 12 # past the backoff's 10 s window, and the service settled
    done
    t0=$(ms_now)
    old=$(cat "$PAAS_STATE_DIR/supervise/${service_procs[0]}/pid")
    kill -9 "$old"
    until curl -fsS -o /dev/null --max-time 1 "$PAAS_API_URL/healthz"; do sleep 0.02; done
    echo "\"controller_answering_ms\": $(($(ms_now) - t0))"
    echo "}"
  } >"$work/restart.json"
}
