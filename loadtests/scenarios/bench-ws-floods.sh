#!/usr/bin/env bash
# What floods of WebSocket frames cost the edge (docs/perf/websocket-floods.md). One edge, pinned to
# CPU 0, no core behind it (a chat socket needs only an Authorization header to open; every
# message here is refused before a core would be asked); ws-flood.cs, pinned to CPU 1, floods
# /v1/ws/chat in each mode for SECONDS and prints the edge's CPU seconds (/proc/<pid>/stat) before
# and after. Each mode runs on the same edge, after a bulk run that warms it.
#
#   flock /tmp/aicdn-bench.lock loadtests/scenarios/bench-ws-floods.sh          # about 2 minutes
#   MODES="pings bulk" SECONDS_EACH=5 loadtests/scenarios/bench-ws-floods.sh
#   SOCKETS=64 LIMITS=shipped MODES=pings loadtests/scenarios/bench-ws-floods.sh   # reopening flooders
# SOCKETS: flooding sockets at once, each reopened when closed. LIMITS=shipped keeps the edge's
# per-client limits on upgrades (100/s, 256 at once) instead of turning them off.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"

MODES="${MODES:-bulk fragments empty-fragments pings pings125 pongs}" SECONDS_EACH="${SECONDS_EACH:-10}"
SOCKETS="${SOCKETS:-1}" LIMITS="${LIMITS:-off}"
SRC="${SRC:-$REPO_DIR}"
OUT="${OUT:-$LOAD_HOME/bench-ws-floods}"
BIN="$LOAD_HOME/bin/bench-ws-floods"
EDGE_PORT=16980 EDGE_MGMT=16981 NO_CORE=16989

command -v taskset >/dev/null || aicdn_die "taskset is needed"
(($(nproc) >= 2)) || aicdn_die "two CPUs are needed (the edge on one, the client on the other)"
rm -rf "$OUT"
mkdir -p "$OUT/logs"
if [[ "${NO_BUILD:-0}" != 1 || ! -d "$BIN/EdgeGateway" ]]; then
  aicdn_log "building EdgeGateway (Release) from $SRC"
  dotnet publish "$SRC/services/EdgeGateway/EdgeGateway.csproj" -c Release -o "$BIN/EdgeGateway" \
    --artifacts-path "$LOAD_HOME/artifacts" -v quiet -nologo >&2 || aicdn_die "EdgeGateway build failed"
fi
dotnet build -c Release "$LOADTESTS_DIR/scenarios/ws-flood.cs" -v quiet -nologo >&2 || aicdn_die "ws-flood.cs build failed"

RUN_DIR="$OUT"
: >"$RUN_DIR/pids"
trap 'stop_pids "$RUN_DIR/pids"' EXIT
AICDN_CLUSTER_SECRET="$(random_secret)"
export AICDN_CLUSTER_SECRET LOG_LEVEL=warn DOTNET_CLI_TELEMETRY_OPTOUT=1
limits=(Edge__Limits__PerIpRequestsPerSecond=0 Edge__Limits__PerIpConcurrentRequests=0)
[[ "$LIMITS" == shipped ]] && limits=()
start_service edge edge "$BIN/EdgeGateway/EdgeGateway.dll" LISTEN_HTTP="127.0.0.1:$EDGE_PORT" \
  METRICS_PORT="127.0.0.1:$EDGE_MGMT" CORE_NODE_HOST="127.0.0.1:$NO_CORE" "${limits[@]}" "$@"
edge="$(pid_of edge)"
taskset -apc 0 "$edge" >/dev/null
require_healthy "http://127.0.0.1:$EDGE_MGMT"

flood() { # MODE SECONDS [SOCKETS]
  taskset -c 1 dotnet run -c Release --no-build "$LOADTESTS_DIR/scenarios/ws-flood.cs" -- \
    "$1" "ws://127.0.0.1:$EDGE_PORT/v1/ws/chat" "$edge" "$2" "${3:-1}"
}

aicdn_log "warming the edge (bulk, 5 s)"
flood bulk 5 >/dev/null
for mode in $MODES; do
  aicdn_log "$mode for ${SECONDS_EACH}s"
  flood "$mode" "$SECONDS_EACH" "$SOCKETS" | tee -a "$OUT/results.txt"
done
before="$(cpu_ticks "$edge")"
sleep 10
aicdn_log "idle edge: $(($(cpu_ticks "$edge") - before)) ticks in 10 s"
