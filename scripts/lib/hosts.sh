# shellcheck shell=bash
# Docker hosts on one machine (scripts/hosts): each its own Docker engine in a
# network namespace of its own, with its own agent, joined to the machine's
# namespace by a veth pair. The test topology of several hosts.
#
# Host K of a platform ($PAAS_STATE_DIR/hosts/K) takes a slot S, machine-wide
# (two platforms, a user's and the test one, each have hosts; their slots
# differ): /run/paas-hosts/S names its owner. The first free slot from K up is
# taken, so a lone platform's host K is slot K. From the slot:
#   network namespace  paas-hS, veth paas-hS-a (here, 10.213.S.1/30) <-> paas-hS-b (inside, 10.213.S.2/30)
#   its dockerd        nsenter --net into paas-hS (not `ip netns exec`: that one remounts /sys, without the
#                      cgroup hierarchies runc needs), data root hosts/K/docker, exec root /run/paas-hS (its
#                      containerd's state too: dockerd starts its own containerd there), socket hosts/K/docker.sock,
#                      docker0 10.214.S.1/25 and the networks it makes (the agent's apps network) from
#                      10.214.S.128/25, containers' cgroups under /paas-hS
#   routes here        10.214.S.0/24 via 10.213.S.2 (the agent's health checks reach a container's own address)
#   its agent          in this namespace (etcd and the controller listen on 127.0.0.1), PAAS_HOST_ID
#                      <main host id>-hK, PAAS_HOST_ADDRESS 10.213.S.2 (containers publish their port there only),
#                      PAAS_AGENT_NETNS=paas-hS (its iptables and tc commands run inside)
#   INPUT here         from paas-hS-a: replies and the router's ports accepted, the rest dropped (comment
#                      paas:<cluster>:hS): a dyno of the host reaches the router at 10.213.S.1, nothing else here
#   FORWARD, nat here  from paas-hS-a: forwarded and masqueraded (10.214.S.0/24 and 10.213.S.2) out of this
#                      namespace, except to other hosts, Docker bridges and 169.254.0.0/16 (same comment):
#                      the host's dynos reach beyond the machine, as on the main engine
# dockerd and the agent are supervised (supervise.sh) under hosts/K/runit, a runsvdir of the host's own, so that
# `kill` can take the supervisor with them, as a machine that dies.
#
# Needs log.sh, procs.sh, settings.sh and supervise.sh.

HOSTS_SLOTS=/run/paas-hosts

hosts_dir() { echo "$PAAS_STATE_DIR/hosts"; }
host_dir() { echo "$PAAS_STATE_DIR/hosts/$1"; }

# The hosts of this platform, by number.
host_numbers() {
  local d
  for d in "$(hosts_dir)"/*/; do
    [ -f "$d/slot" ] || continue
    basename "$d"
  done | sort -n
}

# host_slot K : the slot host K holds (nothing when it has none).
host_slot() { cat "$(host_dir "$1")/slot" 2>/dev/null || true; }

# claim_slot K : the slot of host K, taken now when it holds none.
claim_slot() {
  local k=$1 s owner
  s=$(host_slot "$k")
  owner="$PAAS_STATE_DIR $k"
  if [ -n "$s" ] && [ "$(cat "$HOSTS_SLOTS/$s/owner" 2>/dev/null)" = "$owner" ]; then
    echo "$s"
    return
  fi
  mkdir -p "$HOSTS_SLOTS"
  for s in $(seq "$k" 250) $(seq 1 $((k - 1))); do
    if mkdir "$HOSTS_SLOTS/$s" 2>/dev/null; then
      echo "$owner" >"$HOSTS_SLOTS/$s/owner"
      mkdir -p "$(host_dir "$k")"
      echo "$s" >"$(host_dir "$k")/slot"
      echo "$s"
      return
    fi
  done
  die "no free host slot in $HOSTS_SLOTS (1..250)"
}

# host_vars S : the names and addresses of slot S, as variables.
host_vars() {
  local s=$1
  NETNS=paas-h$s
  VETH_OUT=paas-h$s-a
  VETH_IN=paas-h$s-b
  ADDR_OUT=10.213.$s.1
  ADDR_IN=10.213.$s.2
  BRIDGE_NET=10.214.$s.0/24
  EXEC_ROOT=/run/paas-h$s
  CGROUP_PARENT=/paas-h$s
}

# The comment of this platform's rules for slot S (INPUT, FORWARD and nat POSTROUTING).
input_comment() { echo "paas:$PAAS_CLUSTER:h$1"; }

# remove_input_rules S : this platform's rules for slot S (INPUT, FORWARD and nat POSTROUTING), gone.
remove_input_rules() {
  local rule where table chain
  for where in filter:INPUT filter:FORWARD nat:POSTROUTING; do
    table=${where%%:*} chain=${where#*:}
    { iptables -w 5 -t "$table" -S "$chain" 2>/dev/null || true; } |
      { grep -E -- "--comment \"?$(input_comment "$1")\"? " || true; } |
      sed 's/^-A /-D /' | while read -r rule; do
      eval "iptables -w 5 -t $table $rule" || warn "cannot remove the iptables rule: -t $table $rule"
    done
  done
}

# ensure_egress S : slot S's dynos reach beyond this machine, as Heroku apps expect (packages, APIs): what leaves
# the host's veth is forwarded (FORWARD's policy is DROP once Docker runs here) and masqueraded behind this
# namespace's address on the way out (NAT out of the main namespace); the replies come back. Not forwarded: to
# another host's namespace (paas-h+), to this machine's Docker bridges (docker0, br-+, the apps networks pa-+) and
# to link-local addresses (169.254.0.0/16: cloud metadata). This machine itself stays behind the INPUT rules.
ensure_egress() {
  local s=$1 c out
  host_vars "$s"
  c=$(input_comment "$s")
  # Inserted at the top of FORWARD (above Docker's chains), last first.
  iptables -w 5 -I FORWARD 1 -i "$VETH_OUT" -m comment --comment "$c" -j ACCEPT
  for out in 'paas-h+' docker0 'br-+' 'pa-+'; do
    iptables -w 5 -I FORWARD 1 -i "$VETH_OUT" -o "$out" -m comment --comment "$c" -j DROP
  done
  iptables -w 5 -I FORWARD 1 -i "$VETH_OUT" -d 169.254.0.0/16 -m comment --comment "$c" -j DROP
  # Nor the other way: the machine's containers (builds, the main engine's dynos) and other hosts' open nothing on
  # this host (only the router, in this namespace, reaches its dynos; its packets are not forwarded).
  for out in 'paas-h+' docker0 'br-+' 'pa-+'; do
    iptables -w 5 -I FORWARD 1 -i "$out" -o "$VETH_OUT" -m conntrack --ctstate NEW -m comment --comment "$c" -j DROP
  done
  iptables -w 5 -I FORWARD 1 -o "$VETH_OUT" -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "$c" -j ACCEPT
  # The host's containers' addresses, and the host's own (its engine masquerades its networks behind it).
  iptables -w 5 -t nat -I POSTROUTING 1 -s "$BRIDGE_NET" ! -o "$VETH_OUT" -m comment --comment "$c" -j MASQUERADE
  iptables -w 5 -t nat -I POSTROUTING 1 -s "$ADDR_IN/32" ! -o "$VETH_OUT" -m comment --comment "$c" -j MASQUERADE
}

# ensure_netns S : the namespace, the veth pair, addresses, routes, INPUT rules and egress (NAT) of slot S.
ensure_netns() {
  local s=$1 port
  host_vars "$s"
  [ -e "/run/netns/$NETNS" ] || ip netns add "$NETNS"
  if ! ip link show "$VETH_OUT" >/dev/null 2>&1; then
    ip link add "$VETH_OUT" type veth peer name "$VETH_IN"
    ip link set "$VETH_IN" netns "$NETNS"
  fi
  ip addr replace "$ADDR_OUT/30" dev "$VETH_OUT"
  ip link set "$VETH_OUT" up
  ip -n "$NETNS" addr replace "$ADDR_IN/30" dev "$VETH_IN"
  ip -n "$NETNS" link set lo up
  ip -n "$NETNS" link set "$VETH_IN" up
  ip -n "$NETNS" route replace default via "$ADDR_OUT"
  ip route replace "$BRIDGE_NET" via "$ADDR_IN" dev "$VETH_OUT"
  remove_input_rules "$s"
  # Inserted at the top, last first.
  iptables -w 5 -I INPUT 1 -i "$VETH_OUT" -m comment --comment "$(input_comment "$s")" -j DROP
  for port in $PAAS_HTTPS_PORT $PAAS_HTTP_PORT; do
    [[ $port =~ ^[1-9][0-9]*$ ]] || continue # PAAS_HTTPS_PORT=0 or off: no HTTPS
    iptables -w 5 -I INPUT 1 -i "$VETH_OUT" -p tcp --dport "$port" -m comment --comment "$(input_comment "$s")" -j ACCEPT
  done
  iptables -w 5 -I INPUT 1 -i "$VETH_OUT" -m conntrack --ctstate RELATED,ESTABLISHED \
    -m comment --comment "$(input_comment "$s")" -j ACCEPT
  ensure_egress "$s"
}

# remove_netns S : the namespace (its end of the veth pair with it: the other end goes too), routes, rules.
remove_netns() {
  local s=$1
  host_vars "$s"
  remove_input_rules "$s"
  ip route del "$BRIDGE_NET" 2>/dev/null || true
  ip link del "$VETH_OUT" 2>/dev/null || true
  [ -e "/run/netns/$NETNS" ] && { ip netns del "$NETNS" || warn "cannot remove the network namespace $NETNS"; }
  return 0
}

# hdocker K ARGS... : docker against host K's engine.
hdocker() {
  local k=$1
  shift
  docker -H "unix://$(host_dir "$k")/docker.sock" "$@"
}

# define_host_dockerd K : host K's engine, supervised under hosts/K/runit. A dockerd killed with -9 leaves its
# containerd's pid file behind: one naming no live process is removed first (as lib/infra.sh does for the machine's).
define_host_dockerd() {
  local k=$1 hd s
  hd=$(host_dir "$k")
  s=$(host_slot "$k")
  host_vars "$s"
  mkdir -p "$hd/docker" "$hd/logs"
  [ -f "$hd/daemon.json" ] || echo '{}' >"$hd/daemon.json" # not /etc/docker/daemon.json: its settings are the machine engine's
  local pidf=$EXEC_ROOT/containerd/containerd.pid
  supervise_define "h$k-dockerd" "$hd/runit" "$hd/logs/dockerd.log" "" sh -c \
    "p=$pidf; if [ -s \"\$p\" ]; then case \$(awk '{print \$3}' \"/proc/\$(cat \"\$p\")/stat\" 2>/dev/null) in '' | Z | X) rm -f \"\$p\" ;; esac; fi; exec nsenter --net=/run/netns/$NETNS dockerd --config-file $hd/daemon.json --data-root $hd/docker --exec-root $EXEC_ROOT -H unix://$hd/docker.sock --pidfile $hd/docker.pid --bip 10.214.$s.1/25 --default-address-pool base=10.214.$s.128/25,size=26 --cgroup-parent $CGROUP_PARENT --storage-driver overlay2"
}

# The main host's id (the platform agent's PAAS_HOST_ID, else the machine's name): host K is <it>-hK.
main_host_id() {
  local id
  id=$(sed -n "s/^PAAS_HOST_ID='\(.*\)'$/\1/p" "$PAAS_STATE_DIR/paas.env" 2>/dev/null)
  echo "${id:-$(hostname)}"
}

# write_host_env K : hosts/K/agent.env: the platform's paas.env with this host's own settings on top.
write_host_env() {
  local k=$1 hd s main_id env_file=$PAAS_STATE_DIR/paas.env
  hd=$(host_dir "$k")
  s=$(host_slot "$k")
  main_id=$(main_host_id)
  host_vars "$s"
  (
    for v in $(compgen -e | grep '^PAAS_'); do unset "$v"; done
    set -a
    # shellcheck disable=SC1091
    . "$env_file"
    # shellcheck disable=SC1091
    . "$hd/settings"
    set +a
    load_settings # what paas.env leaves unset: the defaults
    export PAAS_HOST_ID PAAS_HOST_ADDRESS=$ADDR_IN PAAS_DOCKER_SOCKET=$hd/docker.sock PAAS_AGENT_NETNS=$NETNS
    PAAS_HOST_ID=$main_id-h$k
    export PAAS_AGENT_DISK_DIR=$hd/disks
    # No builder uses this engine: its agent removes the old releases' images it fetched (the builder's retention).
    export PAAS_AGENT_IMAGE_CLEANUP=true
    # Each host's metrics beside the platform agent's: its port + 100 + K (0: none, as the platform's).
    [ "${PAAS_AGENT_METRICS_PORT:-}" = 0 ] || export PAAS_AGENT_METRICS_PORT=$((${PAAS_AGENT_METRICS_PORT:-8713} + 100 + k))
    write_env_file "$hd/agent.env"
  )
}

# registrations K : how many times host K's agent has said it registered (its log).
registrations() { grep -c '"msg":"host registered"' "$(host_dir "$1")/logs/agent.log" 2>/dev/null || true; }
# registered_since K N : it has said so more than N times.
registered_since() { [ "$(registrations "$1")" -gt "${2:-0}" ]; }

# host_engine_up K : host K's engine answers.
host_engine_up() { hdocker "$1" info >/dev/null 2>&1; }

# start_host K : host K's namespace, engine and agent, (re)started.
start_host() {
  local k=$1 hd s
  hd=$(host_dir "$k")
  s=$(claim_slot "$k")
  host_vars "$s"
  ensure_netns "$s"
  mkdir -p "$hd/runit"
  [ "$(supervisor)" = runit ] && ensure_runsvdir "$hd/runit"
  define_host_dockerd "$k"
  if ! supervise_running "h$k-dockerd" "$hd/runit" || ! host_engine_up "$k"; then
    supervise_up "h$k-dockerd" "$hd/runit"
  fi
  wait_until 60 "host $k's dockerd" host_engine_up "$k" || {
    tail -n 30 "$hd/logs/dockerd.log" >&2
    die "host $k's dockerd did not start ($hd/logs/dockerd.log)"
  }
  write_host_env "$k"
  supervise_define "h$k-agent" "$hd/runit" "$hd/logs/agent.log" "$hd/agent.env" node "$REPO_DIR/dist/services/agent/main.js"
  local seen
  seen=$(registrations "$k")
  supervise_up "h$k-agent" "$hd/runit"
  # placement may count on it once `up` returns: its host record is in etcd
  wait_until 30 "host $k's agent to register" registered_since "$k" "$seen" || {
    tail -n 20 "$hd/logs/agent.log" >&2
    die "host $k's agent did not register ($hd/logs/agent.log)"
  }
  log "host $k up: $NETNS, $ADDR_IN, $(sed -n 's/^PAAS_HOST_TAGS=//p' "$hd/settings")"
}

# host_pids_of_netns S : the processes in slot S's namespace (dockerd, its containerd, shims, docker-proxy).
host_netns_pids() { ip netns pids "paas-h$1" 2>/dev/null || true; }

# host_cgroup_pids S : the processes of the containers of slot S (their cgroups are under /paas-hS).
host_cgroup_pids() {
  find /sys/fs/cgroup -path "*/paas-h$1/*" -name cgroup.procs 2>/dev/null | xargs -r cat 2>/dev/null | sort -u
}

# supervisor_pids K : host K's runsvdir and its runsv processes (runit).
supervisor_pids() {
  local root pid
  root="$(host_dir "$1")/runit"
  pid=$(pid_alive "$root/runsvdir.pid" runsvdir) || return 0
  echo "$pid"
  pgrep -P "$pid" || true
}

# kill_host K : host K lost as a machine that dies: its supervisor, agent, engine (dockerd, containerd, shims)
# and containers SIGKILLed at once; the namespace, its addresses and the files stay.
kill_host() {
  local k=$1 hd s pids
  hd=$(host_dir "$k")
  s=$(host_slot "$k")
  [ -n "$s" ] || die "no host $k"
  if [ "$(supervisor)" = systemd ]; then
    systemctl kill -s KILL "$(unit_of "h$k-agent")" "$(unit_of "h$k-dockerd")" 2>/dev/null || true
    systemctl stop "$(unit_of "h$k-agent")" "$(unit_of "h$k-dockerd")" 2>/dev/null || true
  fi
  pids=$(
    supervisor_pids "$k"
    cat "$hd/supervise/h$k-agent/pid" "$hd/supervise/h$k-dockerd/pid" 2>/dev/null
    host_netns_pids "$s"
    host_cgroup_pids "$s"
  )
  # shellcheck disable=SC2086
  [ -z "$pids" ] || kill -9 $pids 2>/dev/null || true
  rm -f "$hd/runit/runsvdir.pid"
  log "host $k killed ($(wc -w <<<"$pids") processes)"
}

# stop_leftovers S SIGNAL : what still runs of slot S's engine and containers, signalled.
stop_leftovers() {
  local pids
  pids=$(
    host_netns_pids "$1"
    host_cgroup_pids "$1"
  )
  # shellcheck disable=SC2086
  [ -z "$pids" ] || kill "-$2" $pids 2>/dev/null || true
}

# unmount_under DIR : every mount under DIR, deepest first (layer disks, overlays, the engine's netns files).
unmount_under() {
  awk -v dir="$1/" 'index($5, dir) == 1 {print $5}' /proc/self/mountinfo | sort -r | while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" || warn "cannot unmount $m"
  done
}

# remove_host K : host K stopped (agent first, then its engine, which stops its containers) and removed: its
# namespace, rules, routes, engine state and slot. Works on a killed host too.
remove_host() {
  local k=$1 hd s i
  hd=$(host_dir "$k")
  s=$(host_slot "$k")
  [ -d "$hd" ] || die "no host $k"
  supervise_down "h$k-agent" "$hd/runit"
  supervise_down "h$k-dockerd" "$hd/runit"
  stop_runsvdir "$hd/runit"
  if [ -n "$s" ]; then
    host_vars "$s"
    stop_leftovers "$s" TERM
    for i in $(seq 1 20); do
      [ -z "$(host_netns_pids "$s")$(host_cgroup_pids "$s")" ] && break
      sleep 0.5
    done
    stop_leftovers "$s" KILL
    unmount_under "$EXEC_ROOT"
    rm -rf "$EXEC_ROOT"
    find /sys/fs/cgroup -depth -type d \( -path "*/paas-h$s" -o -path "*/paas-h$s/*" \) -exec rmdir {} + 2>/dev/null || true
    remove_netns "$s"
  fi
  unmount_under "$hd"
  rm -rf "$hd"
  rm -f "$PAAS_STATE_DIR/agent/$(main_host_id)-h$k-log-cursors.json" # its log shipper's (agent/logs/)
  [ -n "$s" ] && [ "$(cat "$HOSTS_SLOTS/$s/owner" 2>/dev/null)" = "$PAAS_STATE_DIR $k" ] && rm -rf "${HOSTS_SLOTS:?}/$s"
  log "host $k removed"
}

# host_status K : one line of `scripts/hosts status`.
host_status() {
  local k=$1 hd s engine agent n tags
  hd=$(host_dir "$k")
  s=$(host_slot "$k")
  host_vars "$s"
  engine=down agent=down n=-
  if host_engine_up "$k"; then
    engine=up
    n=$(hdocker "$k" ps -q | wc -l)
  fi
  supervise_running "h$k-agent" "$hd/runit" && agent=up
  tags=$(sed -n "s/^PAAS_HOST_TAGS=//p" "$hd/settings" 2>/dev/null | tr -d "'")
  printf '%-3s %-9s %-11s %-7s %-6s %-10s %s\n' "$k" "$NETNS" "$ADDR_IN" "$engine" "$agent" "$n" "$tags"
}
