#!/usr/bin/env bash
# Two builds of edge + core side by side, for a change to the hot path: the only comparison that
# beats the ±10 % two runs of the same code differ by when they run minutes apart. Each build gets
# its own edge → h2c → core pair; both share one llm-mock, one Redis (the cores decide directly, as
# in bench-vs-nginx.sh) and auth-quota (from build B). Each pair is warmed, then measured in
# alternating rounds of wrk (short non-streamed completions, closed model); CPU per request is the
# pair's edge + core from /proc/<pid>/stat (Redis and auth-quota are shared, so not counted).
#
#   git worktree add --detach /tmp/base-X X
#   SRC_A=/tmp/base-X loadtests/scenarios/bench-ab.sh           # B defaults to this tree; about 5 minutes
#   ROUNDS=6 SECONDS_PER_RUN=10 SRC_A=... SRC_B=... loadtests/scenarios/bench-ab.sh
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"

WARMUP="${WARMUP:-30}" SECONDS_PER_RUN="${SECONDS_PER_RUN:-15}" ROUNDS="${ROUNDS:-4}" CONNECTIONS="${CONNECTIONS:-64}"
SRC_A="${SRC_A:?SRC_A: the tree of build A (the baseline)}" SRC_B="${SRC_B:-$REPO_DIR}"
RUN_DIR="${RUN_DIR:-$LOAD_HOME/bench-ab}"

for tool in wrk redis-server; do command -v "$tool" >/dev/null || aicdn_die "$tool is needed (apt-get install $tool)"; done
[[ -f "$RUN_DIR/pids" ]] && aicdn_die "$RUN_DIR/pids exists: a bench is running (or stop it: stop_pids $RUN_DIR/pids)"
mkdir -p "$RUN_DIR/logs"
raise_nofile
build_services "$SRC_A" "$LOAD_HOME/bin/bench-ab-a"
build_services "$SRC_B" "$LOAD_HOME/bin/bench-ab-b"
aicdn_log "A: $(git -C "$SRC_A" rev-parse --short HEAD) ($SRC_A); B: $(git -C "$SRC_B" rev-parse --short HEAD) ($SRC_B)"

bench_environment
: >"$RUN_DIR/pids"
trap 'stop_pids "$RUN_DIR/pids"' EXIT

start_redis "$BENCH_REDIS"
start_service mock mock "$LOAD_HOME/bin/bench-ab-b/LlmMock/LlmMock.dll" ASPNETCORE_URLS="http://127.0.0.1:$BENCH_MOCK"
start_service auth-quota auth-quota "$LOAD_HOME/bin/bench-ab-b/AuthQuota/AuthQuota.dll" ASPNETCORE_URLS="http://127.0.0.1:$BENCH_AUTH" \
  API_KEYS="$AICDN_LOAD_KEY" REDIS_URL="127.0.0.1:$BENCH_REDIS"
builds=(a b)
for i in "${!builds[@]}"; do
  build="${builds[$i]}" bin="$LOAD_HOME/bin/bench-ab-${builds[$i]}"
  start_service "core-$build" "core-$build" "$bin/CoreRelay/CoreRelay.dll" ASPNETCORE_URLS="http://127.0.0.1:$((BENCH_CORE + 10 + i))" \
    LISTEN_H2C="127.0.0.1:$((BENCH_CORE_H2C + 10 + i))" LLM_SOURCE_HOST="127.0.0.1:$BENCH_MOCK" AUTH_QUOTA_URL="http://127.0.0.1:$BENCH_AUTH" \
    REDIS_URL="127.0.0.1:$BENCH_REDIS" FORWARD_REQUEST_HEADERS="$MOCK_FORWARD_HEADERS"
  start_service "edge-$build" "edge-$build" "$bin/EdgeGateway/EdgeGateway.dll" LISTEN_HTTP="127.0.0.1:$((BENCH_EDGE + 10 + i))" \
    METRICS_PORT="127.0.0.1:$((BENCH_EDGE_MGMT + 10 + i))" CORE_NODE_HOST="127.0.0.1:$((BENCH_CORE_H2C + 10 + i))" CORE_TRANSPORT=h2c \
    Edge__Limits__PerIpRequestsPerSecond=0 Edge__Limits__PerIpConcurrentRequests=0
done
require_healthy "http://127.0.0.1:$BENCH_MOCK" "http://127.0.0.1:$BENCH_AUTH"
for i in "${!builds[@]}"; do
  require_healthy "http://127.0.0.1:$((BENCH_CORE + 10 + i))" "http://127.0.0.1:$((BENCH_EDGE_MGMT + 10 + i))"
done

for i in "${!builds[@]}"; do
  aicdn_log "warming ${builds[$i]} for ${WARMUP}s"
  wrk_post "$((BENCH_EDGE + 10 + i))" "$WARMUP" "$CONNECTIONS" >/dev/null
done

ticks=$(getconf CLK_TCK)
declare -A total_requests=() total_ticks=()
echo "| round | build | req/s | edge + core µs CPU / request | errors |"
echo "|---|---|---|---|---|"
for ((round = 1; round <= ROUNDS; round++)); do
  # Alternate which build goes first, so neither always follows the other's load.
  order=(0 1)
  ((round % 2 == 0)) && order=(1 0)
  for i in "${order[@]}"; do
    build="${builds[$i]}"
    pids=("$(pid_of "edge-$build")" "$(pid_of "core-$build")")
    before=$(cpu_ticks "${pids[@]}")
    read -r requests errors < <(wrk_post "$((BENCH_EDGE + 10 + i))" "$SECONDS_PER_RUN" "$CONNECTIONS")
    after=$(cpu_ticks "${pids[@]}")
    total_requests[$build]=$((${total_requests[$build]:-0} + requests))
    total_ticks[$build]=$((${total_ticks[$build]:-0} + after - before))
    echo "| $round | $build | $((requests / SECONDS_PER_RUN)) | $(((after - before) * 1000000 / ticks / requests)) | $errors |"
  done
done

seconds=$((ROUNDS * SECONDS_PER_RUN))
echo
echo "| build | req/s | edge + core µs CPU / request |"
echo "|---|---|---|"
for build in "${builds[@]}"; do
  echo "| $build | $((total_requests[$build] / seconds)) | $((total_ticks[$build] * 1000000 / ticks / total_requests[$build])) |"
done
