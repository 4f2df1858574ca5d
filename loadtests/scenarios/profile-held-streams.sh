#!/usr/bin/env bash
# Where the memory of held SSE streams goes, in the edge and the core (BENCHMARKS.md, memory per
# held stream): the bench chain (lib.sh start_bench_chain), warmed with wrk, then STREAMS paced
# streams held through the edge. Before the streams and while they are held it records, per
# process, VmRSS and the kernel's split of it (/proc/<pid>/smaps_rollup: anonymous, file-backed),
# thread count and the GC's own view (dotnet-gcdump: live managed objects by type, after a full
# collection, so taken last). With DUMP=1 it also takes a heap dump of each (dotnet-dump) and
# names what every held stream keeps alive: the live types with at least one object per stream,
# grouped by the component that owns them (held-streams-owners.py). Output in $RUN_DIR and, with
# LABEL, copied to docs/perf/LABEL/.
#
#   loadtests/scenarios/profile-held-streams.sh                 # about 3 minutes
#   STREAMS=3000 LABEL=held-streams loadtests/scenarios/profile-held-streams.sh
#   DUMP=1 LABEL=held-streams-owners loadtests/scenarios/profile-held-streams.sh   # about 6 minutes
#   CHAIN_ENV="DOTNET_gcServer=0" loadtests/scenarios/profile-held-streams.sh      # settings for edge and core
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"

STREAMS="${STREAMS:-3000}" WARMUP="${WARMUP:-30}" HOLD="${HOLD:-60}"
[[ "${DUMP:-0}" == 1 ]] && HOLD="${HOLD_FOR_DUMP:-120}" # two heap dumps take about 30 s more
SRC="${SRC:-$REPO_DIR}"
RUN_DIR="${RUN_DIR:-$LOAD_HOME/profile-held-streams}"
BIN="$LOAD_HOME/bin/profile-held-streams"
GCDUMP="${GCDUMP:-$HOME/.dotnet/tools/dotnet-gcdump}"
DOTNET_DUMP="${DOTNET_DUMP:-$HOME/.dotnet/tools/dotnet-dump}"

for tool in wrk redis-server; do command -v "$tool" >/dev/null || aicdn_die "$tool is needed (apt-get install $tool)"; done
[[ -x "$GCDUMP" ]] || aicdn_die "dotnet-gcdump is needed (dotnet tool install -g dotnet-gcdump)"
[[ "${DUMP:-0}" != 1 || -x "$DOTNET_DUMP" ]] || aicdn_die "dotnet-dump is needed for DUMP=1 (dotnet tool install -g dotnet-dump)"
[[ -f "$RUN_DIR/pids" ]] && aicdn_die "$RUN_DIR/pids exists: a run is going on (or stop it: stop_pids $RUN_DIR/pids)"
rm -rf "$RUN_DIR/out"
mkdir -p "$RUN_DIR/logs" "$RUN_DIR/out"
raise_nofile
build_services "$SRC" "$BIN"
tool="$(load_tool)"

bench_environment
: >"$RUN_DIR/pids"
trap 'stop_pids "$RUN_DIR/pids"' EXIT
read -r -a chain_env <<<"${CHAIN_ENV:-}"
start_bench_chain "$BIN" "${chain_env[@]}"

# One line per process: VmRSS, anonymous and file-backed resident KiB, threads.
snapshot() { # label
  local service pid
  for service in edge core; do
    pid="$(pid_of "$service")"
    awk -v s="$service" -v l="$1" '
      /^Rss:/ { rss = $2 } /^Anonymous:/ { anon = $2 } /^Pss_File:/ { file = $2 }
      END { printf "%s %s rss_kib=%d anon_kib=%d file_kib=%d", l, s, rss, anon, file }' "/proc/$pid/smaps_rollup"
    echo " threads=$(awk '/^Threads:/ { print $2 }' "/proc/$pid/status")"
  done
}

aicdn_log "warming for ${WARMUP}s"
wrk_post "$BENCH_EDGE" "$WARMUP" 64 >/dev/null
sleep 5
snapshot before | tee "$RUN_DIR/out/memory.txt"
dump() { # label: a heap dump of edge and core, for DUMP=1
  [[ "${DUMP:-0}" == 1 ]] || return 0
  local service
  for service in edge core; do
    "$DOTNET_DUMP" collect -p "$(pid_of "$service")" --type Heap -o "$RUN_DIR/$service-$1.dmp" >/dev/null
  done
}
dump before

aicdn_log "holding $STREAMS streams for ${HOLD}s"
dotnet "$tool" streams -t "http://127.0.0.1:$BENCH_EDGE" -n "$STREAMS" --open-rate 500 --hold "$HOLD" --token-interval-ms 10000 \
  --warmup 5 --warmup-streams 50 --json "$RUN_DIR/out/streams.json" --label held >"$RUN_DIR/logs/streams.log" 2>&1 &
load_pid=$!
# All streams are open after warm-up (5 s) and STREAMS / 500 s of opening; measure well inside the hold.
sleep $((5 + STREAMS / 500 + HOLD / 3))
snapshot held | tee -a "$RUN_DIR/out/memory.txt"
dump held
for service in edge core; do
  "$GCDUMP" collect -p "$(pid_of "$service")" -o "$RUN_DIR/out/$service.gcdump" >/dev/null
  "$GCDUMP" report "$RUN_DIR/out/$service.gcdump" | head -40 >"$RUN_DIR/out/$service-types.txt"
done
snapshot after-gcdump | tee -a "$RUN_DIR/out/memory.txt"
wait "$load_pid" || aicdn_log "the streams run reported errors (see $RUN_DIR/logs/streams.log)"
if [[ "${DUMP:-0}" == 1 ]]; then
  for service in edge core; do
    for label in before held; do
      # -live: only objects reachable from a root, as the GC would keep them.
      "$DOTNET_DUMP" analyze "$RUN_DIR/$service-$label.dmp" -c "dumpheap -stat -live" -c exit >"$RUN_DIR/out/$service-$label-live.txt"
      rm -f "$RUN_DIR/$service-$label.dmp"
    done
    python3 "$LOADTESTS_DIR/scenarios/held-streams-owners.py" "$STREAMS" "$RUN_DIR/out/$service-before-live.txt" \
      "$RUN_DIR/out/$service-held-live.txt" >"$RUN_DIR/out/$service-owners.txt"
  done
fi

python3 - "$RUN_DIR/out/memory.txt" "$STREAMS" <<'PY'
import re, sys
rows = {}
for line in open(sys.argv[1]):
    label, service, *fields = line.split()
    rows[(label, service)] = {k: int(v) for k, v in (f.split("=") for f in fields)}
streams = int(sys.argv[2])
print()
print("| process | RSS before, MiB | RSS held, MiB | per stream, KiB | of which anonymous | of which file-backed | threads before / held |")
print("|---|---|---|---|---|---|---|")
for service in ("edge", "core"):
    b, h = rows[("before", service)], rows[("held", service)]
    print(f"| {service} | {b['rss_kib'] / 1024:.0f} | {h['rss_kib'] / 1024:.0f} | {(h['rss_kib'] - b['rss_kib']) / streams:.1f} "
          f"| {(h['anon_kib'] - b['anon_kib']) / streams:.1f} | {(h['file_kib'] - b['file_kib']) / streams:.1f} | {b['threads']} / {h['threads']} |")
PY
for service in edge core; do
  echo
  echo "$service: live managed objects while $STREAMS streams were held (dotnet-gcdump report, top types)"
  cat "$RUN_DIR/out/$service-types.txt"
  if [[ -f "$RUN_DIR/out/$service-owners.txt" ]]; then
    echo
    echo "$service: what each held stream keeps alive (dotnet-dump, dumpheap -stat -live)"
    cat "$RUN_DIR/out/$service-owners.txt"
  fi
done
if [[ -n "${LABEL:-}" ]]; then
  mkdir -p "$REPO_DIR/docs/perf/$LABEL"
  cp "$RUN_DIR/out/memory.txt" "$RUN_DIR/out/"*-types.txt "$REPO_DIR/docs/perf/$LABEL/"
  if [[ "${DUMP:-0}" == 1 ]]; then cp "$RUN_DIR/out/"*-owners.txt "$REPO_DIR/docs/perf/$LABEL/"; fi
fi
