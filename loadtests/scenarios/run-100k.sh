#!/usr/bin/env bash
# 100,000 concurrent SSE streams (the original's 16-core/32 GB target: 100k connections, 50k req/s,
# p99 40 ms). Needs 200,000+ sockets per relay tier and ~28k ephemeral ports per source address:
# 11 edges, 12 cores, 7 mocks and 6 tool processes at 20,000 descriptors each, or far fewer
# processes where the open-file limit can be raised. Refuses to run on a machine with fewer than
# 8 cores or 32 GiB unless FORCE=1; PLAN_ONLY=1 prints the plan.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"
export NAME=100k STREAMS=100000 OPEN_RATE="${OPEN_RATE:-1000}" HOLD="${HOLD:-60}" INTERVAL_MS="${INTERVAL_MS:-10000}"
export SHARDS=6 EDGES=11 CORES=12 MOCKS=7 NGINX_WORKERS=16 NGINX_CORE_LISTENERS=8
export RATES="${RATES:-5000 20000 50000}" SOURCES="127.0.0.2-127.0.0.25"
mem_gib=$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1048576))
if [[ "${PLAN_ONLY:-0}" != 1 && "${FORCE:-0}" != 1 && ($(nproc) -lt 8 || $mem_gib -lt 31) ]]; then
  PLAN_ONLY=1 "$(dirname "$0")/scenario.sh"
  aicdn_die "this machine has $(nproc) cores and ${mem_gib} GiB; 100k streams need at least 8 cores and 32 GiB (see BENCHMARKS.md for the extrapolation). FORCE=1 runs it anyway."
fi
exec "$(dirname "$0")/scenario.sh"
