#!/usr/bin/env bash
# Starts the AiCdn chain from Release builds: MOCKS llm-mock processes, auth-quota (in-memory store,
# one unlimited load-test key), CORES core-relays and EDGES edge-gateways on consecutive loopback
# ports. Every process's PID goes into $RUN_DIR/pids ("group pid"), which stop-chain.sh and the load
# tool's --watch-file read.
#
#   EDGES=3 CORES=3 MOCKS=3 loadtests/scenarios/start-chain.sh
#
# Settings (environment): EDGES, CORES, MOCKS (default 1 each); EDGE_PORT (18080), CORE_PORT (18180),
# MOCK_PORT (18280), AUTH_PORT (18380); EDGE_TO_CORE=h1|h2c (h2c: the cores also listen for HTTP/2
# prior knowledge on CORE_H2C_PORT.. and the edges are pointed there; needs an edge that speaks h2c);
# EDGE_MANAGEMENT_PORT (18580: each edge's /metrics and /health listener, one port each);
# SRC (the source tree to build, default this repository); RUN_DIR (default $LOAD_HOME/chain);
# NO_BUILD=1 to reuse the last build; AICDN_LOAD_KEY (default: generated and kept in $LOAD_HOME/key).
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"

EDGES="${EDGES:-1}" CORES="${CORES:-1}" MOCKS="${MOCKS:-1}"
EDGE_PORT="${EDGE_PORT:-18080}" CORE_PORT="${CORE_PORT:-18180}" MOCK_PORT="${MOCK_PORT:-18280}" AUTH_PORT="${AUTH_PORT:-18380}"
CORE_H2C_PORT="${CORE_H2C_PORT:-18480}" EDGE_MANAGEMENT_PORT="${EDGE_MANAGEMENT_PORT:-18580}"
EDGE_TO_CORE="${EDGE_TO_CORE:-h1}"
SRC="${SRC:-$REPO_DIR}"
RUN_DIR="${RUN_DIR:-$LOAD_HOME/chain}"
BIN="$LOAD_HOME/bin/chain"

[[ -f "$RUN_DIR/pids" ]] && aicdn_die "$RUN_DIR/pids exists: a chain is running (stop it with stop-chain.sh)"
mkdir -p "$RUN_DIR/logs"
raise_nofile

build_services "$SRC" "$BIN"

KEY="$(load_key)"
AICDN_CLUSTER_SECRET="$(random_secret)"
export AICDN_CLUSTER_SECRET LOG_LEVEL="${LOG_LEVEL:-warn}" DOTNET_CLI_TELEMETRY_OPTOUT=1
: >"$RUN_DIR/pids"


for ((i = 0; i < MOCKS; i++)); do
  start_service mock "mock-$i" "$BIN/LlmMock/LlmMock.dll" ASPNETCORE_URLS="http://127.0.0.1:$((MOCK_PORT + i))"
done
start_service auth-quota auth-quota "$BIN/AuthQuota/AuthQuota.dll" ASPNETCORE_URLS="http://127.0.0.1:$AUTH_PORT" API_KEYS="$KEY"

core_targets="$(port_list "$CORE_PORT" "$CORES")"
for ((i = 0; i < CORES; i++)); do
  extra=()
  [[ "$EDGE_TO_CORE" == h2c ]] && extra=(LISTEN_H2C="127.0.0.1:$((CORE_H2C_PORT + i))")
  start_service core "core-$i" "$BIN/CoreRelay/CoreRelay.dll" ASPNETCORE_URLS="http://127.0.0.1:$((CORE_PORT + i))" \
    LLM_SOURCE_HOST="$(port_list "$MOCK_PORT" "$MOCKS")" AUTH_QUOTA_URL="http://127.0.0.1:$AUTH_PORT" \
    FORWARD_REQUEST_HEADERS="$MOCK_FORWARD_HEADERS" "${extra[@]}"
done
[[ "$EDGE_TO_CORE" == h2c ]] && core_targets="$(port_list "$CORE_H2C_PORT" "$CORES")"

# The load comes from a few 127.0.0.x addresses, so the edge's per-client-IP limits (there to stop
# one client from taking thousands of streams) are lifted; the global limits stay as configured.
core_transport=http1
[[ "$EDGE_TO_CORE" == h2c ]] && core_transport=h2c
for ((i = 0; i < EDGES; i++)); do
  start_service edge "edge-$i" "$BIN/EdgeGateway/EdgeGateway.dll" ASPNETCORE_URLS="http://127.0.0.1:$((EDGE_PORT + i))" \
    CORE_NODE_HOST="$core_targets" CORE_TRANSPORT="$core_transport" METRICS_PORT="127.0.0.1:$((EDGE_MANAGEMENT_PORT + i))" \
    Edge__Limits__PerIpRequestsPerSecond=1000000 Edge__Limits__PerIpConcurrentRequests=1000000
done

for ((i = 0; i < MOCKS; i++)); do require_healthy "http://127.0.0.1:$((MOCK_PORT + i))"; done
require_healthy "http://127.0.0.1:$AUTH_PORT"
for ((i = 0; i < CORES; i++)); do require_healthy "http://127.0.0.1:$((CORE_PORT + i))"; done
# The edge serves /health on its management listener.
for ((i = 0; i < EDGES; i++)); do require_healthy "http://127.0.0.1:$((EDGE_MANAGEMENT_PORT + i))"; done

cat >"$RUN_DIR/chain.env" <<ENV
EDGE_TARGETS=$(port_list "$EDGE_PORT" "$EDGES" | sed 's|127|http://127|g')
MOCK_TARGETS=$(port_list "$MOCK_PORT" "$MOCKS" | sed 's|127|http://127|g')
EDGE_TO_CORE=$EDGE_TO_CORE
ENV
aicdn_log "chain up: $EDGES edge(s) from :$EDGE_PORT, $CORES core(s) from :$CORE_PORT, $MOCKS mock(s) from :$MOCK_PORT, auth-quota :$AUTH_PORT (edge→core $EDGE_TO_CORE); pids in $RUN_DIR/pids"
