#!/usr/bin/env bash
# Runs one target scenario end to end, AiCdn and the nginx peer in the same session against the same
# llm-mock processes, and writes every result plus report.md / report.html into $OUT_DIR.
# run-50k.sh, run-100k.sh and run-200k.sh set the sizes; PLAN_ONLY=1 prints the plan and stops.
#
# Order: start both chains; overhead (origin vs each chain, interleaved); rate (open model) at each
# of RATES on each chain and straight to the mock; wrk and h2load (non-streamed, second instrument);
# streams straight to the mock, through nginx, then through AiCdn (nginx is stopped first so its idle
# upstream connections do not count against the mocks' descriptors); stop everything; report.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"

: "${STREAMS:?}" "${OPEN_RATE:?}" "${HOLD:?}" "${INTERVAL_MS:?}" "${SHARDS:?}" "${EDGES:?}" "${CORES:?}" "${MOCKS:?}"
: "${NGINX_WORKERS:?}" "${NGINX_CORE_LISTENERS:?}" "${RATES:?}"
NAME="${NAME:-${STREAMS}-streams}"
OUT_DIR="${OUT_DIR:-$LOADTESTS_DIR/results/$NAME-$(date +%Y%m%d-%H%M%S)}"
SOURCES="${SOURCES:-127.0.0.2-127.0.0.$((1 + 4 * SHARDS))}"
RATE_SECONDS="${RATE_SECONDS:-20}" OVERHEAD_SECONDS="${OVERHEAD_SECONDS:-30}" INSTRUMENT_SECONDS="${INSTRUMENT_SECONDS:-15}"
export EDGES CORES MOCKS NGINX_WORKERS NGINX_CORE_LISTENERS SHARDS SOURCES

plan() {
  cat <<PLAN
Scenario $NAME
  streams: $STREAMS held at once, opened at $OPEN_RATE/s, held ${HOLD}s, one token every ${INTERVAL_MS} ms
  load tool: $SHARDS process(es) (--shard i/$SHARDS), source addresses $SOURCES
  AiCdn chain: $EDGES edge(s), $CORES core(s), $MOCKS llm-mock(s), 1 auth-quota (edge→core ${EDGE_TO_CORE:-h1})
  nginx peer: edge and core with $NGINX_WORKERS workers each, core on $NGINX_CORE_LISTENERS port(s), same mocks
  rate: ${RATES// /, } requests/s for ${RATE_SECONDS}s each, mixed streamed/whole, 16 tokens
  results: $OUT_DIR
PLAN
}

plan
[[ "${PLAN_ONLY:-0}" == 1 ]] && exit 0

mkdir -p "$OUT_DIR"
plan >"$OUT_DIR/plan.txt"
{ uname -a; nproc; free -g; dotnet --version; nginx -v 2>&1; ulimit -Hn; } >"$OUT_DIR/machine.txt" 2>&1
raise_nofile
AICDN_LOAD_KEY="$(load_key)"
export AICDN_LOAD_KEY
tool="$(load_tool)"
export REBUILD=0 # built once above; the sharded runs reuse it

cleanup() {
  "$LOADTESTS_DIR/scenarios/stop-nginx-peer.sh" || true
  "$LOADTESTS_DIR/scenarios/stop-chain.sh" || true
}
trap cleanup EXIT

"$LOADTESTS_DIR/scenarios/start-chain.sh"
"$LOADTESTS_DIR/scenarios/start-nginx-peer.sh"
# shellcheck source=/dev/null
source "$LOAD_HOME/chain/chain.env"
AICDN_EDGE="${EDGE_TARGETS%%,*}" MOCK="${MOCK_TARGETS%%,*}" NGINX_EDGE="http://127.0.0.1:${NGINX_EDGE_PORT:-19080}"
CHAIN_WATCH="$LOAD_HOME/chain/pids" NGINX_WATCH="$LOAD_HOME/nginx/watch"
grep '^mock ' "$CHAIN_WATCH" >"$OUT_DIR/mock.watch"

step() { aicdn_log "── $*"; }
tool_run() { # name args...
  local name="$1"
  shift
  dotnet "$tool" "$@" --json "$OUT_DIR/$name.json" --no-progress >"$OUT_DIR/$name.log" 2>&1 || aicdn_log "$name: not clean (see $name.log)"
}

step "overhead: origin vs AiCdn, origin vs nginx"
tool_run overhead-aicdn overhead --label aicdn -t "$AICDN_EDGE" --direct "$MOCK" -c 8 -d "$OVERHEAD_SECONDS" --warmup 5
tool_run overhead-nginx overhead --label nginx -t "$NGINX_EDGE" --direct "$MOCK" -c 8 -d "$OVERHEAD_SECONDS" --warmup 5

for rate in $RATES; do
  step "rate $rate/s: AiCdn, nginx, direct"
  tool_run "rate-$rate-aicdn" rate --label aicdn -t "$EDGE_TARGETS" -r "$rate" -d "$RATE_SECONDS" --warmup 5 --watch-file "$CHAIN_WATCH"
  tool_run "rate-$rate-nginx" rate --label nginx -t "$NGINX_EDGE" -r "$rate" -d "$RATE_SECONDS" --warmup 5 --watch-file "$NGINX_WATCH"
  tool_run "rate-$rate-direct" rate --label direct -t "$MOCK_TARGETS" -r "$rate" -d "$RATE_SECONDS" --warmup 5 --watch-file "$OUT_DIR/mock.watch"
done

step "wrk and h2load: non-streamed, closed model (second instrument)"
for pair in "aicdn=$AICDN_EDGE" "nginx=$NGINX_EDGE" "direct=$MOCK"; do
  label="${pair%%=*}" url="${pair#*=}"
  wrk -t2 -c64 -d"${INSTRUMENT_SECONDS}s" --latency -s "$LOADTESTS_DIR/scenarios/post.lua" "$url/v1/chat/completions" >"$OUT_DIR/wrk-$label.txt" 2>&1 || true
  h2load --h1 -c64 -D "$INSTRUMENT_SECONDS" -m1 -H "Authorization: Bearer $AICDN_LOAD_KEY" -H "Content-Type: application/json" \
    -H "x-mock-tokens: 16" -H "x-mock-ttft-ms: 0" -H "x-mock-token-interval-ms: 0" \
    -d "$LOADTESTS_DIR/scenarios/body.json" "$url/v1/chat/completions" >"$OUT_DIR/h2load-$label.txt" 2>&1 || true
done

streams_args=(-n "$STREAMS" --open-rate "$OPEN_RATE" --hold "$HOLD" --token-interval-ms "$INTERVAL_MS" --warmup 10 --warmup-streams 200 --grace 120)
step "streams: $STREAMS straight to the mocks"
run_streams direct "$MOCK_TARGETS" "$OUT_DIR/mock.watch" "$OUT_DIR/streams-direct.json" "${streams_args[@]}" || aicdn_log "direct streams not clean"
step "streams: $STREAMS through nginx"
run_streams nginx "$NGINX_EDGE" "$NGINX_WATCH" "$OUT_DIR/streams-nginx.json" "${streams_args[@]}" || aicdn_log "nginx streams not clean"
"$LOADTESTS_DIR/scenarios/stop-nginx-peer.sh"
step "streams: $STREAMS through AiCdn"
run_streams aicdn "$EDGE_TARGETS" "$CHAIN_WATCH" "$OUT_DIR/streams-aicdn.json" "${streams_args[@]}" || aicdn_log "AiCdn streams not clean"

step "report"
results=()
for file in "$OUT_DIR"/overhead-*.json "$OUT_DIR"/rate-*.json "$OUT_DIR"/streams-*.json; do
  [[ -f "$file" && "$file" != *.shard*.json ]] && results+=("$file")
done
dotnet "$tool" report "${results[@]}" --baseline nginx --markdown "$OUT_DIR/report.md" --html "$OUT_DIR/report.html" --title "AiCdn $NAME" >/dev/null
grep -h -E 'wrk-summary|Requests/sec' "$OUT_DIR"/wrk-*.txt >"$OUT_DIR/wrk-summary.txt" || true
aicdn_log "done: $OUT_DIR/report.md, $OUT_DIR/report.html"
