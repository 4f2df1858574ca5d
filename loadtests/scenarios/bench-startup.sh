#!/usr/bin/env bash
# What a freshly started chain serves in its first seconds. The bench chain (edge, core over h2c,
# auth-quota, Redis, llm-mock; settings as shipped, overload shedding on) is started from nothing,
# and as soon as every service's /health answers, the load tool sends RATE short non-streamed
# completions per second for SECONDS seconds (open model, no warm-up). Builds alternate, ROUNDS each:
#   jit   dotnet publish -c Release, portable (every method JIT-compiled at first call)
#   r2r   the same for one runtime with ReadyToRun (-r linux-x64 -p:PublishReadyToRun=true), as
#         scripts/publish.sh and container images build it
# Prints a table: seconds from start to healthy, served / refused / failed, served p50 and p99.
#
#   loadtests/scenarios/bench-startup.sh              # about 5 minutes
#   RATE=2000 ROUNDS=3 loadtests/scenarios/bench-startup.sh
#   PROFILE=1 loadtests/scenarios/bench-startup.sh    # perf of the core during each build's first round:
#                                                     # flame graph and top frames in docs/perf/startup-<build>
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"

RATE="${RATE:-1000}" SECONDS_PER_RUN="${SECONDS_PER_RUN:-10}" ROUNDS="${ROUNDS:-2}"
RID="${RID:-linux-x64}"
OUT="${OUT:-$REPO_DIR/loadtests/results/startup-$(date +%Y%m%d-%H%M%S)}"
BIN="$LOAD_HOME/bin/startup"

command -v redis-server >/dev/null || aicdn_die "redis-server is needed (apt-get install redis-server)"
raise_nofile
mkdir -p "$OUT"
if [[ "${NO_BUILD:-0}" != 1 || ! -d "$BIN/r2r" ]]; then
  build_services "$REPO_DIR" "$BIN/jit"
  for service in LlmMock AuthQuota CoreRelay EdgeGateway; do
    aicdn_log "building $service (Release, ReadyToRun, $RID)"
    dotnet publish "$REPO_DIR/services/$service/$service.csproj" -c Release -r "$RID" --self-contained false \
      -p:PublishReadyToRun=true -o "$BIN/r2r/$service" --artifacts-path "$LOAD_HOME/artifacts-r2r" -v quiet -nologo >&2 ||
      aicdn_die "$service ReadyToRun build failed"
  done
fi
tool="$(load_tool)"

bench_environment

round() { # BUILD N
  local build="$1" n="$2" started healthy
  RUN_DIR="$OUT/$build-$n"
  mkdir -p "$RUN_DIR/logs"
  : >"$RUN_DIR/pids"
  trap 'stop_pids "$RUN_DIR/pids"' EXIT
  started="$(date +%s%N)"
  if [[ "${PROFILE:-0}" == 1 ]]; then
    start_bench_chain "$BIN/$build" DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0
  else
    start_bench_chain "$BIN/$build"
  fi
  healthy="$(date +%s%N)"
  aicdn_log "$build round $n: healthy after $(( (healthy - started) / 1000000 )) ms; $RATE/s for ${SECONDS_PER_RUN}s"
  dotnet "$tool" rate -t "http://127.0.0.1:$BENCH_EDGE" -r "$RATE" -d "$SECONDS_PER_RUN" --warmup 0 \
    --mode whole --tokens 16 --label "$build-$n" --no-progress --json "$RUN_DIR/rate.json" >"$RUN_DIR/logs/rate.log" 2>&1 &
  local load=$!
  if [[ "${PROFILE:-0}" == 1 && $n == 1 ]]; then
    local profile="$REPO_DIR/docs/perf/startup-$build"
    mkdir -p "$profile"
    perf record -e cpu-clock -F 999 -g -p "$(pid_of core)" -o "$RUN_DIR/core.data" -- sleep "$SECONDS_PER_RUN" >/dev/null 2>&1
    perf script -i "$RUN_DIR/core.data" 2>/dev/null >"$RUN_DIR/core.script"
    python3 "$LOADTESTS_DIR/scenarios/flamegraph.py" "core, first ${SECONDS_PER_RUN} s after start at $RATE/s, $build" <"$RUN_DIR/core.script" >"$profile/core.svg"
    python3 "$LOADTESTS_DIR/scenarios/top-frames.py" <"$RUN_DIR/core.script" >"$profile/core-top.txt"
  fi
  wait "$load" || true
  echo "$(( (healthy - started) / 1000000 ))" >"$RUN_DIR/healthy-ms"
  stop_pids "$RUN_DIR/pids"
  trap - EXIT
}

for ((n = 1; n <= ROUNDS; n++)); do
  round jit "$n"
  round r2r "$n"
done

python3 - "$OUT" "$ROUNDS" "$RATE" "$SECONDS_PER_RUN" <<'PY' | tee "$OUT/summary.md"
import json, os, sys
out, rounds, rate, seconds = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
print(f"{rate} requests/s for {seconds} s, from the moment every /health answered")
print()
print("| build | round | start → healthy ms | served | refused (429/503) | other failures | served p50 / p99 ms | slowest ms |")
print("|---|---|---|---|---|---|---|---|")
for build in ("jit", "r2r"):
    for n in range(1, rounds + 1):
        d = os.path.join(out, f"{build}-{n}")
        healthy = open(os.path.join(d, "healthy-ms")).read().strip()
        path = os.path.join(d, "rate.json")
        if not os.path.exists(path):
            print(f"| {build} | {n} | {healthy} | no result (see {d}/logs) | | | | |")
            continue
        r = json.load(open(path))
        c, l, e = r["counters"], r["latencies"], r.get("errors", {})
        refused = sum(v for k, v in e.items() if k.startswith(("status_429", "status_503")))
        other = sum(v for k, v in e.items() if not k.startswith(("status_429", "status_503")) and k != "client_saturated")
        ok = l["latency"]
        print(f"| {build} | {n} | {healthy} | {c['requests_ok']:,} | {refused:,} | {other:,} | {ok['p50_ms']:.1f} / {ok['p99_ms']:.1f} | {ok.get('max_ms', 0):.0f} |")
PY
