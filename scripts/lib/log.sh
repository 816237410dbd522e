# shellcheck shell=bash
# Logging helpers shared by scripts/*. Everything goes to stderr so that a
# script's stdout stays free for machine-readable answers (see stack/build).

# log MESSAGE... : a progress line, prefixed with the script's name.
log() { printf '%s: %s\n' "${PAAS_LOG_TAG:-paas}" "$*" >&2; }

# warn MESSAGE... : a problem that does not stop the script.
warn() { printf '%s: warning: %s\n' "${PAAS_LOG_TAG:-paas}" "$*" >&2; }

# die MESSAGE... : print and exit non-zero.
die() {
  printf '%s: error: %s\n' "${PAAS_LOG_TAG:-paas}" "$*" >&2
  exit 1
}

# now_s : seconds since the epoch (integer), for step timings.
now_s() { date +%s; }

# timed LABEL CMD... : runs CMD, then logs how long it took. Under `set -e` a
# failing CMD ends the script as if it were called directly (no `||` here:
# that would switch errexit off inside CMD).
timed() {
  local label=$1 start
  shift
  start=$(now_s)
  "$@"
  log "$label: $(($(now_s) - start))s"
}

# wait_until SECONDS DESCRIPTION CMD... : polls CMD every half second until it
# succeeds; returns 1 when SECONDS have passed.
wait_until() {
  local timeout=$1 what=$2 deadline
  shift 2
  deadline=$(($(now_s) + timeout))
  until "$@" >/dev/null 2>&1; do
    if [ "$(now_s)" -ge "$deadline" ]; then
      warn "timed out after ${timeout}s waiting for $what"
      return 1
    fi
    sleep 0.5
  done
}
