#!/usr/bin/env bash
# Stops the nginx peer started by start-nginx-peer.sh (its masters and workers, by PID).
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"
RUN_DIR="${RUN_DIR:-$LOAD_HOME/nginx}"
stop_pids "$RUN_DIR/pids"
rm -f "$RUN_DIR/edge.pid" "$RUN_DIR/core.pid"
aicdn_log "nginx peer stopped"
