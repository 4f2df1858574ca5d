#!/usr/bin/env bash
# What the chain does above its capacity (BENCHMARKS.md, "Overload"; docs/overload.md). The relay
# (edge, core, auth-quota) is pinned to CPU 0; what a deployment runs elsewhere (Redis, the
# origin) and the load tool to CPU 1, so the relay's capacity is one CPU's and the tool's own
# queueing stays out of its figures. For each setting (shedding as shipped, then off:
# OVERLOAD_QUEUE_DELAY=0 MAX_PENDING_DECISIONS=0), on a fresh chain: 40 s of wrk to warm it, then an
# open-model rate ladder of short non-streamed completions (aicdn-load rate, RATE_SECONDS each).
# Then CPU per process of an idle chain over 20 s (the cost of watching for overload).
#
#   loadtests/scenarios/bench-overload.sh                  # about 9 minutes
#   RATES="2000 4000" loadtests/scenarios/bench-overload.sh
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"

RATES="${RATES:-2500 3500 5000 7000}" RATE_SECONDS="${RATE_SECONDS:-20}"
SRC="${SRC:-$REPO_DIR}"
OUT="${OUT:-$LOAD_HOME/bench-overload}"
BIN="$LOAD_HOME/bin/bench-overload"

for tool in wrk redis-server taskset; do command -v "$tool" >/dev/null || aicdn_die "$tool is needed"; done
(($(nproc) >= 2)) || aicdn_die "two CPUs are needed (the relay on one, the rest on the other)"
rm -rf "$OUT"
mkdir -p "$OUT"
raise_nofile
build_services "$SRC" "$BIN"
tool="$(load_tool)"
bench_environment

# Starts the bench chain in RUN_DIR with the given settings and pins its processes.
start_pinned() {
  mkdir -p "$RUN_DIR/logs"
  : >"$RUN_DIR/pids"
  start_bench_chain "$BIN" "$@"
  local name pid cpu
  while read -r name pid; do
    case "$name" in edge | core | auth-quota) cpu=0 ;; *) cpu=1 ;; esac
    taskset -apc "$cpu" "$pid" >/dev/null
  done <"$RUN_DIR/pids"
}

ladder() { # LABEL [VAR=value ...]
  local label="$1" rate
  shift
  RUN_DIR="$OUT/$label"
  start_pinned "$@"
  trap 'stop_pids "$RUN_DIR/pids"' EXIT
  aicdn_log "$label: warming up (40 s of wrk)"
  taskset -c 1 wrk -t1 -c64 -d40s -s "$LOADTESTS_DIR/scenarios/post.lua" "http://127.0.0.1:$BENCH_EDGE/v1/chat/completions" >/dev/null
  for rate in $RATES; do
    aicdn_log "$label: $rate requests/s for ${RATE_SECONDS}s"
    taskset -c 1 dotnet "$tool" rate -t "http://127.0.0.1:$BENCH_EDGE" -r "$rate" -d "$RATE_SECONDS" --warmup 3 \
      --mode whole --tokens 16 --ttft-ms 0 --token-interval-ms 0 --label "$label-$rate" \
      --json "$RUN_DIR/rate-$rate.json" >"$RUN_DIR/logs/rate-$rate.log" 2>&1 || true
  done
  stop_pids "$RUN_DIR/pids"
  trap - EXIT
}

idle() { # LABEL [VAR=value ...]: CPU per relay process over 20 s without load, after a short warm-up
  local label="$1" name pid
  shift
  RUN_DIR="$OUT/$label"
  start_pinned "$@"
  trap 'stop_pids "$RUN_DIR/pids"' EXIT
  wrk -t1 -c16 -d5s -s "$LOADTESTS_DIR/scenarios/post.lua" "http://127.0.0.1:$BENCH_EDGE/v1/chat/completions" >/dev/null
  sleep 5
  while read -r name pid; do echo "$name $(awk '{print $14+$15}' "/proc/$pid/stat")"; done <"$RUN_DIR/pids" >"$RUN_DIR/cpu0"
  sleep 20
  while read -r name pid; do echo "$name $(awk '{print $14+$15}' "/proc/$pid/stat")"; done <"$RUN_DIR/pids" >"$RUN_DIR/cpu1"
  join "$RUN_DIR/cpu0" "$RUN_DIR/cpu1" | awk -v ticks="$(getconf CLK_TCK)" '{ printf "%s=%.1f%% ", $1, 100 * ($3 - $2) / ticks / 20 }' >"$RUN_DIR/idle.txt"
  stop_pids "$RUN_DIR/pids"
  trap - EXIT
}

ladder shedding
ladder no-shedding OVERLOAD_QUEUE_DELAY=0 MAX_PENDING_DECISIONS=0
idle idle-shedding
idle idle-no-shedding OVERLOAD_QUEUE_DELAY=0

summary() {
  python3 - "$OUT" "$RATES" <<'PY'
import json, os, sys
out, rates = sys.argv[1], sys.argv[2].split()
print("| setting | offered /s | served /s | served p50 / p99 ms | refused (429/503) | refused p50 / p99 ms | other failures | not sent (tool saturated) |")
print("|---|---|---|---|---|---|---|---|")
for label in ("shedding", "no-shedding"):
    for rate in rates:
        path = os.path.join(out, label, f"rate-{rate}.json")
        if not os.path.exists(path):
            print(f"| {label} | {rate} | no result (see {label}/logs) | | | | | |")
            continue
        r = json.load(open(path))
        c, l, e = r["counters"], r["latencies"], r.get("errors", {})
        seconds = r.get("measured_seconds") or 1
        refused = sum(v for k, v in e.items() if k.startswith(("status_429", "status_503")))
        other = sum(v for k, v in e.items() if not k.startswith(("status_429", "status_503")) and k != "client_saturated")
        ok, rl = l["latency"], l.get("latency_refused", {})
        print(f"| {label} | {rate} | {c['requests_ok'] / seconds:,.0f} | {ok['p50_ms']:.1f} / {ok['p99_ms']:.1f} | {refused:,} "
              f"| {rl.get('p50_ms', 0):.1f} / {rl.get('p99_ms', 0):.1f} | {other:,} | {c['client_saturated']:,} |")
PY
  for label in idle-shedding idle-no-shedding; do echo "idle CPU, $label: $(cat "$OUT/$label/idle.txt")"; done
}
summary | tee "$OUT/summary.md"
