# shellcheck shell=bash
# Background processes tracked by pid files under $PAAS_STATE_DIR/run.

# pid_alive PIDFILE [PATTERN] : the pid in PIDFILE runs, and (when PATTERN is
# given) its command line contains PATTERN, so a reused pid is not mistaken
# for ours. Prints the pid.
pid_alive() {
  local file=$1 pattern=${2:-} pid
  [ -s "$file" ] || return 1
  pid=$(tr -dc 0-9 <"$file")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  if [ -n "$pattern" ]; then
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$pattern" || return 1
  fi
  echo "$pid"
}

# stop_pidfile NAME PIDFILE [PATTERN] [SIGNAL] : sends SIGNAL (default TERM) to
# the process (and its process group when it leads one), waits up to 15s, then
# KILLs it. Removes the pid file.
stop_pidfile() {
  local name=$1 file=$2 pattern=${3:-} sig=${4:-TERM} pid i target
  if ! pid=$(pid_alive "$file" "$pattern"); then
    rm -f "$file"
    return 0
  fi
  log "stopping $name (pid $pid)"
  # Services are started with setsid, so they lead a group that also holds
  # their children (git, ssh...); signal the whole group then.
  target=$pid
  [ "$(ps -o pgid= -p "$pid" | tr -d ' ')" = "$pid" ] && target=-$pid
  kill -s "$sig" -- "$target" 2>/dev/null || true
  for i in $(seq 1 30); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    warn "$name (pid $pid) did not stop; killing it"
    kill -s KILL -- "$target" 2>/dev/null || true
  fi
  rm -f "$file"
}

# start_bg NAME PIDFILE LOGFILE CMD... : runs CMD in its own session, stdin
# from /dev/null, output appended to LOGFILE, and records its pid.
start_bg() {
  local name=$1 file=$2 logfile=$3
  shift 3
  mkdir -p "$(dirname "$file")" "$(dirname "$logfile")"
  printf '\n--- %s: starting %s\n' "$(date -u +%FT%TZ)" "$name" >>"$logfile"
  # A background job of a script is not a group leader, so setsid execs in
  # place and $! is the pid of CMD itself.
  setsid "$@" </dev/null >>"$logfile" 2>&1 &
  echo $! >"$file"
  log "started $name (pid $!), log $logfile"
}
