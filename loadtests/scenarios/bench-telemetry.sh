#!/usr/bin/env bash
# CPU per request of a warmed edge + core, and what OpenTelemetry costs them (BENCHMARKS.md,
# "What limited each run"). Three chains side by side on one llm-mock and one auth-quota, each an
# edge over h2c to its own core:
#   default   telemetry as shipped (every request traced, metrics on)
#   sampled   OTEL_TRACES_SAMPLER=parentbased_traceidratio, OTEL_TRACES_SAMPLER_ARG=0.01 on edge and core
#   off       OTEL_SDK_DISABLED=true on edge and core
# Each chain is warmed with WARMUP seconds of load, then measured alternately for ROUNDS rounds of
# SECONDS with wrk (non-streamed, closed model, 16 connections); CPU from /proc/<pid>/stat.
#
#   loadtests/scenarios/bench-telemetry.sh      # about 6 minutes
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"

WARMUP="${WARMUP:-60}" SECONDS_PER_RUN="${SECONDS_PER_RUN:-15}" ROUNDS="${ROUNDS:-2}"
SRC="${SRC:-$REPO_DIR}"
RUN_DIR="${RUN_DIR:-$LOAD_HOME/bench-telemetry}"
BIN="$LOAD_HOME/bin/bench-telemetry"

command -v wrk >/dev/null || aicdn_die "wrk is needed (apt-get install wrk)"
[[ -f "$RUN_DIR/pids" ]] && aicdn_die "$RUN_DIR/pids exists: a bench is running (or stop it: stop_pids $RUN_DIR/pids)"
mkdir -p "$RUN_DIR/logs"
raise_nofile
build_services "$SRC" "$BIN"

bench_environment
: >"$RUN_DIR/pids"
trap 'stop_pids "$RUN_DIR/pids"' EXIT

start_service mock mock "$BIN/LlmMock/LlmMock.dll" ASPNETCORE_URLS=http://127.0.0.1:17280
start_service auth-quota auth-quota "$BIN/AuthQuota/AuthQuota.dll" ASPNETCORE_URLS=http://127.0.0.1:17380 API_KEYS="$AICDN_LOAD_KEY"

variants=(default sampled off)
for i in "${!variants[@]}"; do
  variant="${variants[$i]}" telemetry=()
  case "$variant" in
    sampled) telemetry=(OTEL_TRACES_SAMPLER=parentbased_traceidratio OTEL_TRACES_SAMPLER_ARG=0.01) ;;
    off) telemetry=(OTEL_SDK_DISABLED=true) ;;
  esac
  start_service "core-$variant" "core-$variant" "$BIN/CoreRelay/CoreRelay.dll" "${telemetry[@]}" ASPNETCORE_URLS="http://127.0.0.1:$((17180 + i))" \
    LISTEN_H2C="127.0.0.1:$((17480 + i))" LLM_SOURCE_HOST=127.0.0.1:17280 AUTH_QUOTA_URL=http://127.0.0.1:17380 FORWARD_REQUEST_HEADERS="$MOCK_FORWARD_HEADERS"
  start_service "edge-$variant" "edge-$variant" "$BIN/EdgeGateway/EdgeGateway.dll" "${telemetry[@]}" LISTEN_HTTP="127.0.0.1:$((17080 + i))" \
    METRICS_PORT="127.0.0.1:$((17580 + i))" CORE_NODE_HOST="127.0.0.1:$((17480 + i))" CORE_TRANSPORT=h2c \
    Edge__Limits__PerIpRequestsPerSecond=0 Edge__Limits__PerIpConcurrentRequests=0
done
require_healthy http://127.0.0.1:17280 http://127.0.0.1:17380
for i in "${!variants[@]}"; do
  require_healthy "http://127.0.0.1:$((17180 + i))" "http://127.0.0.1:$((17580 + i))"
done

# "requests errors" from post.lua's summary line.
load() { # port seconds
  wrk -t1 -c16 -d"$2s" -s "$LOADTESTS_DIR/scenarios/post.lua" "http://127.0.0.1:$1/v1/chat/completions" |
    sed -n 's/^wrk-summary requests=\([0-9]*\) errors_status=\([0-9]*\).*/\1 \2/p'
}

for i in "${!variants[@]}"; do
  aicdn_log "warming ${variants[$i]} for ${WARMUP}s"
  load "$((17080 + i))" "$WARMUP" >/dev/null
done
echo "| round | telemetry | req/s | core µs CPU / request | edge µs CPU / request | errors |"
echo "|---|---|---|---|---|---|"
ticks=$(getconf CLK_TCK)
for ((round = 1; round <= ROUNDS; round++)); do
  for i in "${!variants[@]}"; do
    variant="${variants[$i]}" core="$(pid_of "core-${variants[$i]}")" edge="$(pid_of "edge-${variants[$i]}")"
    core0=$(cpu_ticks "$core") edge0=$(cpu_ticks "$edge")
    read -r requests errors < <(load "$((17080 + i))" "$SECONDS_PER_RUN")
    core1=$(cpu_ticks "$core") edge1=$(cpu_ticks "$edge")
    echo "| $round | $variant | $((requests / SECONDS_PER_RUN)) | $(((core1 - core0) * 1000000 / ticks / requests)) | $(((edge1 - edge0) * 1000000 / ticks / requests)) | $errors |"
  done
done
