# scripts/lib/bench-doc.sh: docs/benchmarks.md from what scripts/bench
# measured. Sourced by scripts/bench after every measurement: it reads that
# script's results ($work/*.json, the cold/warm/b_*/f_* arrays, DENSITY_*).

# placement_tables JSON : the markdown tables of the placement section.
placement_tables() {
  node -e '
    const o = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const pol = [["balanced", "balanced (ours)"], ["least_containers", "least-containers (fleet)"]];
    console.log("| policy | time per full placement, median (min–max) | unplaced |");
    console.log("| --- | --- | --- |");
    for (const [k, name] of pol) console.log(`| ${name} | ${o[`speed_${k}_ms`]} ms (${o[`speed_${k}_min_ms`]}–${o[`speed_${k}_max_ms`]}) | ${o[`speed_${k}_unplaced`]} |`);
    console.log("");
    console.log("| workload | order | policy | CV memory | CV CPU | CV max(mem, CPU) | fullest host | unplaced |");
    console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
    for (const w of ["sizes", "cpu_memory"]) for (const fill of ["70", "90"]) for (const order of ["batch", "arrival"]) for (const [k, name] of pol) {
      const p = `quality_${w}_fill${fill}_${order}_${k}_`;
      if (o[p + "cv_max"] === undefined) continue;
      console.log(`| ${w.replace("_", "-")} ${fill}% (${o[`quality_${w}_fill${fill}_containers`]} containers, ${o[`quality_${w}_fill${fill}_hosts`]} hosts) | ${order} | ${name} | ${o[p + "cv_mem"]} | ${o[p + "cv_cpu"]} | ${o[p + "cv_max"]} | ${o[p + "fullest_max"]} | ${o[p + "unplaced"]} |`);
    }
  ' "$1"
}

# ratio A B : A / B to two decimals (medians of two lists given as "a b c" strings).
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

# jq_ FILE KEY : one value of a flat JSON file ('n/a' when absent).
jq_() { node -e 'const o = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); const v = o[process.argv[2]]; console.log(v === undefined ? "n/a" : v)' "$1" "$2" 2>/dev/null || echo n/a; }
pq() { jq_ "$work/placement.json" "quality_cpu_memory_fill90_arrival_$1"; }
# The one "platform" process's restart, else the agent's (a process per service).
services_back_ms() {
  local v
  v=$(jq_ "$work/restart.json" platform_back_ms)
  [ "$v" = n/a ] && v=$(jq_ "$work/restart.json" agent_back_ms)
  echo "$v"
}
headline() {
  local first_set
  first_set=$(head -n1 "$work/density-rows" | awk -F'|' '{gsub(/ /, "", $5); print $5}')
  cat <<ROWS
| figure | value |
| --- | --- |
| \`git push\` to the new version serving, cold / warm (median) | $(stats "${cold[@]}" | cut -d' ' -f1-2) / $(stats "${warm[@]}" | cut -d' ' -f1-2) |
| warm build (lockfile unchanged) / bare \`npm ci\` floor | $(ratio "$(median "${b_warm[@]}")" "$(median "${f_warm[@]}")")× |
| \`config:set\` to the new config serving (1 app) | ${first_set/ms/ ms} |
| failed requests during 20 deploys under load (kept-alive + new connections) | $(jq_ "$work/swap.json" failed_total) of $(($(jq_ "$work/swap.json" keepalive_requests) + $(jq_ "$work/swap.json" new_conn_requests))); websockets dropped across scaling: $(jq_ "$work/swap.json" ws_dropped) of $(jq_ "$work/swap.json" ws_opened) |
| router throughput / the container directly, Express hello app / bare Node http server | $(jq_ "$work/overhead-express.json" throughput_ratio) / $(jq_ "$work/overhead.json" throughput_ratio) (against Docker's published port: $(jq_ "$work/overhead-express.json" published_ratio) / $(jq_ "$work/overhead.json" published_ratio)) |
| router throughput / the container directly (Express), with network isolation / without | $(jq_ "$work/overhead-express.json" throughput_ratio) / $(jq_ "$work/overhead-express-noiso.json" throughput_ratio) |
| container create + start, default bridge / isolated network + disk + bandwidth (median) | $(jq_ "$work/start.json" start_ms_bare_median) ms / $(jq_ "$work/start.json" start_ms_network_disk_and_bandwidth_median) ms |
| bandwidth achieved / limit, eco and standard-2x, egress / ingress (Mbit/s) | eco $(jq_ "$work/bandwidth.json" eco_egress_mbit) / $(jq_ "$work/bandwidth.json" eco_ingress_mbit) of $(jq_ "$work/bandwidth.json" eco_egress_limit_mbit); standard-2x $(jq_ "$work/bandwidth.json" standard_2x_egress_mbit) / $(jq_ "$work/bandwidth.json" standard_2x_ingress_mbit) of $(jq_ "$work/bandwidth.json" standard_2x_egress_limit_mbit) |
| a dyno filling its 1 GiB disk until ENOSPC | $(jq_ "$work/disk.json" fill_ms_to_enospc) ms ($(jq_ "$work/disk.json" fill_mb_written) MB written) |
| kill -9 of the services' process (the agent's own with PAAS_PROCESSES=separate) / etcd / nginx until running again | $(services_back_ms) / $(jq_ "$work/restart.json" etcd_back_ms) / $(jq_ "$work/restart.json" nginx_back_ms) ms (the controller answering again: $(jq_ "$work/restart.json" controller_answering_ms) ms) |
| rollout, release to all web healthy and routed, web=1 / web=3 | $(jq_ "$work/rollout.json" rollout_web1_ms_median) ms / $(jq_ "$work/rollout.json" rollout_web3_ms_median) ms |
| placement, cpu-memory workload at 90% arrival: CV of host load, ours / least-containers | $(pq balanced_cv_max) / $(pq least_containers_cv_max) (unplaced $(pq balanced_unplaced) / $(pq least_containers_unplaced)) |
| \`paas run echo hi\` to its output (median) | $(jq_ "$work/run.json" output_median_ms) ms |
| log lines delivered of 50,000/s for 10 s | $(jq_ "$work/logs.json" delivered_per_s)/s (the rest dropped and counted; unaccounted: $(jq_ "$work/logs.json" lines_unaccounted)) |
| platform memory (services, etcd, nginx), idle / 50 apps / $DENSITY_APPS apps | $DENSITY_IDLE_MB / ${DENSITY_50_MB:-n/a} / $DENSITY_FULL_MB MiB |
| apps deployed and answering, apps per GiB of app memory | $DENSITY_ANSWERING, $(awk -v a="$DENSITY_APPS_MB" -v n="$DENSITY_APPS" 'BEGIN {printf "%.1f", n / (a / 1024)}') |
| router throughput with request metrics on / off (nginx CPU per request, on / off) | $(jq_ "$work/reqmetrics.json" throughput_ratio) ($(jq_ "$work/reqmetrics.json" on_nginx_cpu_us_per_request) / $(jq_ "$work/reqmetrics.json" off_nginx_cpu_us_per_request) µs) |
| metrics store, 100 apps over 7 days: heap above an empty store's / its file | $(jq_ "$work/metricsstore-100.json" store_mb) / $(jq_ "$work/metricsstore-100.json" file_mb) MiB |
ROWS
}

# write_doc : rewrites $OUT (docs/benchmarks.md) up to its first section
# written apart (<!-- bench:NAME -->, doc_section): those, and the notes
# between them, are kept as they were.
write_doc() {
local cpu mem kept
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
mem=$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)
kept=$(sed -n '/^<!-- bench:/,$p' "$OUT" 2>/dev/null || true)
cat >"$OUT" <<EOF
# Benchmarks

Written by \`scripts/bench\` (it brings up a platform of its own, measures,
and purges it). Rerun it to refresh this page.

- Date: $(date -u '+%Y-%m-%d %H:%M UTC')
- Machine: $(nproc) cores ($cpu), $mem, $(. /etc/os-release && echo "$PRETTY_NAME"), Docker $(docker version --format '{{.Server.Version}}')
- Commit: $(git -C "$REPO_DIR" rev-parse --short HEAD)

## Headline figures

$(headline)

## git push to the new version serving

\`git push paas main\` of \`test/fixtures/express-hello\` (Express with a
lockfile) until the new body answers through the router; median of
$RUNS runs (min–max). Cold: a new app, so no build cache and no image yet.
Warm: a one-line change pushed to that app while it serves.

| | time |
| --- | --- |
| cold push to serving | $(stats "${cold[@]}") |
| warm push to serving | $(stats "${warm[@]}") |

## Push to image (the build)

The same app, its push timed until the app image is committed and the
release made (the push's time less the "Launching..." wait the builder
reports); median of $RUNS runs (min–max). Warm with an unchanged lockfile
restores \`node_modules\` from the build cache (asserted from the output);
one dependency added changes the lockfile, so \`npm ci\` runs with the npm
cache. Floor: the same \`npm ci\` run by hand in a bare container of the
build stack (container start included), with an empty and with a warm npm
cache, in the same run.

| | time |
| --- | --- |
| cold build, push to image | $(stats "${b_cold[@]}") |
| warm build, lockfile unchanged | $(stats "${b_warm[@]}") |
| warm build, one dependency added | $(stats "${b_dep[@]}") |
| floor: \`npm ci\` in the build stack, empty npm cache | $(stats "${f_cold[@]}") |
| floor: \`npm ci\` in the build stack, warm npm cache | $(stats "${f_warm[@]}") |

Warm build with the lockfile unchanged / floor with a warm npm cache:
**$(ratio "$(median "${b_warm[@]}")" "$(median "${f_warm[@]}")")×** (target 1.5×); one dependency added / the same floor:
**$(ratio "$(median "${b_dep[@]}")" "$(median "${f_warm[@]}")")×**.

## Placement

\`node dist/bench/placement.js --runs $RUNS\` (pure placement, no I/O; seed
42). Speed: 10,000 containers of mixed sizes onto 1,000 hosts of 4–32 GB and
2–16 CPUs in pools shared/high/low (30% of the containers require a pool).
Quality: a heterogeneous workload whose memory and CPU needs differ by 10×
(\`sizes\`: performance-m, standard-2x, standard-1x and eco apps;
\`cpu-memory\`: CPU-heavy and memory-heavy apps as well) filling 70% or 90% of
100 mixed hosts, placed as one batch (largest first, as one plan does) and
one container at a time in arrival order; the coefficient of variation of
host utilisation (lower is more even) and the fullest host.

$(placement_tables "$work/placement.json")

## Rollout

\`node dist/bench/rollout.js --app rollout-app --runs $RUNS\`: a config-only
release (PATCH config-vars) until the route names it with every new web
container answering, for web=1 and web=3 (the Express fixture).

$(json_table "$work/rollout.json")

## Swap safety: 20 deploys under load

\`node dist/bench/swap.js\` against \`test/fixtures/apps/ws-echo\` through the
router: one load generator on kept-alive connections and one opening a new
connection per request while \`paas config:set\` redeploys it 20 times in a
row (each waited out until only new containers answer); then 20 websockets
held open (an echo a second) while \`ps:scale web=2\` and \`web=1\` run.
Failed = any non-2xx, reset or timeout.

$(json_table "$work/swap.json")

## Router overhead

\`node dist/bench/overhead.js --concurrency 16 --duration 10 --rounds 5\`
(wrk, one thread, 16 kept-alive connections): one web container measured
three ways in turn, 5 rounds each: directly at its bridge address (no proxy
at all), at its port published by Docker (how a client on the host reaches
a container without the router: Docker's userland port proxy), and through
the router (nginx; the router reaches a container on its own host at its
bridge address). The load generator, nginx, the router's log shipping and
the app share this machine's two cores, so the router's CPU per request
comes out of the app's share: the ratio is lowest for an app that does
almost nothing per request (nginx spends about 35 µs of CPU per request, the
access log's way to \`paas logs\` about 20 µs more, measured with
/proc/<pid>/stat; a bare Node server answers in about 25 µs, Express in about
150 µs). Run to run, on this machine, the Express ratio has ranged from 0.85
to 0.93.

Express hello app (\`test/fixtures/express-hello\`, the README's app):

$(json_table "$work/overhead-express.json")

Bare Node http server (\`test/fixtures/apps/ws-echo\`, answers its host name and dyno):

$(json_table "$work/overhead.json")

## Disk per dyno

\`node dist/bench/disk.js --runs 10 --disk-mb 1024\`: create + start of a
run-stack container until it runs, with the agent's layer filesystem of
1024 MB (eco's limit; core/layerdisk.ts) and without it (the floor), 10 of
each, alternating; then a container with the limit writes zeros until
ENOSPC: how long that took and how much it wrote (at most the limit).

$(json_table "$work/disk.json")

## Start cost of isolation and limits

\`node dist/bench/start.js --network $PAAS_CLUSTER-apps --runs 10\`: create +
start of a run-stack container (standard-1x) until it runs, 10 of each in
turn, with the agent's own DockerRuntime: on Docker's default bridge with no
limit of ours (the floor), on the cluster's isolated apps network, plus its
disk (layer filesystem), plus its bandwidth shaping (all that the agent does).

$(json_table "$work/start.json")

## Bandwidth per dyno

\`node dist/bench/bandwidth.js --sizes eco,standard-2x --seconds 3 --runs 3\`:
a container of the run stack pushes data to a server on the host for 3 s
(egress), then pulls from it for 3 s (ingress), shaped by the agent's
runtime to its size's rates (tc tbf on both ends of its veth); medians of 3.
The floor: the same from an unshaped container.

$(json_table "$work/bandwidth.json")

## Isolation and the router

The Express overhead above (apps on the cluster's isolated network, icc off,
the agent's iptables rules) against the same with
PAAS_AGENT_NETWORK_ISOLATION=false (the app's container on Docker's default
bridge; the agent restarted, the app's dyno replaced):

$(json_table "$work/overhead-express-noiso.json")

## Supervision: back after kill -9

Each platform process of the bench platform killed with \`kill -9\` in turn
(12 s apart, past the backoff's window): the time until its supervisor runs a
new one (runit for the services' process, \`platform\` or each service's,
and etcd; the router for nginx), then the controller's process killed again:
until its /healthz answers.

$(json_table "$work/restart.json")

## paas run

\`node dist/bench/run.js --app rollout-app --runs 10\`: the built CLI runs
\`paas run echo hi\` (no TTY) as a user would; the time until \`hi\` is on its
stdout, and until it exits (the one-off is placed by the scheduler, started
by the agent and attached through the controller).

$(json_table "$work/run.json")

## Log throughput

\`node dist/bench/logs.js --app rollout-app --rate 50000 --seconds 10\`: a
\`flood\` process writing 50,000 lines per second for 10 s; a \`--tail\` session
counts what it receives, L10 lines tell what the flood control dropped (the
agent forwards at most PAAS_LOG_RATE lines per second per container).

$(json_table "$work/logs.json")

## Density and the control plane as apps grow

$DENSITY_APPS apps of \`test/fixtures/apps/env-echo\` (a Procfile app: node's
http server answering a config var), each \`web=1:eco\` (256 MB limit),
pushed two at a time; $DENSITY_ANSWERING of $DENSITY_APPS answer through the router at the end.
Deploying them took ${DENSITY_DEPLOY_S} s.

| | |
| --- | --- |
| memory used by the $DENSITY_APPS app containers (docker stats) | $DENSITY_APPS_MB MiB ($(awk -v a="$DENSITY_APPS_MB" -v n="$DENSITY_APPS" 'BEGIN {printf "%.0f", a / n}') MiB per app) |
| apps per GiB of app memory | $(awk -v a="$DENSITY_APPS_MB" -v n="$DENSITY_APPS" 'BEGIN {printf "%.1f", n / (a / 1024)}') |
| apps per GiB, platform included | $(awk -v a="$DENSITY_APPS_MB" -v p="$DENSITY_FULL_MB" -v n="$DENSITY_APPS" 'BEGIN {printf "%.1f", n / ((a + p) / 1024)}') |
| platform memory (RSS of the five services, PAAS_PROCESSES=${PAAS_PROCESSES:-one}, etcd, nginx), idle | $DENSITY_IDLE_MB MiB |
| platform memory with 50 apps deployed | ${DENSITY_50_MB:-n/a} MiB |
| platform memory with $DENSITY_APPS apps deployed | $DENSITY_FULL_MB MiB |
| Docker engine (dockerd + containerd) with $DENSITY_APPS apps | $DENSITY_ENGINE_MB MiB |

The control plane as apps grow (one run each): \`paas apps\`, \`paas
config:set GREETING=...\` (until the release is made) and until the new value
answers through the router.

| apps deployed | \`paas apps\` | \`config:set\` | \`config:set\` to serving |
| --- | --- | --- | --- |
$(cat "$work/density-rows")

Command: \`scripts/bench\` (PAAS_BENCH_RUNS=$RUNS, PAAS_BENCH_DENSITY_APPS=$DENSITY_APPS).
EOF
if [ -n "$kept" ]; then printf '\n%s\n' "$kept" >>"$OUT"; fi
}
