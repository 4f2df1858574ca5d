#!/usr/bin/env bash
# The fault suite at full size: 2 edges, 2 cores, auth-quota, Redis and llm-mock from Release builds,
# 2,000 paced streams and 20 new requests/s held through each fault in turn (see aicdn-load chaos
# --help). Writes chaos.md (the table) and every process's log to loadtests/results/chaos-<time>/.
#
#   loadtests/scenarios/run-chaos.sh                  # about 10 minutes here
#   STREAMS=500 FAULTS=core-kill,edge-drain loadtests/scenarios/run-chaos.sh
#   SRC=/tmp/base-X FAULTS=core-kill loadtests/scenarios/run-chaos.sh   # services built from another tree
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"

STREAMS="${STREAMS:-2000}" TOKENS="${TOKENS:-40}" INTERVAL_MS="${INTERVAL_MS:-250}" STALL="${STALL:-30}"
OUT="$REPO_DIR/loadtests/results/chaos-$(date +%Y%m%d-%H%M%S)"
BIN="$LOAD_HOME/bin/chain"
raise_nofile
build_services "${SRC:-$REPO_DIR}" "$BIN"
tool="$(load_tool)"
mkdir -p "$OUT"
aicdn_log "chaos: $STREAMS streams per fault; results in $OUT"
dotnet "$tool" chaos --bin "$BIN" --out "$OUT" -n "$STREAMS" --tokens "$TOKENS" --token-interval-ms "$INTERVAL_MS" \
  --stall "$STALL" ${FAULTS:+--faults "$FAULTS"}
