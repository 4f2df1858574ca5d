# shellcheck shell=bash
# Shared by deploy.sh, manage.sh and publish.sh (sourced, never run); the load scenarios take its
# logging and waiting through loadtests/scenarios/lib.sh. Knows the install layout:
#
#   <prefix>/releases/<id>/<service>/   one folder per service, as `dotnet publish` made it
#   <prefix>/current -> releases/<id>   the release that runs (swapped atomically on deploy)
#   <prefix>/install.env                node type, region, config dir, mode, services
#   <prefix>/env/<service>.env          node-local wiring (listen URLs, local auth-quota), generated
#   <prefix>/bin/                       these scripts, so manage.sh is on the node
#   <prefix>/run/, <prefix>/logs/       pid files and logs when running without systemd
#   <prefix>/systemd/, <prefix>/sysctl/ what --no-systemd would have installed, for inspection
#
# and the config dir holding the operator's .env (config/env.example), keys file and certificates.

# Used by the scripts that source this file.
# shellcheck disable=SC2034
AICDN_DEFAULT_PREFIX=/opt/aicdn
# shellcheck disable=SC2034
AICDN_DEFAULT_CONFIG_DIR=/etc/aicdn
# shellcheck disable=SC2034
AICDN_ALL_SERVICES=(llm-mock auth-quota core-relay edge-gateway)

# Progress goes to standard error, so standard output carries only what a command produces (the
# archive manage.sh backup made, a value a load scenario reads with $(...)).
aicdn_log() { printf '%s %s\n' "$(date '+%H:%M:%S')" "$*" >&2; }
aicdn_warn() { aicdn_log "warning: $*"; }
aicdn_die() {
  aicdn_log "error: $*"
  exit 1
}

# The project (assembly) name of a service, which names its folder under services/ and its entry point.
aicdn_project() {
  case "$1" in
    edge-gateway) echo EdgeGateway ;;
    core-relay) echo CoreRelay ;;
    auth-quota) echo AuthQuota ;;
    llm-mock) echo LlmMock ;;
    *) aicdn_die "unknown service '$1'" ;;
  esac
}

# Services of a node type, in start order (each one's dependencies first).
aicdn_node_services() {
  local node_type=$1 with_mock=${2:-0}
  case "$node_type" in
    edge) echo edge-gateway ;;
    core)
      if [[ $with_mock == 1 ]]; then
        echo llm-mock auth-quota core-relay
      else
        echo auth-quota core-relay
      fi
      ;;
    *) aicdn_die "--node-type must be edge or core, not '$node_type'" ;;
  esac
}

aicdn_unit_name() { echo "aicdn-$1.service"; }

# ---- environment files --------------------------------------------------------------------
# The subset of systemd's EnvironmentFile= syntax both systemd and these scripts read the same way:
# NAME=VALUE lines, '#' or ';' comment lines, optional matching quotes around the whole value. No
# shell expansion: a .env is data, never code.

# Prints NAME=VALUE for every assignment of FILE, in order (later ones win when applied).
aicdn_env_pairs() {
  local file=$1 line name value
  [[ -r $file ]] || return 0
  while IFS= read -r line || [[ -n $line ]]; do
    line=${line%$'\r'}
    [[ $line =~ ^[[:space:]]*([#\;].*)?$ ]] && continue
    if [[ ! $line =~ ^[[:space:]]*([A-Za-z_][A-Za-z0-9_.-]*)[[:space:]]*=(.*)$ ]]; then
      aicdn_warn "$file: ignoring a line that is not NAME=VALUE"
      continue
    fi
    name=${BASH_REMATCH[1]}
    value=${BASH_REMATCH[2]}
    value=${value#"${value%%[![:space:]]*}"}
    value=${value%"${value##*[![:space:]]}"}
    if [[ $value =~ ^\"(.*)\"$ || $value =~ ^\'(.*)\'$ ]]; then
      value=${BASH_REMATCH[1]}
    fi
    printf '%s=%s\n' "$name" "$value"
  done <"$file"
}

# The value of NAME in the given files (the last assignment wins), or DEFAULT.
aicdn_env_get() {
  local name=$1 default=$2 file pair found=0 value=""
  shift 2
  for file in "$@"; do
    while IFS= read -r pair; do
      if [[ ${pair%%=*} == "$name" ]]; then
        value=${pair#*=}
        found=1
      fi
    done < <(aicdn_env_pairs "$file")
  done
  if ((found)) && [[ -n $value ]]; then
    printf '%s\n' "$value"
  else
    printf '%s\n' "$default"
  fi
}

# ---- addresses ------------------------------------------------------------------------------
# Listen addresses come in the original's forms: ":8080", "8080", "host:8080", "[::1]:8080".

aicdn_listen_port() {
  local address=${1##*:}
  [[ $address =~ ^[0-9]+$ ]] || return 1
  echo "$address"
}

aicdn_listen_host() {
  local address=$1
  if [[ $address =~ ^[0-9]+$ ]]; then
    echo ""
  else
    echo "${address%:*}"
  fi
}

# ASPNETCORE_URLS for a listen address ("+" is every interface, IPv4 and IPv6).
aicdn_listen_url() {
  local host port
  host=$(aicdn_listen_host "$1")
  port=$(aicdn_listen_port "$1") || aicdn_die "'$1' is not a listen address (:port, host:port or [v6]:port)"
  case "$host" in
    "" | "*" | "+" | 0.0.0.0 | "[::]") host="+" ;;
  esac
  echo "http://$host:$port"
}

# The URL a local client (status, monitor, health waits) uses to reach a listen address.
aicdn_local_url() {
  local host port
  host=$(aicdn_listen_host "$1")
  port=$(aicdn_listen_port "$1") || return 1
  case "$host" in
    "" | "*" | "+" | 0.0.0.0) host=127.0.0.1 ;;
    "[::]") host="[::1]" ;;
  esac
  echo "http://$host:$port"
}

# ---- the node's wiring ----------------------------------------------------------------------
# Listen addresses of the services that share a core node. The edge reads its own (LISTEN_HTTP,
# LISTEN_WS, LISTEN_QUIC, METRICS_PORT); ASPNETCORE_URLS cannot be shared by several services.
aicdn_service_listen() {
  local service=$1 env_file=$2
  case "$service" in
    core-relay) aicdn_env_get CORE_LISTEN_HTTP :8081 "$env_file" ;;
    auth-quota) aicdn_env_get AUTH_QUOTA_LISTEN 127.0.0.1:8082 "$env_file" ;;
    llm-mock) aicdn_env_get MOCK_LISTEN 127.0.0.1:8000 "$env_file" ;;
    edge-gateway) aicdn_env_get METRICS_PORT :9090 "$env_file" ;;
  esac
}

# Where /health, /alive and /metrics answer: the edge's management listener, the others' HTTP one.
aicdn_service_url() {
  aicdn_local_url "$(aicdn_service_listen "$1" "$2")"
}

# The generated per-service environment (read after the operator's .env, so it wins): what only
# this node knows, such as where its own auth-quota listens.
aicdn_service_env() {
  local service=$1 env_file=$2 with_mock=$3 auth_url
  echo "# Generated by scripts/deploy.sh from $env_file; regenerated on every (re)start. Do not edit."
  case "$service" in
    edge-gateway)
      echo "# edge-gateway reads its listeners from the .env itself (LISTEN_*, METRICS_PORT)."
      ;;
    core-relay)
      echo "ASPNETCORE_URLS=$(aicdn_listen_url "$(aicdn_service_listen core-relay "$env_file")")"
      auth_url=$(aicdn_env_get AUTH_QUOTA_URL "" "$env_file")
      # The service-discovery default means "the auth-quota beside me" on a bare machine.
      if [[ -z $auth_url || $auth_url == http://auth-quota ]]; then
        echo "AUTH_QUOTA_URL=$(aicdn_service_url auth-quota "$env_file")"
      fi
      if [[ $with_mock == 1 ]]; then
        echo "LLM_SOURCE_HOST=$(aicdn_service_url llm-mock "$env_file")"
        echo "ORIGIN_HEALTH_PATH=/health"
        # The mock's pacing and fault headers may reach it; a real origin gets the default allow-list.
        echo "FORWARD_REQUEST_HEADERS=accept-language,openai-beta,user-agent,x-request-id,x-mock-*"
      fi
      ;;
    auth-quota | llm-mock)
      echo "ASPNETCORE_URLS=$(aicdn_listen_url "$(aicdn_service_listen "$service" "$env_file")")"
      ;;
  esac
}

# The command line of a service in a release folder: its own executable when the release is
# self-contained, else the shared runtime.
aicdn_service_command() {
  local service=$1 folder=$2 dotnet=${3:-dotnet} project
  project=$(aicdn_project "$service")
  if [[ -e $folder/libcoreclr.so ]]; then
    printf '%s\n' "$folder/$project"
  else
    printf '%s\n' "$dotnet" "$folder/$project.dll"
  fi
}

# A duration such as DRAIN_TIMEOUT in whole seconds, rounded up, read as the services read it:
# 30, 30s, 2.5m, 500ms, 1h (units in either case), or a TimeSpan such as 00:02:00 or 1.00:00:00.
# Fails on anything else.
aicdn_seconds() {
  awk -v v="${1//[[:space:]]/}" '
    function up(x) { return (x == int(x)) ? x : int(x) + 1 }
    BEGIN {
      v = tolower(v)
      if (v ~ /:/) {
        n = split(v, p, ":"); d = 0
        if (n == 2) { h = p[1]; m = p[2]; s = 0 } else if (n == 3) { h = p[1]; m = p[2]; s = p[3] } else exit 1
        if (h ~ /^[0-9]+\.[0-9]+$/) { split(h, dh, "."); d = dh[1]; h = dh[2] }
        if (h !~ /^[0-9]+$/ || m !~ /^[0-9]+$/ || s !~ /^[0-9]+(\.[0-9]+)?$/) exit 1
        print up(d * 86400 + h * 3600 + m * 60 + s); exit 0
      }
      if (!match(v, /^[0-9]+(\.[0-9]+)?/)) exit 1
      num = substr(v, 1, RLENGTH); unit = substr(v, RLENGTH + 1)
      if (unit == "" || unit == "s") f = 1; else if (unit == "ms") f = 0.001
      else if (unit == "m") f = 60; else if (unit == "h") f = 3600; else exit 1
      print up(num * f)
    }'
}

# curl answers every health check and status query; a minimal Debian install lacks it.
aicdn_require_curl() {
  command -v curl >/dev/null 2>&1 || aicdn_die "curl is needed for health checks: apt-get install -y curl"
}

# Waits until URL/health answers 2xx (returns 0), the process PID, if given, exits (2), or TIMEOUT
# seconds pass (1). Asked every 0.2 s, so the time a start-up takes can be read from it.
aicdn_wait_healthy() {
  local url=$1 timeout=$2 pid=${3:-} deadline
  deadline=$((SECONDS + timeout))
  while ((SECONDS < deadline)); do
    if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then
      return 2
    fi
    if curl -fsS -o /dev/null --max-time 2 "$url/health" 2>/dev/null; then
      return 0
    fi
    sleep 0.2
  done
  return 1
}

# Prints what is missing or wrong in a node's .env, one problem a line (nothing when it is complete).
aicdn_env_problems() {
  local node_type=$1 with_mock=$2 env_file=$3 secret service listen
  secret=$(aicdn_env_get AICDN_CLUSTER_SECRET "" "$env_file")
  if ((${#secret} < 16)); then
    echo "AICDN_CLUSTER_SECRET must be set, at least 16 characters, the same on every edge and core (e.g. openssl rand -hex 32)"
  fi
  if [[ $node_type == edge && -z $(aicdn_env_get CORE_NODE_HOST "" "$env_file") ]]; then
    echo "CORE_NODE_HOST must name the core node(s), e.g. CORE_NODE_HOST=10.0.0.2:8081"
  fi
  if [[ $node_type == core && $with_mock != 1 && -z $(aicdn_env_get LLM_SOURCE_HOST "" "$env_file") ]]; then
    echo "LLM_SOURCE_HOST must name the LLM origin(s) (or deploy with --with-mock)"
  fi
  for service in $(aicdn_node_services "$node_type" "$with_mock"); do
    listen=$(aicdn_service_listen "$service" "$env_file")
    aicdn_listen_port "$listen" >/dev/null || echo "$service: '$listen' is not a listen address (:port, host:port or [v6]:port)"
  done
}

# A digest of the environment a service starts with, to tell later whether its settings changed.
aicdn_env_digest() {
  local env_file=$1 service_env=$2
  { aicdn_env_pairs "$env_file"; aicdn_env_pairs "$service_env"; } | sha256sum | cut -d' ' -f1
}
