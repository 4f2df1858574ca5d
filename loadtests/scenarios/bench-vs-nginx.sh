#!/usr/bin/env bash
# What AiCdn costs against nginx, per request and per held stream, in one run on one llm-mock
# (BENCHMARKS.md, "Cost against nginx"):
#   AiCdn   edge → h2c → core → mock; quotas decided in a real Redis (the core decides directly,
#           auth-quota hands it key contexts), telemetry as shipped, resumable streams on
#   nginx   nginx edge → nginx core → the same mock, proxy_buffering off, keep-alive upstreams
# 1. Warm-up: WARMUP seconds of load on each chain.
# 2. ROUNDS alternating rounds of `wrk -t1 -c64 -d15s -s post.lua` (short non-streamed
#    completions, closed model) on each chain; CPU time of every relay process from /proc
#    (AiCdn: edge, core, auth-quota, Redis; nginx: both masters and their workers).
# 3. STREAMS paced SSE streams held through each chain (aicdn-load streams), resident memory of the
#    relays (AiCdn: edge + core; nginx: edge + core) per held stream.
# Prints the three ratios. Results in $RUN_DIR (default /tmp/aicdn-load/bench-vs-nginx).
#
#   loadtests/scenarios/bench-vs-nginx.sh          # about 7 minutes
#   ROUNDS=4 STREAMS=3000 WARMUP=60 loadtests/scenarios/bench-vs-nginx.sh
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"

WARMUP="${WARMUP:-45}" SECONDS_PER_RUN="${SECONDS_PER_RUN:-15}" ROUNDS="${ROUNDS:-2}" CONNECTIONS="${CONNECTIONS:-64}"
STREAMS="${STREAMS:-3000}" NGINX_WORKERS="${NGINX_WORKERS:-1}"
SRC="${SRC:-$REPO_DIR}"
RUN_DIR="${RUN_DIR:-$LOAD_HOME/bench-vs-nginx}"
BIN="$LOAD_HOME/bin/bench-vs-nginx"
NGINX_EDGE=16090 NGINX_CORE=16190

for tool in wrk nginx redis-server; do command -v "$tool" >/dev/null || aicdn_die "$tool is needed (apt-get install $tool)"; done
[[ -f "$RUN_DIR/pids" ]] && aicdn_die "$RUN_DIR/pids exists: a bench is running (or stop it: stop_pids $RUN_DIR/pids)"
rm -rf "$RUN_DIR/nginx"
mkdir -p "$RUN_DIR/logs"
raise_nofile
build_services "$SRC" "$BIN"
tool="$(load_tool)"

bench_environment
: >"$RUN_DIR/pids"
trap 'stop_pids "$RUN_DIR/nginx/pids"; stop_pids "$RUN_DIR/pids"' EXIT

start_bench_chain "$BIN"

chain_pids="$RUN_DIR/pids"
RUN_DIR="$RUN_DIR/nginx" CHAIN_PIDS="$chain_pids" NGINX_WORKERS="$NGINX_WORKERS" NGINX_EDGE_PORT="$NGINX_EDGE" \
  NGINX_CORE_PORT="$NGINX_CORE" MOCK_PORT="$BENCH_MOCK" MOCKS=1 "$LOADTESTS_DIR/scenarios/start-nginx-peer.sh"

aicdn_relays=("$(pid_of edge)" "$(pid_of core)" "$(pid_of auth-quota)" "$(pid_of redis)")
aicdn_streams=("$(pid_of edge)" "$(pid_of core)")
mapfile -t nginx_relays < <(awk '{ print $2 }' "$RUN_DIR/nginx/pids")
ticks=$(getconf CLK_TCK)

load() { wrk_post "$1" "$2" "$CONNECTIONS"; }

aicdn_log "warming each chain for ${WARMUP}s"
load "$BENCH_EDGE" "$WARMUP" >/dev/null
load "$NGINX_EDGE" "$WARMUP" >/dev/null

declare -A total_requests=() total_ticks=() total_errors=()
echo "| round | chain | req/s | relay CPU µs / request | errors |"
echo "|---|---|---|---|---|"
for ((round = 1; round <= ROUNDS; round++)); do
  for chain in aicdn nginx; do
    if [[ $chain == aicdn ]]; then port=$BENCH_EDGE pids=("${aicdn_relays[@]}"); else port=$NGINX_EDGE pids=("${nginx_relays[@]}"); fi
    before=$(cpu_ticks "${pids[@]}")
    read -r requests errors < <(load "$port" "$SECONDS_PER_RUN")
    after=$(cpu_ticks "${pids[@]}")
    total_requests[$chain]=$((${total_requests[$chain]:-0} + requests))
    total_ticks[$chain]=$((${total_ticks[$chain]:-0} + after - before))
    total_errors[$chain]=$((${total_errors[$chain]:-0} + errors))
    echo "| $round | $chain | $((requests / SECONDS_PER_RUN)) | $(((after - before) * 1000000 / ticks / requests)) | $errors |"
  done
done

held() { # name target pids...
  local name="$1" target="$2"
  shift 2
  local watch=()
  for pid in "$@"; do watch+=(--watch "relay=$pid"); done
  dotnet "$tool" streams -t "$target" -n "$STREAMS" --open-rate 500 --hold 20 --token-interval-ms 10000 \
    --warmup 5 --warmup-streams 50 "${watch[@]}" --json "$RUN_DIR/streams-$name.json" --label "$name" >"$RUN_DIR/logs/streams-$name.log" 2>&1 \
    || aicdn_log "the $name streams run reported errors (see $RUN_DIR/logs/streams-$name.log)"
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); g=[p for p in r["processes"] if p["group"]=="relay"][0]; print("%.1f" % g["rss_per_stream_ki_b"], r["counters"].get("streams_complete", 0))' "$RUN_DIR/streams-$name.json"
}
aicdn_log "holding $STREAMS streams through each chain"
read -r aicdn_rss aicdn_complete < <(held aicdn "http://127.0.0.1:$BENCH_EDGE" "${aicdn_streams[@]}")
read -r nginx_rss nginx_complete < <(held nginx "http://127.0.0.1:$NGINX_EDGE" "${nginx_relays[@]}")

python3 - "${total_requests[aicdn]}" "${total_ticks[aicdn]}" "${total_requests[nginx]}" "${total_ticks[nginx]}" \
  "$aicdn_rss" "$nginx_rss" "$aicdn_complete" "$nginx_complete" "$STREAMS" "$ticks" "$ROUNDS" "$SECONDS_PER_RUN" <<'PY'
import sys
ar, at, nr, nt, arss, nrss, ac, nc, streams, ticks, rounds, secs = sys.argv[1:]
ar, at, nr, nt, ticks = int(ar), int(at), int(nr), int(nt), int(ticks)
seconds = int(rounds) * int(secs)
a_rps, n_rps = ar / seconds, nr / seconds
a_cpu, n_cpu = at * 1e6 / ticks / ar, nt * 1e6 / ticks / nr
print()
print("| measure | nginx chain | AiCdn chain | AiCdn ÷ nginx | target |")
print("|---|---|---|---|---|")
print(f"| short non-streamed completions / s | {n_rps:,.0f} | {a_rps:,.0f} | **{a_rps / n_rps:.2f}×** | ≥ 0.6× |")
print(f"| CPU per request, all relay processes | {n_cpu:,.0f} µs | {a_cpu:,.0f} µs | **{a_cpu / n_cpu:.2f}×** | ≤ 2.5× |")
print(f"| resident memory per held SSE stream, edge + core ({streams} streams; {nc} / {ac} complete) | {float(nrss):.1f} KiB | {float(arss):.1f} KiB | **{float(arss) / float(nrss):.2f}×** | ≤ 1.3× |")
PY
