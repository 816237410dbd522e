# shellcheck shell=bash
# Supervision of the platform's own processes: each service (and etcd when
# scripts/up starts it) runs under a supervisor that starts it again when it
# exits or is killed. Where systemd is the init, each is a unit
# (Restart=always), the convention Debian users expect; where it is not (a
# container, this kind of machine), runit from Debian's packages: one runsvdir
# per state directory over $PAAS_STATE_DIR/runit/service. nginx is the
# router's child (services/router restarts it); the Docker engine, when
# scripts/up has to start it, gets the same treatment in a machine-wide place
# (it is shared, so scripts/down never stops it).
#
# The same two small scripts serve both supervisors, written per service by
# supervise_define: `run` (log to $PAAS_STATE_DIR/logs/<name>.log, the
# environment of paas.env, exec the process) and `finish` (a line saying how
# it ended, a restart count, and the backoff: a process that keeps exiting
# within 10 s of its start waits 1, 2, 4 ... 30 s before the next start; one
# that ran longer starts again at once). What they record is in
# $PAAS_STATE_DIR/supervise/<name>/ (pid, started, restarts, fast, last_exit),
# read by the controller's GET /status (`paas status`).
#
# Needs log.sh, procs.sh and settings.sh.

# supervisor : systemd when it is the init, else runit (PAAS_SUPERVISOR forces one).
supervisor() {
  case ${PAAS_SUPERVISOR:-} in
    systemd | runit) echo "$PAAS_SUPERVISOR" ;;
    "") if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then echo systemd; else echo runit; fi ;;
    *) die "PAAS_SUPERVISOR must be systemd or runit, not '$PAAS_SUPERVISOR'" ;;
  esac
}

# The unit name of a service of this platform (systemd).
unit_of() { echo "paas-$PAAS_CLUSTER-$1.service"; }

# supervise_define NAME ROOT LOGFILE ENVFILE CMD... : writes ROOT/sv/NAME/{run,finish}
# (ROOT: $PAAS_STATE_DIR/runit, or the engine's place) that run CMD with ENVFILE's
# environment ("" for none), output appended to LOGFILE; state in ROOT/../supervise/NAME.
supervise_define() {
  local name=$1 root=$2 logfile=$3 envfile=$4
  shift 4
  local dir=$root/sv/$name state cmd="" arg
  state=$(dirname "$root")/supervise/$name
  for arg in "$@"; do cmd+=" $(shell_quote "$arg")"; done
  mkdir -p "$dir" "$state" "$(dirname "$logfile")"
  supervisor >"$state/supervisor"
  {
    echo '#!/bin/sh'
    echo "# Written by $REPO_DIR/scripts/up: the platform's $name, supervised ($(supervisor))."
    echo "exec >>$(shell_quote "$logfile") 2>&1"
    echo "state=$(shell_quote "$state")"
    echo 'date -u +%s >"$state/started"'
    echo 'echo $$ >"$state/pid"'
    echo "echo \"--- \$(date -u +%FT%TZ): starting $name (supervised)\""
    if [ -n "$envfile" ]; then
      # Only paas.env's settings: none left from the shell that first started the supervisor.
      echo 'for v in $(env | sed -n "s/^\(PAAS_[A-Za-z0-9_]*\)=.*/\1/p"); do unset "$v"; done'
      echo "set -a; . $(shell_quote "$envfile"); set +a"
    fi
    echo "exec$cmd"
  } >"$dir/run.tmp.$$"
  {
    echo '#!/bin/sh'
    echo "# Written by $REPO_DIR/scripts/up: after $name ends. runit passes (exit code, -1 if killed;"
    echo "# signal); systemd sets EXIT_CODE (exited|killed|dumped) and EXIT_STATUS."
    echo "exec >>$(shell_quote "$logfile") 2>&1"
    echo "state=$(shell_quote "$state")"
    echo "name=$(shell_quote "$name")"
    cat <<'EOF'
code=${1:-}
sig=${2:-}
case ${EXIT_CODE:-} in
  exited) code=$EXIT_STATUS ;;
  killed | dumped) code=-1 sig=$EXIT_STATUS ;;
esac
if [ "$code" = -1 ]; then how="killed by signal $sig"; else how="exited with code $code"; fi
rm -f "$state/pid"
now=$(date -u +%s)
if [ -e "$state/stopping" ]; then
  echo "--- $(date -u +%FT%TZ): $name stopped ($how)"
  exit 0
fi
started=$(cat "$state/started" 2>/dev/null || echo 0)
fast=$(cat "$state/fast" 2>/dev/null || echo 0)
restarts=$(($(cat "$state/restarts" 2>/dev/null || echo 0) + 1))
if [ $((now - started)) -lt 10 ]; then fast=$((fast + 1)); else fast=0; fi
[ "$fast" -gt 6 ] && fast=6
delay=0
[ "$fast" -gt 0 ] && delay=$((1 << (fast - 1)))
[ "$delay" -gt 30 ] && delay=30
echo "$fast" >"$state/fast"
echo "$restarts" >"$state/restarts"
echo "$(date -u +%FT%TZ) $how; started again after ${delay}s" >"$state/last_exit"
echo "--- $(date -u +%FT%TZ): $name $how; the supervisor starts it again in ${delay}s (restart $restarts)"
sleep "$delay"
EOF
  } >"$dir/finish.tmp.$$"
  chmod 755 "$dir/run.tmp.$$" "$dir/finish.tmp.$$"
  mv "$dir/run.tmp.$$" "$dir/run"
  mv "$dir/finish.tmp.$$" "$dir/finish"
}

# runsvdir_running ROOT : the runsvdir over ROOT/service runs (pid in ROOT/runsvdir.pid).
runsvdir_running() { pid_alive "$1/runsvdir.pid" "runsvdir" >/dev/null; }

# ensure_runsvdir ROOT : starts runsvdir over ROOT/service unless it runs.
ensure_runsvdir() {
  local root=$1
  mkdir -p "$root/service"
  runsvdir_running "$root" && return 0
  # runsvdir's own output (a runsv that cannot start) goes to its log; -P: each runsv leads its group.
  start_bg runsvdir "$root/runsvdir.pid" "$root/runsvdir.log" runsvdir -P "$root/service"
}

# supervise_up NAME ROOT : starts (or restarts, to take a new run script or
# environment) the service and waits until the supervisor says it is up.
supervise_up() {
  local name=$1 root=$2 state
  state=$(dirname "$root")/supervise/$name
  case $(supervisor) in
    systemd)
      supervise_unit "$name" "$root"
      systemctl daemon-reload
      touch "$state/stopping"
      systemctl enable -q "$(unit_of "$name")"
      systemctl restart "$(unit_of "$name")"
      rm -f "$state/stopping" "$state/fast"
      ;;
    runit)
      ensure_runsvdir "$root"
      if [ -L "$root/service/$name" ] && [ -e "$root/sv/$name/supervise/ok" ]; then
        touch "$state/stopping"
        sv -w 30 restart "$root/service/$name" >/dev/null || warn "$name did not restart cleanly (sv restart)"
      else
        rm -f "$root/sv/$name/down"
        ln -sfn "$root/sv/$name" "$root/service/$name"
        # runsvdir looks at its directory every 5 s; wait for runsv to take it.
        wait_until 15 "runit to take $name" test -e "$root/sv/$name/supervise/ok" || die "runsvdir did not start $name"
        sv -w 15 up "$root/service/$name" >/dev/null || warn "$name is not up yet (sv up)"
      fi
      rm -f "$state/stopping" "$state/fast"
      ;;
  esac
  log "$name supervised ($(supervisor))"
}

# supervise_running NAME ROOT : the supervisor has the service and says it runs.
supervise_running() {
  case $(supervisor) in
    systemd) systemctl is-active -q "$(unit_of "$1")" ;;
    runit) [ -L "$2/service/$1" ] && sv status "$2/service/$1" 2>/dev/null | grep -q '^run:' ;;
  esac
}

# supervise_down NAME ROOT : stops the service for good (the supervisor
# forgets it: it does not come back until scripts/up).
supervise_down() {
  local name=$1 root=$2 state
  state=$(dirname "$root")/supervise/$name
  [ -d "$state" ] && touch "$state/stopping"
  case $(supervisor) in
    systemd)
      if systemctl cat "$(unit_of "$name")" >/dev/null 2>&1; then
        systemctl disable -q --now "$(unit_of "$name")" || warn "cannot stop $(unit_of "$name")"
        rm -f "/etc/systemd/system/$(unit_of "$name")"
        systemctl daemon-reload
      fi
      ;;
    runit)
      if [ -e "$root/sv/$name/supervise/ok" ]; then
        log "stopping $name (runit)"
        rm -f "$root/service/$name"
        # TERM, then KILL after 15 s; then runsv itself exits.
        sv -w 15 force-stop "$root/sv/$name" >/dev/null || true
        sv exit "$root/sv/$name" >/dev/null 2>&1 || true
      else
        rm -f "$root/service/$name"
      fi
      ;;
  esac
  rm -f "$state/pid"
}

# supervise_unit NAME ROOT : the systemd unit running ROOT/sv/NAME's scripts.
supervise_unit() {
  local name=$1 root=$2 after=""
  [ "$name" != etcd ] && [ -d "$root/sv/etcd" ] && after=" $(unit_of etcd)"
  cat >"/etc/systemd/system/$(unit_of "$name").tmp.$$" <<EOF
# Written by $REPO_DIR/scripts/up for the platform in $PAAS_STATE_DIR.
[Unit]
Description=paas $name (cluster $PAAS_CLUSTER)
After=network-online.target docker.service$after
StartLimitIntervalSec=0

[Service]
ExecStart=$root/sv/$name/run
ExecStopPost=$root/sv/$name/finish
Restart=always
RestartSec=1
TimeoutStopSec=45
KillMode=mixed

[Install]
WantedBy=multi-user.target
EOF
  mv "/etc/systemd/system/$(unit_of "$name").tmp.$$" "/etc/systemd/system/$(unit_of "$name")"
}

# stop_runsvdir ROOT : after every service of ROOT is down, the runsvdir itself.
stop_runsvdir() {
  local root=$1
  [ "$(supervisor)" = runit ] || return 0
  stop_pidfile runsvdir "$root/runsvdir.pid" runsvdir HUP
}
