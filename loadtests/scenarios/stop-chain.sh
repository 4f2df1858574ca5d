#!/usr/bin/env bash
# Stops what start-chain.sh started (the PIDs in $RUN_DIR/pids, nothing else).
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"
RUN_DIR="${RUN_DIR:-$LOAD_HOME/chain}"
stop_pids "$RUN_DIR/pids"
aicdn_log "chain stopped"
