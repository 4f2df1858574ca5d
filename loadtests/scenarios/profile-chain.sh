#!/usr/bin/env bash
# Where the AiCdn chain's CPU goes under the cost benchmark's load (bench-vs-nginx.sh's chain and
# wrk load): perf samples (cpu-clock, 999 Hz, frame-pointer stacks; .NET frames named through
# DOTNET_PerfMapEnabled=1) of the edge, the core and auth-quota, each recorded for SECONDS while
# wrk runs, then rendered as flame graphs (SVG, flamegraph.py) and a top-frames list. W^X double
# mapping is turned off in the profiled processes, or perf cannot name JIT-compiled frames.
#
# With RATE set, the load is open-model instead: RATE short non-streamed completions per second from
# the load tool, the way a lightly loaded relay sees traffic, and each service's CPU per request
# is printed from /proc.
#
#   loadtests/scenarios/profile-chain.sh              # SVGs and top frames in $OUT (default docs/perf/<label>)
#   LABEL=after-otel-sampling loadtests/scenarios/profile-chain.sh
#   RATE=500 LABEL=rate-500 loadtests/scenarios/profile-chain.sh
#   CHAIN_ENV="DOTNET_gcServer=0" RATE=500 LABEL=x loadtests/scenarios/profile-chain.sh   # settings for edge and core
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"

WARMUP="${WARMUP:-45}" SECONDS_PER_RUN="${SECONDS_PER_RUN:-15}" CONNECTIONS="${CONNECTIONS:-64}" RATE="${RATE:-}"
LABEL="${LABEL:-$(git -C "$REPO_DIR" rev-parse --short HEAD)}"
OUT="${OUT:-$REPO_DIR/docs/perf/$LABEL}"
SRC="${SRC:-$REPO_DIR}"
RUN_DIR="${RUN_DIR:-$LOAD_HOME/profile-chain}"
BIN="$LOAD_HOME/bin/profile-chain"

for tool in wrk perf redis-server; do command -v "$tool" >/dev/null || aicdn_die "$tool is needed (apt-get install wrk linux-perf redis-server)"; done
[[ -f "$RUN_DIR/pids" ]] && aicdn_die "$RUN_DIR/pids exists: a run is going on (or stop it: stop_pids $RUN_DIR/pids)"
mkdir -p "$RUN_DIR/logs" "$OUT"
raise_nofile
build_services "$SRC" "$BIN"

bench_environment
: >"$RUN_DIR/pids"
trap 'stop_pids "$RUN_DIR/pids"' EXIT
read -r -a chain_env <<<"${CHAIN_ENV:-}"
start_bench_chain "$BIN" DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 "${chain_env[@]}"
[[ -n "$RATE" ]] && tool="$(load_tool)"

# The load for SECONDS seconds, in the background: wrk's closed loop, or RATE requests per second.
# Prints "requests errors".
load_for() {
  if [[ -z "$RATE" ]]; then
    wrk_post "$BENCH_EDGE" "$1" "$CONNECTIONS"
    return
  fi
  dotnet "$tool" rate -t "http://127.0.0.1:$BENCH_EDGE" -r "$RATE" -d "$1" --warmup 0 --mode whole --tokens 16 \
    --no-progress --json "$RUN_DIR/rate.json" >/dev/null 2>&1 || true
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); c=r["counters"]; print(c["requests_measured"], c["requests_failed"])' "$RUN_DIR/rate.json"
}

# auth-quota too: it hands out key contexts and is on the path when the core cannot decide.
aicdn_log "warming for ${WARMUP}s"
load_for "$WARMUP" >/dev/null

for service in edge core auth-quota; do
  pid="$(pid_of "$service")"
  aicdn_log "profiling $service ($pid) for ${SECONDS_PER_RUN}s under load${RATE:+ ($RATE/s)}"
  load_for "$((SECONDS_PER_RUN + 2))" >"$RUN_DIR/wrk-$service.txt" &
  load=$!
  sleep 1
  before="$(cpu_ticks "$pid")"
  perf record -e cpu-clock -F 999 -g -p "$pid" -o "$RUN_DIR/$service.data" -- sleep "$SECONDS_PER_RUN" >/dev/null 2>&1
  after="$(cpu_ticks "$pid")"
  wait "$load"
  read -r requests _ <"$RUN_DIR/wrk-$service.txt"
  used_us=$(( (after - before) * 1000000 / $(getconf CLK_TCK) ))
  aicdn_log "$service: $(( used_us / SECONDS_PER_RUN / 10000 )) % of a core," \
    "$(( used_us * (SECONDS_PER_RUN + 2) / SECONDS_PER_RUN / (requests > 0 ? requests : 1) )) µs of CPU per request (perf attached)"
  perf script -i "$RUN_DIR/$service.data" 2>/dev/null >"$RUN_DIR/$service.script"
  python3 "$LOADTESTS_DIR/scenarios/flamegraph.py" "$service, $LABEL" <"$RUN_DIR/$service.script" >"$OUT/$service.svg"
  # Top frames by samples in which they appear anywhere (inclusive) and at the top (self).
  python3 "$LOADTESTS_DIR/scenarios/top-frames.py" <"$RUN_DIR/$service.script" >"$OUT/$service-top.txt"
done
read -r requests errors <"$RUN_DIR/wrk-edge.txt"
aicdn_log "flame graphs and top frames in $OUT (wrk during the edge's profile: $((requests / (SECONDS_PER_RUN + 2))) req/s, $errors errors)"
