# scripts/lib/deps.sh: the project's npm dependencies, installed with `npm ci`
# when node_modules is missing or the lockfile changed since the last install
# (a stamp in node_modules). Used by scripts/up and scripts/lint (which runs
# first in scripts/test, on a fresh clone too). Needs REPO_DIR and log.sh.

install_deps() {
  local stamp="$REPO_DIR/node_modules/.paas-lock-sha256" want
  want=$(sha256sum "$REPO_DIR/package-lock.json" | cut -d' ' -f1)
  if [ ! -d "$REPO_DIR/node_modules" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    log "npm ci"
    (cd "$REPO_DIR" && npm ci --no-audit --no-fund >&2)
    echo "$want" >"$stamp"
  else
    log "node_modules up to date"
  fi
}
