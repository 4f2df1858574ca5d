#!/usr/bin/env bash
# What each hop and resumability cost, measured side by side in one session (BENCHMARKS.md,
# "core-relay" and "Resumable streams"). Starts from Release builds, on loopback:
#
#   llm-mock :19280, auth-quota :19380 (in-memory store),
#   core-res   :19180 (+ h2c :19480), resumable streams on (the default)
#   core-plain :19181 (+ h2c :19481), RESUMABLE_STREAMS=false
#   edge-mock  :19080 -> llm-mock directly (the edge alone between client and origin)
#   edge-res   :19081 -> core-res over h2c
#   edge-plain :19082 -> core-plain over h2c
#
# then runs, interleaved against a baseline in the same run:
#   overhead  edge-mock  vs mock        what the edge adds
#   overhead  edge-plain vs mock        what edge + core add (plain relaying)
#   overhead  edge-res   vs edge-plain  what resumability adds (the core is the only difference)
#   streams   N held on edge-plain, then on edge-res: RSS per open stream of each process
#
#   loadtests/scenarios/bench-resumable.sh            # about 6 minutes
#   QUOTA_STORE=redis loadtests/scenarios/bench-resumable.sh
#       the same with a redis-server on :19680 for auth-quota and both cores, so the cores decide
#       against Redis themselves (direct decisions) instead of calling auth-quota
# Settings: STREAMS (3000), HOLD (30 s), OVERHEAD_SECONDS (30), CONCURRENCY (4), QUOTA_STORE
# (memory | redis), SRC, NO_BUILD=1.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"

QUOTA_STORE="${QUOTA_STORE:-memory}"
STREAMS="${STREAMS:-3000}" HOLD="${HOLD:-30}" OVERHEAD_SECONDS="${OVERHEAD_SECONDS:-30}" CONCURRENCY="${CONCURRENCY:-4}"
SRC="${SRC:-$REPO_DIR}"
RUN_DIR="${RUN_DIR:-$LOAD_HOME/bench-resumable}"
BIN="$LOAD_HOME/bin/bench-resumable"
OUT="$RUN_DIR/results"

[[ -f "$RUN_DIR/pids" ]] && aicdn_die "$RUN_DIR/pids exists: a bench is running (or stop it: stop_pids $RUN_DIR/pids)"
mkdir -p "$RUN_DIR/logs" "$OUT"
raise_nofile

build_services "$SRC" "$BIN"
tool="$(load_tool)"

bench_environment
KEY="$AICDN_LOAD_KEY"
: >"$RUN_DIR/pids"
trap 'stop_pids "$RUN_DIR/pids"' EXIT


start_service mock mock "$BIN/LlmMock/LlmMock.dll" ASPNETCORE_URLS=http://127.0.0.1:19280
store_env=()
if [[ $QUOTA_STORE == redis ]]; then
  start_redis 19680
  store_env=(REDIS_URL=127.0.0.1:19680)
fi
start_service auth-quota auth-quota "$BIN/AuthQuota/AuthQuota.dll" ASPNETCORE_URLS=http://127.0.0.1:19380 API_KEYS="$KEY" "${store_env[@]}"
start_service core-res core-res "$BIN/CoreRelay/CoreRelay.dll" ASPNETCORE_URLS=http://127.0.0.1:19180 LISTEN_H2C=127.0.0.1:19480 \
  LLM_SOURCE_HOST=127.0.0.1:19280 AUTH_QUOTA_URL=http://127.0.0.1:19380 FORWARD_REQUEST_HEADERS="$MOCK_FORWARD_HEADERS" CORE_NODE_ID=core-res "${store_env[@]}"
start_service core-plain core-plain "$BIN/CoreRelay/CoreRelay.dll" ASPNETCORE_URLS=http://127.0.0.1:19181 LISTEN_H2C=127.0.0.1:19481 \
  LLM_SOURCE_HOST=127.0.0.1:19280 AUTH_QUOTA_URL=http://127.0.0.1:19380 FORWARD_REQUEST_HEADERS="$MOCK_FORWARD_HEADERS" RESUMABLE_STREAMS=false "${store_env[@]}"
edge_env=(Edge__Limits__PerIpRequestsPerSecond=0 Edge__Limits__PerIpConcurrentRequests=0)
start_service edge-mock edge-mock "$BIN/EdgeGateway/EdgeGateway.dll" LISTEN_HTTP=127.0.0.1:19080 METRICS_PORT=127.0.0.1:19580 \
  CORE_NODE_HOST=127.0.0.1:19280 "${edge_env[@]}"
start_service edge-res edge-res "$BIN/EdgeGateway/EdgeGateway.dll" LISTEN_HTTP=127.0.0.1:19081 METRICS_PORT=127.0.0.1:19581 \
  CORE_NODE_HOST=127.0.0.1:19480 CORE_TRANSPORT=h2c "${edge_env[@]}"
start_service edge-plain edge-plain "$BIN/EdgeGateway/EdgeGateway.dll" LISTEN_HTTP=127.0.0.1:19082 METRICS_PORT=127.0.0.1:19582 \
  CORE_NODE_HOST=127.0.0.1:19481 CORE_TRANSPORT=h2c "${edge_env[@]}"

require_healthy http://127.0.0.1:19280 http://127.0.0.1:19380 http://127.0.0.1:19180 http://127.0.0.1:19181 \
  http://127.0.0.1:19580 http://127.0.0.1:19581 http://127.0.0.1:19582
aicdn_log "chain up; results in $OUT"

overhead() { # label target direct
  aicdn_log "overhead $1"
  dotnet "$tool" overhead -t "$2" --direct "$3" -c "$CONCURRENCY" -d "$OVERHEAD_SECONDS" --label "$1" \
    --json "$OUT/overhead-$1.json" >"$OUT/overhead-$1.txt" 2>&1 || aicdn_log "overhead $1 reported failures (see $OUT/overhead-$1.txt)"
  tail -n 25 "$OUT/overhead-$1.txt"
}
overhead edge-only http://127.0.0.1:19080 http://127.0.0.1:19280
overhead edge-core-plain http://127.0.0.1:19082 http://127.0.0.1:19280
overhead resumable-vs-plain http://127.0.0.1:19081 http://127.0.0.1:19082

# Who decided: with QUOTA_STORE=redis the cores decide what they hold a key context for, auth-quota the rest.
for service in core-res:19180 core-plain:19181 auth-quota:19380; do
  decided=$(curl -fsS "http://127.0.0.1:${service#*:}/metrics" | awk '/^aicdn_quota_decisions_total/ { n += $NF } END { print n + 0 }')
  aicdn_log "quota decisions made by ${service%:*}: $decided"
done

held() { # label edge-port core-group
  aicdn_log "streams $1: $STREAMS held ${HOLD}s"
  dotnet "$tool" streams -t "http://127.0.0.1:$2" -n "$STREAMS" --open-rate 300 --hold "$HOLD" --token-interval-ms 5000 \
    --warmup 5 --watch "edge=$(pid_of "edge-${1}")" --watch "core=$(pid_of "$3")" --watch "mock=$(pid_of mock)" \
    --label "$1" --json "$OUT/streams-$1.json" --no-progress >"$OUT/streams-$1.txt" 2>&1 \
    || aicdn_log "streams $1 reported failures (see $OUT/streams-$1.txt)"
  tail -n 30 "$OUT/streams-$1.txt"
}
held plain 19082 core-plain
held res 19081 core-res

aicdn_log "done; stopping the chain"
