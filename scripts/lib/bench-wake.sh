# shellcheck shell=bash
# Sleep and wake for scripts/bench (sourced; uses its paas, new_app,
# bench_json, log, die, $work, $REPO_DIR, $OUT and $PAAS_* settings).

# wake_run : deploys the Express fixture and a bare Node http server
# (test/fixtures/apps/procfile-only), then bench/wake.ts: 50 wakes of each
# beside the awake answer and a bare `docker start` of a copy (the floor), and
# 50 apps promoted from the bare app's release woken at the same moment.
wake_run() {
  local dir bare
  dir=$(new_app wake-express)
  git -C "$dir" push -q paas main >"$work/push.log" 2>&1 || { cat "$work/push.log" >&2; die "push of wake-express failed"; }
  bare=$work/wake-bare
  cp -r "$REPO_DIR/test/fixtures/apps/procfile-only" "$bare"
  git -C "$bare" init -q -b main && git -C "$bare" add . && git -C "$bare" commit -qm first
  (cd "$bare" && paas apps:create wake-bare >/dev/null)
  git -C "$bare" push -q paas main >"$work/push.log" 2>&1 || { cat "$work/push.log" >&2; die "push of wake-bare failed"; }
  WAKE_STARTED=$(date +%s)
  bench_json wake node "$REPO_DIR/dist/bench/wake.js" --router "http://127.0.0.1:$PAAS_HTTP_PORT" --domain localhost \
    --app wake-express --app wake-bare --wakes "${PAAS_BENCH_WAKES:-50}" \
    --concurrent "${PAAS_BENCH_WAKE_CONCURRENT:-50}" --source wake-bare --cluster "$PAAS_CLUSTER"
  WAKE_SECONDS=$(($(date +%s) - WAKE_STARTED))
}

# wake_section : the markdown of the wake benchmark (after wake_run).
wake_section() {
  local f=$work/wake.json rev
  rev=$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo '?')
  cat <<EOF
## Sleep and wake

\`scripts/bench --only wake\` at $rev: \`node dist/bench/wake.js --router http://127.0.0.1:$PAAS_HTTP_PORT --app wake-express --app wake-bare --wakes ${PAAS_BENCH_WAKES:-50} --concurrent ${PAAS_BENCH_WAKE_CONCURRENT:-50} --source wake-bare\`
(${WAKE_SECONDS:-?} s): each app is put to sleep (\`POST /apps/:app/sleep\`,
until its web dyno is parked: frozen, its container paused, as the host's
frozen tier has room), then one request on a new connection through the
router is timed to the end of its answer; a cold wake is the same after a
\`config:set\` while asleep (its container made again and never started:
a start and the app's boot, as when the frozen tier is full); beside it
the same app's answer while awake, and the floor: a created copy of the
app's web container (same image, command, user, network, no port published)
started with a bare \`docker start\` until it answers on its own address.
Express: \`test/fixtures/express-hello\`; bare: a Node http server
(\`test/fixtures/apps/procfile-only\`). Goal: Express p50 ≤ 500 ms, p99 ≤ 1.5 s.

| app | first request to a sleeping app p50 / p95 / p99 (max) | cold wake p50 / p99 | awake, new connection p50 | floor: \`docker start\` / until it answers, p50 | failed |
| --- | --- | --- | --- | --- | --- |
| Express | $(jq_ "$f" wake-express_wake_p50_ms) / $(jq_ "$f" wake-express_wake_p95_ms) / $(jq_ "$f" wake-express_wake_p99_ms) ms ($(jq_ "$f" wake-express_wake_max_ms)) | $(jq_ "$f" wake-express_cold_p50_ms) / $(jq_ "$f" wake-express_cold_p99_ms) ms | $(jq_ "$f" wake-express_awake_p50_ms) ms | $(jq_ "$f" wake-express_floor_start_p50_ms) / $(jq_ "$f" wake-express_floor_answer_p50_ms) ms | $(jq_ "$f" wake-express_failed) |
| bare Node http | $(jq_ "$f" wake-bare_wake_p50_ms) / $(jq_ "$f" wake-bare_wake_p95_ms) / $(jq_ "$f" wake-bare_wake_p99_ms) ms ($(jq_ "$f" wake-bare_wake_max_ms)) | $(jq_ "$f" wake-bare_cold_p50_ms) / $(jq_ "$f" wake-bare_cold_p99_ms) ms | $(jq_ "$f" wake-bare_awake_p50_ms) ms | $(jq_ "$f" wake-bare_floor_start_p50_ms) / $(jq_ "$f" wake-bare_floor_answer_p50_ms) ms | $(jq_ "$f" wake-bare_failed) |

$(jq_ "$f" concurrent_apps) sleeping apps (promoted from wake-bare's release,
no build; set up in $(jq_ "$f" concurrent_setup_ms) ms) woken by one request each
at the same moment: p50 $(jq_ "$f" concurrent_p50) ms, p99 $(jq_ "$f" concurrent_p99) ms,
all answered within $(jq_ "$f" concurrent_all_answered_ms) ms ($(jq_ "$f" concurrent_wakes_per_s) wakes/s),
$(jq_ "$f" concurrent_failed) failed.
EOF
}

# doc_section NAME TEXT : puts TEXT between the markers of section NAME in
# $OUT (<!-- bench:NAME --> ... <!-- /bench:NAME -->), replacing what was
# there, or at the end of the page when it has none.
doc_section() {
  local name=$1 text=$2
  node -e '
    const fs = require("fs");
    const [file, name, text] = process.argv.slice(1);
    const open = `<!-- bench:${name} -->`, close = `<!-- /bench:${name} -->`;
    const doc = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "# Benchmarks\n";
    const block = `${open}\n${text.trim()}\n${close}`;
    const a = doc.indexOf(open), b = doc.indexOf(close);
    const out = a >= 0 && b > a ? doc.slice(0, a) + block + doc.slice(b + close.length) : `${doc.trimEnd()}\n\n${block}\n`;
    fs.writeFileSync(file, out);
  ' "$OUT" "$name" "$text"
}
