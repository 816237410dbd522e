# shellcheck shell=bash
# The HA topology on one machine (scripts/up --ha): etcd as a cluster of
# three members and a second instance of every service that may run twice
# (controller-2, scheduler-2, builder-2, router-2), each supervised like the
# first. The git remote's port (PAAS_SSH_PORT) is then the routers' TCP proxy
# (services/router/stream.ts: nginx's stream module, in both routers' nginx
# with reuseport) in front of both builders, each on a port of its own. Needs
# log.sh, procs.sh, settings.sh, supervise.sh and infra.sh.
#
# etcd: member 1 is the platform's etcd of ensure_etcd (name $PAAS_CLUSTER,
# client port P of the first endpoint, peer P+1, data $PAAS_STATE_DIR/etcd);
# member i (2, 3) is "$PAAS_CLUSTER-i", client P+2(i-1), peer one above, data
# $PAAS_STATE_DIR/etcd-i. A member is added through the cluster API
# (/v3/cluster/member/add of etcd's HTTP gateway, no etcdctl needed) and
# started at once with --initial-cluster-state existing, one at a time (a
# cluster of two with one unstarted has no quorum), so a running one-member
# platform grows into three with its data. `scripts/up` without --ha leaves
# the members as they are (it never shrinks the cluster: that would be
# `member remove`, by hand).

HA_ETCD_MEMBERS=3

# The client port of etcd member I (1-based).
etcd_member_port() { echo $(($(etcd_endpoint_part port) + 2 * ($1 - 1))); }

# ha_etcd_endpoints : the client URLs of the three members, comma-separated.
ha_etcd_endpoints() {
  local i out=""
  for i in $(seq 1 "$HA_ETCD_MEMBERS"); do out+="${out:+,}http://127.0.0.1:$(etcd_member_port "$i")"; done
  echo "$out"
}

# etcd_api PORT PATH JSON : POSTs JSON to the v3 HTTP gateway of the member at PORT.
etcd_api() { curl -fsS --max-time 5 -X POST "http://127.0.0.1:$1/v3/$2" -d "$3"; }

# etcd_members PORT : "<name> <peer url>" a line per member ("" for the name of one added and not yet started).
etcd_members() {
  etcd_api "$1" cluster/member/list '{}' |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{for(const m of JSON.parse(s).members??[])console.log((m.name||"-")+" "+(m.peerURLs??[])[0])})'
}

# ensure_etcd_cluster : members 2 and 3 added (when missing) and running.
ensure_etcd_cluster() {
  local base i name port peer dir members cluster run before
  base=$(etcd_member_port 1)
  for i in $(seq 2 "$HA_ETCD_MEMBERS"); do
    name=$PAAS_CLUSTER-$i port=$(etcd_member_port "$i") peer=$(($(etcd_member_port "$i") + 1))
    dir=$PAAS_STATE_DIR/etcd-$i run=$PAAS_STATE_DIR/runit/sv/etcd-$i/run before=""
    members=$(etcd_members "$base") || die "cannot list etcd's members at 127.0.0.1:$base"
    if ! grep -q " http://127.0.0.1:$peer\$" <<<"$members"; then
      # A data directory of a member no longer in the cluster would make it refuse to start.
      rm -rf "${dir:?}"
      # etcd refuses a member while the one added before has been connected for less than 5 s: tried for 20 s.
      wait_until 20 "etcd to add member $name" \
        etcd_api "$base" cluster/member/add "{\"peerURLs\":[\"http://127.0.0.1:$peer\"]}" >/dev/null ||
        die "etcd refused to add member $name"
      log "etcd: added member $name (peer 127.0.0.1:$peer)"
      members=$(etcd_members "$base")
    fi
    # The cluster as the new member must be told it: every member by name, itself included.
    cluster=$(awk -v me="$name" -v mine="http://127.0.0.1:$peer" \
      '{ n = ($2 == mine) ? me : $1; printf "%s%s=%s", (NR > 1 ? "," : ""), n, $2 }' <<<"$members")
    mkdir -p "$dir"
    chmod 700 "$dir"
    [ -f "$run" ] && before=$(cat "$run")
    supervise_define "etcd-$i" "$PAAS_STATE_DIR/runit" "$PAAS_STATE_DIR/logs/etcd-$i.log" "" \
      env GOGC=50 etcd --name "$name" --data-dir "$dir" \
      --listen-client-urls "http://127.0.0.1:$port" --advertise-client-urls "http://127.0.0.1:$port" \
      --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
      --initial-cluster "$cluster" --initial-cluster-state existing "${ETCD_FLAGS[@]}"
    # --initial-cluster counts only at a member's first start: the list changing later restarts nothing.
    if ! supervise_running "etcd-$i" "$PAAS_STATE_DIR/runit"; then
      supervise_up "etcd-$i" "$PAAS_STATE_DIR/runit"
    elif [ "$(grep -v -- --initial-cluster <<<"$before")" != "$(grep -v -- --initial-cluster "$run")" ]; then
      log "etcd-$i's command changed: restarting it"
      supervise_up "etcd-$i" "$PAAS_STATE_DIR/runit"
    fi
    wait_until 60 "etcd member $name at 127.0.0.1:$port" etcd_healthy 127.0.0.1 "$port" || {
      tail -n 30 "$PAAS_STATE_DIR/logs/etcd-$i.log" >&2
      die "etcd member $name did not become healthy"
    }
    log "etcd member $name healthy at 127.0.0.1:$port"
  done
}

# The second instance of each service that runs twice in HA, and its settings
# over paas.env's (ports of its own; the controller its own log and metrics
# stores, which its peers fill too; the builder its own repos, builds and
# caches; the router its own nginx).
HA_SECOND=(controller-2 scheduler-2 builder-2 router-2)
# Ports of the second instances: 20 above the API port (8720 for 8700), so
# the user's, the test and the bench platforms' (18700, 28700) never collide.
#   +20 controller-2 API   +21 controller-2 metrics   +22 scheduler-2 metrics
#   +23 builder SSH        +24 builder-2 SSH          +25 builder-2 metrics
#   +26 router-2 HTTP      +27 router-2 HTTPS         +28 router-2 control   +29 router-2 metrics
ha_port() { echo $((PAAS_API_PORT + 20 + $1)); }

# ha_api_urls : both controllers' API URLs, comma-separated (PAAS_API_URL in HA).
ha_api_urls() { echo "http://127.0.0.1:$PAAS_API_PORT,http://127.0.0.1:$(ha_port 0)"; }

# ha_settings : the settings HA adds to paas.env (every service's): the first
# builder leaves the remote's port to the proxy, and both routers' nginx proxy
# it to both builders (builder first, builder-2 its backup: a builder's repos
# stay warm; PAAS_ROUTER_SSH_BALANCE=round-robin spreads pushes instead).
ha_settings() {
  : "${PAAS_BUILDER_SSH_PORT:=$(ha_port 3)}"
  : "${PAAS_ROUTER_SSH_UPSTREAMS:=127.0.0.1:$PAAS_BUILDER_SSH_PORT,127.0.0.1:$(ha_port 4)}"
  export PAAS_BUILDER_SSH_PORT PAAS_ROUTER_SSH_UPSTREAMS
}

ha_overrides() {
  case $1 in
    controller-2)
      echo "PAAS_API_PORT=$(ha_port 0)"
      echo "PAAS_CONTROLLER_ID=$PAAS_CLUSTER-controller-2"
      echo "PAAS_CONTROLLER_PEER_URL=http://127.0.0.1:$(ha_port 0)"
      echo "PAAS_CONTROLLER_METRICS_PORT=$(ha_port 1)"
      echo "PAAS_LOG_DIR=$PAAS_STATE_DIR/logs/apps-2"
      echo "PAAS_METRICS_STORE_DIR=$PAAS_STATE_DIR/metrics-2"
      ;;
    scheduler-2)
      echo "PAAS_SCHEDULER_METRICS_PORT=$(ha_port 2)"
      ;;
    builder-2)
      echo "PAAS_BUILDER_SSH_PORT=$(ha_port 4)"
      echo "PAAS_BUILDER_METRICS_PORT=$(ha_port 5)"
      echo "PAAS_BUILDER_ID=$PAAS_CLUSTER-builder-2"
      echo "PAAS_BUILDER_DIR=$PAAS_STATE_DIR/builder-2"
      # a fixed image-server port is the first builder's; this one takes any free port (agents find it in etcd)
      [ -z "${PAAS_BUILDER_IMAGES_LISTEN:-}" ] || echo "PAAS_BUILDER_IMAGES_LISTEN=${PAAS_BUILDER_IMAGES_LISTEN%:*}:0"
      ;;
    router-2)
      echo "PAAS_HTTP_PORT=$(ha_port 6)"
      case ${PAAS_HTTPS_PORT:-443} in 0 | off) ;; *) echo "PAAS_HTTPS_PORT=$(ha_port 7)" ;; esac
      echo "PAAS_ROUTER_CONTROL_PORT=$(ha_port 8)"
      echo "PAAS_ROUTER_METRICS_PORT=$(ha_port 9)"
      echo "PAAS_ROUTER_NGINX_DIR=$PAAS_STATE_DIR/nginx-2"
      ;;
  esac
}

# ha_free_ssh_port : before the services restart in HA, the first builder
# stops when it still holds the remote's port (a platform that was not HA):
# the routers' nginx must bind it (a reload that cannot bind keeps the old
# config without a word).
ha_free_ssh_port() {
  if ss -Hltnp "sport = :$PAAS_SSH_PORT" 2>/dev/null | grep -q '"node"'; then
    log "the builder holds $PAAS_SSH_PORT: stopping it before the proxy takes the port"
    supervise_down builder "$PAAS_STATE_DIR/runit"
  fi
}

# ssh_banner PORT : an SSH server answers at 127.0.0.1:PORT.
ssh_banner() { timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1 && head -c 7 <&3" 2>/dev/null | grep -q '^SSH-2.0'; }

# ha_wait_ssh_proxy : the git remote answers through the proxy (a builder's SSH banner).
ha_wait_ssh_proxy() {
  local port=$PAAS_SSH_PORT
  if wait_until 30 "the SSH proxy at 127.0.0.1:$port" ssh_banner "$port"; then
    log "git remote answers through the routers' proxy at 127.0.0.1:$port"
  else
    warn "no builder answers through the SSH proxy at 127.0.0.1:$port; see $PAAS_STATE_DIR/nginx/logs/error.log"
  fi
}

# ha_define_second NAME : NAME's env file (paas.env, then its overrides) and its supervised process.
ha_define_second() {
  local name=$1 svc=${1%-*} envfile=$PAAS_STATE_DIR/paas-$1.env main
  main="$REPO_DIR/dist/services/$svc/main.js"
  {
    cat "$PAAS_STATE_DIR/paas.env"
    echo "# $name's own, over the above (scripts/lib/ha.sh)"
    ha_overrides "$name" | while IFS='=' read -r k v; do echo "$k=$(shell_quote "$v")"; done
  } >"$envfile.tmp"
  chmod 600 "$envfile.tmp"
  mv "$envfile.tmp" "$envfile"
  supervise_define "$name" "$PAAS_STATE_DIR/runit" "$PAAS_STATE_DIR/logs/$name.log" "$envfile" node "$main"
  echo "$svc" >"$PAAS_STATE_DIR/supervise/$name/services"
}

# ha_restart_seconds : (re)starts the second instances (HA), in parallel.
ha_restart_seconds() {
  local name pids=()
  for name in "${HA_SECOND[@]}"; do
    ha_define_second "$name"
    supervise_up "$name" "$PAAS_STATE_DIR/runit" &
    pids+=($!)
  done
  wait "${pids[@]}"
}

# ha_stop_seconds : the second instances stopped and forgotten (scripts/up
# without --ha; before the first ones restart, so the remote's port is free
# for the builder), router-2's nginx too. builder-2's repos and caches stay.
ha_stop_seconds() {
  local name
  for name in "${HA_SECOND[@]}"; do
    [ -d "$PAAS_STATE_DIR/supervise/$name" ] || continue
    supervise_down "$name" "$PAAS_STATE_DIR/runit"
    rm -rf "${PAAS_STATE_DIR:?}/supervise/$name" "$PAAS_STATE_DIR/paas-$name.env"
  done
  stop_pidfile nginx-2 "$PAAS_STATE_DIR/nginx-2/nginx.pid" nginx QUIT
}
