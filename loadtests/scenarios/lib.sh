# Shared helpers of the scenario scripts (sourced, not run). Logging, dying and waiting for a
# service's /health are the deploy scripts' (scripts/lib/aicdn.sh); what is here starts and measures
# load-test chains.
# shellcheck shell=bash

LOADTESTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO_DIR="$(cd "$LOADTESTS_DIR/.." && pwd)"
export REPO_DIR
# shellcheck source=SCRIPTDIR/../../scripts/lib/aicdn.sh
source "$REPO_DIR/scripts/lib/aicdn.sh"
LOAD_HOME="${LOAD_HOME:-/tmp/aicdn-load}"
# core-relay's request-header allow-list plus llm-mock's pacing and fault headers, which the load tool sends.
MOCK_FORWARD_HEADERS="accept-language,openai-beta,user-agent,x-request-id,x-mock-*"
export MOCK_FORWARD_HEADERS

# Raise the open-file limit to the hard limit: every held stream costs each process on its path a socket.
raise_nofile() {
  ulimit -n "$(ulimit -Hn)" || aicdn_die "cannot raise the open-file limit"
}

# Waits for each BASE_URL to answer /health, 60 s each; a run cannot go on without one, so it stops.
require_healthy() {
  local url
  for url in "$@"; do
    aicdn_wait_healthy "$url" 60 || aicdn_die "$url/health did not answer within 60 s"
  done
}

# Comma-separated host:port list of COUNT ports from BASE.
port_list() {
  local base="$1" count="$2" i out=""
  for ((i = 0; i < count; i++)); do
    out+="${out:+,}127.0.0.1:$((base + i))"
  done
  printf '%s' "$out"
}

# The load-test key: from AICDN_LOAD_KEY, else one generated once and kept (mode 600) under LOAD_HOME.
load_key() {
  if [[ -n "${AICDN_LOAD_KEY:-}" ]]; then
    printf '%s' "$AICDN_LOAD_KEY"
    return
  fi
  mkdir -p "$LOAD_HOME"
  if [[ ! -s "$LOAD_HOME/key" ]]; then
    (umask 077 && printf 'sk-aicdn-load-%s' "$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$LOAD_HOME/key")
  fi
  cat "$LOAD_HOME/key"
}

# The environment a bench chain runs with: the load-test key, a fresh cluster secret, quiet logs.
bench_environment() {
  AICDN_LOAD_KEY="$(load_key)"
  AICDN_CLUSTER_SECRET="$(random_secret)"
  export AICDN_LOAD_KEY AICDN_CLUSTER_SECRET LOG_LEVEL=warn DOTNET_CLI_TELEMETRY_OPTOUT=1
}

# Stops the processes listed in a pids file ("group pid" lines): TERM, then KILL after 15 s.
# Only those PIDs, and only while they still run a program the scripts start (dotnet, nginx, redis-server).
STARTED_PROGRAMS='dotnet|nginx|redis-server'
stop_pids() {
  local file="$1" group pid i alive
  [[ -f "$file" ]] || return 0
  while read -r group pid; do
    [[ -n "$pid" && -d "/proc/$pid" ]] || continue
    if grep -qaE "$STARTED_PROGRAMS" "/proc/$pid/cmdline" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
    fi
  done <"$file"
  for ((i = 0; i < 75; i++)); do
    alive=0
    while read -r group pid; do
      [[ -n "$pid" && -d "/proc/$pid" ]] && grep -qaE "$STARTED_PROGRAMS" "/proc/$pid/cmdline" 2>/dev/null && alive=1
    done <"$file"
    ((alive)) || break
    sleep 0.2
  done
  while read -r group pid; do
    if [[ -n "$pid" && -d "/proc/$pid" ]] && grep -qaE "$STARTED_PROGRAMS" "/proc/$pid/cmdline" 2>/dev/null; then
      aicdn_log "killing $group $pid (did not stop on TERM)"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done <"$file"
  rm -f "$file"
}

# Release builds of the four services from SRC into BIN/<Service> (skipped with NO_BUILD=1 once built).
build_services() {
  local src="$1" bin="$2" service
  [[ "${NO_BUILD:-0}" == 1 && -d "$bin" ]] && return 0
  for service in LlmMock AuthQuota CoreRelay EdgeGateway; do
    aicdn_log "building $service (Release) from $src"
    dotnet publish "$src/services/$service/$service.csproj" -c Release -o "$bin/$service" \
      --artifacts-path "$LOAD_HOME/artifacts" -v quiet -nologo >&2 || aicdn_die "$service build failed"
  done
}

# A random 64-hex-digit secret (the cluster secret of a chain started for a run).
random_secret() {
  head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'
}

# Starts a service DLL in the background with extra environment, logging to $RUN_DIR/logs/NAME.log,
# and records "GROUP pid" in $RUN_DIR/pids (what stop_pids and the load tool's --watch-file read).
#   start_service GROUP NAME DLL [VAR=value ...]
start_service() {
  local group="$1" name="$2" dll="$3"
  shift 3
  env "$@" dotnet "$dll" >"$RUN_DIR/logs/$name.log" 2>&1 &
  echo "$group $!" >>"$RUN_DIR/pids"
}

# A Redis of the run's own on PORT (no persistence), recorded in $RUN_DIR/pids; stops the run when
# it does not answer, as a leftover Redis on the port would carry another run's state.
start_redis() { # PORT
  local port="$1" pid i
  command -v redis-server >/dev/null || aicdn_die "this scenario needs redis-server (apt-get install -y redis-server)"
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --loglevel warning >"$RUN_DIR/logs/redis.log" 2>&1 &
  pid=$!
  echo "redis $pid" >>"$RUN_DIR/pids"
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || aicdn_die "redis-server did not start (port $port taken? see $RUN_DIR/logs/redis.log)"
    redis-cli -p "$port" ping >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  aicdn_die "redis-server on :$port did not answer PING within 5 s"
}

# CPU time (user + system, in clock ticks) the given processes have used so far, summed.
cpu_ticks() { # pid...
  local total=0 pid
  for pid in "$@"; do total=$((total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat"))); done
  echo "$total"
}

# The PID recorded for GROUP in $RUN_DIR/pids (the first, when a group has several).
pid_of() {
  awk -v g="$1" '$1 == g { print $2; exit }' "$RUN_DIR/pids"
}

# The load tool, built once in Release.
load_tool() {
  local out="$LOAD_HOME/bin/load-tool"
  # Rebuilt when asked, or when any of its sources (or the services' shared code it links) is newer.
  if [[ ! -f "$out/aicdn-load.dll" || "${REBUILD:-0}" == 1 \
    || -n "$(find "$LOADTESTS_DIR/AiCdn.LoadTool" -path '*/obj' -prune -o -path '*/bin' -prune -o -newer "$out/aicdn-load.dll" -type f -print -quit)" ]]; then
    aicdn_log "building the load tool (Release)"
    dotnet publish "$LOADTESTS_DIR/AiCdn.LoadTool/AiCdn.LoadTool.csproj" -c Release -o "$out" \
      --artifacts-path "$LOAD_HOME/artifacts" -v quiet -nologo >&2 || aicdn_die "load tool build failed"
  fi
  printf '%s' "$out/aicdn-load.dll"
}

# Runs the streams scenario as SHARDS tool processes that share one schedule (--start-at), each with
# its own slice of the source addresses, then merges their results into $out.
#   run_streams LABEL TARGETS WATCH_FILE OUT [extra tool args...]
run_streams() {
  local label="$1" targets="$2" watch="$3" out="$4"
  shift 4
  local tool shards="${SHARDS:-1}" start_at i pids=() parts=() rc=0
  tool="$(load_tool)"
  # Far enough ahead for every process to start, JIT and fetch its reference texts.
  start_at="$(($(date +%s%3N) + ${START_DELAY_MS:-15000}))"
  for ((i = 0; i < shards; i++)); do
    local part="${out%.json}.shard$i.json" watch_args=()
    ((i == 0)) && [[ -n "$watch" ]] && watch_args=(--watch-file "$watch")
    parts+=("$part")
    dotnet "$tool" streams --label "$label" --target "$targets" --shard "$i/$shards" --start-at "$start_at" \
      --sources "${SOURCES:-127.0.0.2-127.0.0.13}" --json "$part" --no-progress "${watch_args[@]}" "$@" \
      >"${out%.json}.shard$i.log" 2>&1 &
    pids+=("$!")
  done
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || rc=$?
  done
  tail -n 3 "${out%.json}.shard0.log" >&2
  dotnet "$tool" merge "${parts[@]}" --json "$out" >"${out%.json}.log" 2>&1 || rc=$?
  return "$rc"
}

# The single AiCdn chain the cost benchmarks and the profiler measure, from BIN into RUN_DIR (pids
# in RUN_DIR/pids): Redis :16379, llm-mock :16280, auth-quota :16380 (Redis store, the load key),
# core :16180 (h2c :16480, deciding against Redis itself), edge :16080 (management :16580).
# Extra VAR=value arguments go to the edge and the core (e.g. DOTNET_PerfMapEnabled=1).
# The edge → core link: h2c (the shipped tunnel, multiplexed) or http1 (BENCH_CORE_TRANSPORT=http1).
BENCH_CORE_TRANSPORT="${BENCH_CORE_TRANSPORT:-h2c}"
# The core → llm-mock link: http1 (as the nginx chain, one connection per stream) or h2c
# (BENCH_ORIGIN_PROTOCOL=h2c: many streams on one connection, what an https origin gets by ALPN).
BENCH_ORIGIN_PROTOCOL="${BENCH_ORIGIN_PROTOCOL:-http1}" BENCH_MOCK_H2C=16281
BENCH_MOCK=16280 BENCH_REDIS=16379 BENCH_AUTH=16380 BENCH_CORE=16180 BENCH_CORE_H2C=16480 BENCH_EDGE=16080 BENCH_EDGE_MGMT=16580
start_bench_chain() { # BIN [VAR=value ...]
  local bin="$1"
  shift
  start_redis "$BENCH_REDIS"
  local origin="127.0.0.1:$BENCH_MOCK"
  if [[ $BENCH_ORIGIN_PROTOCOL == h2c ]]; then
    # HTTP/2 without TLS needs an endpoint that speaks only HTTP/2; /health stays on the HTTP/1.1 one.
    start_service mock mock "$bin/LlmMock/LlmMock.dll" Kestrel__Endpoints__http1__Url="http://127.0.0.1:$BENCH_MOCK" \
      Kestrel__Endpoints__h2c__Url="http://127.0.0.1:$BENCH_MOCK_H2C" Kestrel__Endpoints__h2c__Protocols=Http2
    origin="127.0.0.1:$BENCH_MOCK_H2C"
  else
    start_service mock mock "$bin/LlmMock/LlmMock.dll" ASPNETCORE_URLS="http://127.0.0.1:$BENCH_MOCK"
  fi
  start_service auth-quota auth-quota "$bin/AuthQuota/AuthQuota.dll" ASPNETCORE_URLS="http://127.0.0.1:$BENCH_AUTH" \
    API_KEYS="$AICDN_LOAD_KEY" REDIS_URL="127.0.0.1:$BENCH_REDIS"
  start_service core core "$bin/CoreRelay/CoreRelay.dll" "$@" ASPNETCORE_URLS="http://127.0.0.1:$BENCH_CORE" \
    LISTEN_H2C="127.0.0.1:$BENCH_CORE_H2C" LLM_SOURCE_HOST="$origin" LLM_SOURCE_PROTOCOL="$BENCH_ORIGIN_PROTOCOL" AUTH_QUOTA_URL="http://127.0.0.1:$BENCH_AUTH" \
    REDIS_URL="127.0.0.1:$BENCH_REDIS" FORWARD_REQUEST_HEADERS="$MOCK_FORWARD_HEADERS"
  local core_port="$BENCH_CORE_H2C"
  [[ $BENCH_CORE_TRANSPORT == http1 ]] && core_port="$BENCH_CORE"
  start_service edge edge "$bin/EdgeGateway/EdgeGateway.dll" "$@" LISTEN_HTTP="127.0.0.1:$BENCH_EDGE" \
    METRICS_PORT="127.0.0.1:$BENCH_EDGE_MGMT" CORE_NODE_HOST="127.0.0.1:$core_port" CORE_TRANSPORT="$BENCH_CORE_TRANSPORT" \
    Edge__Limits__PerIpRequestsPerSecond=0 Edge__Limits__PerIpConcurrentRequests=0
  require_healthy "http://127.0.0.1:$BENCH_MOCK" "http://127.0.0.1:$BENCH_AUTH" "http://127.0.0.1:$BENCH_CORE" \
    "http://127.0.0.1:$BENCH_EDGE_MGMT"
}

# "requests errors" of a closed-model wrk run of short non-streamed completions (post.lua).
wrk_post() { # port seconds connections
  wrk -t1 -c"$3" -d"$2s" -s "$LOADTESTS_DIR/scenarios/post.lua" "http://127.0.0.1:$1/v1/chat/completions" |
    sed -n 's/^wrk-summary requests=\([0-9]*\) errors_status=\([0-9]*\).*/\1 \2/p'
}

