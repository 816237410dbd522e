# shellcheck shell=bash
# The platform's settings: defaults (docs/architecture.md), read from the
# environment, written to $PAAS_STATE_DIR/paas.env for the services.

# REPO_DIR: the checkout these scripts belong to.
REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# Settings whose names scripts/up always writes, in this order.
PAAS_SETTINGS=(
  PAAS_STATE_DIR PAAS_CLUSTER PAAS_ETCD_ENDPOINTS PAAS_ETCD_PREFIX
  PAAS_API_PORT PAAS_API_URL PAAS_SSH_PORT PAAS_HTTP_PORT PAAS_HTTPS_PORT PAAS_ROUTER_CONTROL_PORT
  PAAS_ROUTER_DEFAULT_CERT PAAS_ROUTER_DEFAULT_KEY PAAS_DOMAIN PAAS_INTERNAL_TOKEN PAAS_SSH_HOST_KEY
  PAAS_RUN_STACK_IMAGE PAAS_BUILD_STACK_IMAGE PAAS_REPO_DIR PAAS_CONFIG_DIR PAAS_LOG_LEVEL
  PAAS_PROCESSES PAAS_DASHBOARD_PORT PAAS_ADDON_IMAGE
)

# Variables that steer the scripts themselves and are not service settings.
PAAS_SCRIPT_ONLY='^(PAAS_HA|PAAS_ENV_FILE|PAAS_TEST_KEEP|PAAS_INSTALL_CLI|PAAS_UP_TIMEOUT|PAAS_STACK_[A-Z_]*|PAAS_DEBIAN_[A-Z_]*|PAAS_LOG_TAG|PAAS_SETTINGS|PAAS_SCRIPT_ONLY)$'

# load_settings : sets every PAAS_* default that the environment leaves unset.
load_settings() {
  : "${PAAS_STATE_DIR:=/var/lib/paas}"
  : "${PAAS_CLUSTER:=paas}"
  : "${PAAS_ETCD_ENDPOINTS:=http://127.0.0.1:2379}"
  : "${PAAS_ETCD_PREFIX:=/paas}"
  : "${PAAS_API_PORT:=8700}"
  : "${PAAS_API_URL:=http://127.0.0.1:$PAAS_API_PORT}"
  : "${PAAS_SSH_PORT:=2222}"
  : "${PAAS_HTTP_PORT:=80}"
  : "${PAAS_HTTPS_PORT:=443}"
  # The certificate served over HTTPS for names no app certificate covers (scripts/lib/tls.sh makes it).
  : "${PAAS_ROUTER_DEFAULT_CERT:=$PAAS_STATE_DIR/tls/default.crt}"
  : "${PAAS_ROUTER_DEFAULT_KEY:=$PAAS_STATE_DIR/tls/default.key}"
  : "${PAAS_ROUTER_CONTROL_PORT:=8701}"
  : "${PAAS_DOMAIN:=localhost}"
  : "${PAAS_SSH_HOST_KEY:=$PAAS_STATE_DIR/ssh/host_ed25519}"
  : "${PAAS_REPO_DIR:=$REPO_DIR}"
  : "${PAAS_CONFIG_DIR:=$HOME/.config/paas}"
  : "${PAAS_LOG_LEVEL:=info}"
  # The dashboard (services/dashboard) on 127.0.0.1; the router serves it at dashboard.$PAAS_DOMAIN.
  : "${PAAS_DASHBOARD_PORT:=8702}"
  # one: the six services in one supervised process, "platform" (services/platform); separate: a process each.
  : "${PAAS_PROCESSES:=one}"
  # Filled by scripts/up (token file, stack build); may be preset.
  : "${PAAS_INTERNAL_TOKEN:=}"
  : "${PAAS_RUN_STACK_IMAGE:=}"
  : "${PAAS_BUILD_STACK_IMAGE:=}"
  # The add-on image (managed PostgreSQL and Redis: scripts/addon-stack/build), made from the run stack.
  : "${PAAS_ADDON_IMAGE:=}"
  [[ $PAAS_CLUSTER =~ ^[a-z][a-z0-9-]{0,20}$ ]] || die "PAAS_CLUSTER must match ^[a-z][a-z0-9-]{0,20}\$"
  case $PAAS_PROCESSES in one | separate) ;; *) die "PAAS_PROCESSES must be one or separate, not '$PAAS_PROCESSES'" ;; esac
  export "${PAAS_SETTINGS[@]}"
}

# shell_quote VALUE : VALUE in single quotes, safe to source.
shell_quote() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

# write_env_file FILE : the settings, plus any other PAAS_* variable of the
# environment (a service's own knob), as KEY='value' lines; mode 0600 since
# it holds the internal token. Written to a temp file, then renamed.
write_env_file() {
  local file=$1 name
  {
    echo "# Written by scripts/up; every service starts with this environment."
    for name in "${PAAS_SETTINGS[@]}"; do
      echo "$name=$(shell_quote "${!name}")"
    done
    for name in $(compgen -e | grep '^PAAS_' | LC_ALL=C sort); do
      [[ $name =~ $PAAS_SCRIPT_ONLY ]] && continue
      [[ " ${PAAS_SETTINGS[*]} " == *" $name "* ]] && continue
      echo "$name=$(shell_quote "${!name}")"
    done
  } >"$file.tmp"
  chmod 600 "$file.tmp"
  mv "$file.tmp" "$file"
}

# etcd_endpoint_part host|port : that part of the first etcd endpoint.
etcd_endpoint_part() {
  local first=${PAAS_ETCD_ENDPOINTS%%,*} hostport
  hostport=${first#*://}
  hostport=${hostport%%/*}
  case $1 in
    host) echo "${hostport%:*}" ;;
    port) [[ $hostport == *:* ]] && echo "${hostport##*:}" || echo 2379 ;;
  esac
}
