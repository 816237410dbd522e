# shellcheck shell=bash
# The platform's infrastructure on one machine: Debian packages, the Docker
# engine and etcd. scripts/up starts what is not running, under a supervisor
# (supervise.sh).

HOST_PACKAGES=(docker.io etcd-server nginx libnginx-mod-http-lua libnginx-mod-stream debootstrap git openssh-client curl ca-certificates openssl tini runit iproute2 unzip)

# Where the Docker engine is supervised when scripts/up has to start it: the
# engine is the machine's, not one platform's, so not under a state directory.
: "${PAAS_ENGINE_DIR:=/var/lib/paas-engine}"

pkg_installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }

# ensure_packages : installs the missing HOST_PACKAGES (and node when there is
# none); `apt-get update` only when something is missing.
ensure_packages() {
  local missing=() p
  for p in "${HOST_PACKAGES[@]}"; do
    pkg_installed "$p" || missing+=("$p")
  done
  command -v node >/dev/null || missing+=(nodejs npm)
  if [ "${#missing[@]}" -eq 0 ]; then
    log "host packages present"
  else
    log "installing ${missing[*]}"
    # A source that cannot be reached must not stop the install from the others.
    apt-get update -qq || warn "apt-get update reported errors"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  fi
  local major
  major=$(node -p 'process.versions.node.split(".")[0]')
  [ "$major" -ge 20 ] || warn "node $(node -v) is older than the project's engines (>=20)"
}

# ensure_dockerd : starts the Docker engine, supervised, when it does not
# answer: Debian's docker.service where systemd is the init, else runit over
# $PAAS_ENGINE_DIR/runit. It is shared by everything on the machine, so
# scripts/down never stops it; one that answers is left as it is.
ensure_dockerd() {
  # Ours already (an earlier scripts/up started it): its run script is written again for its next start.
  [ -d "$PAAS_ENGINE_DIR/runit/sv/dockerd" ] && [ "$(supervisor)" = runit ] && define_dockerd
  if docker info >/dev/null 2>&1; then
    log "docker engine running"
    if pid_alive "$PAAS_STATE_DIR/run/dockerd.pid" dockerd >/dev/null; then
      warn "dockerd (pid $(cat "$PAAS_STATE_DIR/run/dockerd.pid")) was started by an older scripts/up and nothing restarts it; stop it and run scripts/up again to have it supervised"
    fi
    return
  fi
  local logfile
  if [ "$(supervisor)" = systemd ]; then
    log "starting docker.service"
    systemctl enable -q --now docker.service
    logfile="journalctl -u docker"
  else
    logfile=$PAAS_ENGINE_DIR/logs/dockerd.log
    log "starting dockerd under runit (log $logfile)"
    define_dockerd
    ensure_runsvdir "$PAAS_ENGINE_DIR/runit"
    supervise_up dockerd "$PAAS_ENGINE_DIR/runit"
  fi
  wait_until 60 "dockerd" docker info || {
    [ -f "$logfile" ] && tail -n 30 "$logfile" >&2
    die "dockerd did not start ($logfile)"
  }
}
# define_dockerd : the engine's runit service. A killed dockerd's containerd
# (it dies with it) can linger as a zombie until the init reaps it; the new
# dockerd would wait 15 s for that pid, then exit: a pid file naming no live
# process is removed first.
define_dockerd() {
  supervise_define dockerd "$PAAS_ENGINE_DIR/runit" "$PAAS_ENGINE_DIR/logs/dockerd.log" "" sh -c \
    'p=/var/run/docker/containerd/containerd.pid; if [ -s "$p" ]; then case $(awk "{print \$3}" "/proc/$(cat "$p")/stat" 2>/dev/null) in "" | Z | X) rm -f "$p" ;; esac; fi; exec dockerd'
}

etcd_healthy() { curl -fsS --max-time 2 "http://$1:$2/health" 2>/dev/null | grep -q '"health":"true"'; }

# ETCD_FLAGS: etcd's memory kept flat as the platform writes (measured in
# docs/architecture.md, "Memory"): a snapshot every 10,000 entries (etcd 3.5's
# default; 3.4's 100,000 kept up to that many raft entries in memory, ~300 MiB
# after 200,000 writes of 1 KB against ~120 MiB), the history older than an
# hour compacted every hour (nothing compacted it: the database grew until
# its 2 GiB quota stopped every write; an idle watch learns the revision every
# 10 minutes, well inside the hour, so none resumes from a compacted one),
# and Go's collector at GOGC=50.
ETCD_FLAGS=(--snapshot-count 10000 --auto-compaction-mode periodic --auto-compaction-retention 1h)

# ensure_etcd : starts this platform's etcd (data in $PAAS_STATE_DIR/etcd, peer
# port = client port + 1) unless one is healthy at PAAS_ETCD_ENDPOINTS. An etcd
# on another machine is only waited for. Ours, already running, is left as it
# is unless its command changed (new flags from a newer checkout): then it is
# restarted (the services reconnect).
ensure_etcd() {
  local host port peer run=$PAAS_STATE_DIR/runit/sv/etcd/run before=""
  host=$(etcd_endpoint_part host)
  port=$(etcd_endpoint_part port)
  peer=$((port + 1))
  if etcd_healthy "$host" "$port" && ! pid_alive "$PAAS_STATE_DIR/run/etcd.pid" etcd >/dev/null &&
    ! supervise_running etcd "$PAAS_STATE_DIR/runit"; then
    # Not ours to start.
    log "etcd healthy at $host:$port"
    return
  fi
  case $host in
    127.0.0.1 | localhost) ;;
    *)
      wait_until 60 "etcd at $host:$port" etcd_healthy "$host" "$port" || die "etcd at $host:$port is not healthy"
      return
      ;;
  esac
  mkdir -p "$PAAS_STATE_DIR/etcd"
  chmod 700 "$PAAS_STATE_DIR/etcd"
  [ -f "$run" ] && before=$(cat "$run")
  supervise_define etcd "$PAAS_STATE_DIR/runit" "$PAAS_STATE_DIR/logs/etcd.log" "" \
    env GOGC=50 etcd --name "$PAAS_CLUSTER" --data-dir "$PAAS_STATE_DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$port" --advertise-client-urls "http://127.0.0.1:$port" \
    --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
    --initial-cluster "$PAAS_CLUSTER=http://127.0.0.1:$peer" --initial-cluster-state new "${ETCD_FLAGS[@]}"
  # An etcd of the pid-file era (before supervision) makes way for the supervised one.
  stop_pidfile etcd "$PAAS_STATE_DIR/run/etcd.pid" etcd
  if ! supervise_running etcd "$PAAS_STATE_DIR/runit"; then
    supervise_up etcd "$PAAS_STATE_DIR/runit"
  elif [ "$before" != "$(cat "$run")" ]; then
    log "etcd's command changed: restarting it"
    supervise_up etcd "$PAAS_STATE_DIR/runit"
  fi
  wait_until 60 "etcd at 127.0.0.1:$port" etcd_healthy 127.0.0.1 "$port" || {
    tail -n 30 "$PAAS_STATE_DIR/logs/etcd.log" >&2
    die "etcd did not become healthy"
  }
  log "etcd healthy at 127.0.0.1:$port"
}
