#!/usr/bin/env bash
# Operates a node that scripts/deploy.sh installed, as the original's manage script did.
#
#   scripts/manage.sh [--prefix DIR] COMMAND
#
#   status                       each service: running, /health, release; exit 1 if one is not healthy
#   logs [-f] [-n N] [SERVICE]   the services' logs (journald, or the log files without systemd)
#   monitor [--interval S] [--once]
#                                live connections, requests/s, open streams and p99 latency per
#                                service, from their /metrics
#   backup [--output DIR]        archives the config dir (.env, keys file, certificates)
#   reload                       checks the config dir's .env, then restarts, one at a time and
#                                draining streams, only the services whose settings changed; the
#                                keys file and certificates reload in place without a restart
#   restart [SERVICE]            restarts the node's services (or one), one at a time, draining
#
#   --prefix DIR                 the install root given to deploy.sh (default: the one this copy of
#                                the script lives in, else /opt/aicdn)
#   AICDN_START_TIMEOUT          seconds to wait for a restarted service's /health (default 90)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib/aicdn.sh
source "$here/lib/aicdn.sh"

usage() {
  # The header comment is the usage text.
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
  exit "${1:-0}"
}

prefix=""
if [[ ${1:-} == --prefix ]]; then
  prefix=${2:-}
  shift 2
fi
if [[ -z $prefix ]]; then
  # Installed copies live in <prefix>/bin.
  if [[ -f $here/../install.env ]]; then
    prefix=$(cd "$here/.." && pwd)
  else
    prefix=$AICDN_DEFAULT_PREFIX
  fi
fi
command=${1:-}
[[ -n $command ]] || usage 2
[[ $command == -h || $command == --help || $command == help ]] && usage 0
shift

case $command in status | monitor | restart) aicdn_require_curl ;; esac
install=$prefix/install.env
[[ -f $install ]] || aicdn_die "$install not found: no node was deployed with --prefix $prefix"
node_type=$(aicdn_env_get NODE_TYPE "" "$install")
region=$(aicdn_env_get REGION "" "$install")
config_dir=$(aicdn_env_get CONFIG_DIR "" "$install")
mode=$(aicdn_env_get MODE systemd "$install")
with_mock=$(aicdn_env_get WITH_MOCK 0 "$install")
read -r -a services <<<"$(aicdn_env_get SERVICES "" "$install")"
env_file=$config_dir/.env
start_timeout=${AICDN_START_TIMEOUT:-90}

service_pid() {
  local pid
  if [[ $mode == systemd ]]; then
    pid=$(systemctl show -p MainPID --value "$(aicdn_unit_name "$1")" 2>/dev/null || echo 0)
    [[ $pid != 0 ]] && echo "$pid"
  else
    pid=$(cat "$prefix/run/$1.pid" 2>/dev/null || true)
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
  fi
  return 0
}

# ---- status --------------------------------------------------------------------------------

cmd_status() {
  local service pid url health all_ok=0 release
  release=$(readlink "$prefix/current" 2>/dev/null || echo none)
  printf 'node %s, region %s, %s, release %s\n' "$node_type" "$region" "$mode" "${release#releases/}"
  printf '%-14s %-10s %-9s %s\n' SERVICE STATE PID HEALTH
  for service in "${services[@]}"; do
    pid=$(service_pid "$service")
    url=$(aicdn_service_url "$service" "$env_file")
    health=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$url/health" 2>/dev/null || true)
    if [[ -z $pid ]]; then
      printf '%-14s %-10s %-9s %s\n' "$service" stopped - "-"
      all_ok=1
      continue
    fi
    if [[ $health == 200 ]]; then
      printf '%-14s %-10s %-9s %s\n' "$service" running "$pid" "Healthy ($url/health)"
    else
      [[ $health =~ ^[1-9] ]] && health="Unhealthy (HTTP $health)" || health="no answer"
      printf '%-14s %-10s %-9s %s\n' "$service" running "$pid" "$health ($url/health)"
      all_ok=1
    fi
  done
  return "$all_ok"
}

# ---- logs ----------------------------------------------------------------------------------

cmd_logs() {
  local follow=0 lines=100 selected=()
  while (($#)); do
    case "$1" in
      -f | --follow) follow=1; shift ;;
      -n | --lines) lines=$2; shift 2 ;;
      *) selected+=("$1"); shift ;;
    esac
  done
  ((${#selected[@]})) || selected=("${services[@]}")
  if [[ $mode == systemd ]]; then
    local units=() service
    for service in "${selected[@]}"; do
      units+=(-u "$(aicdn_unit_name "$service")")
    done
    ((follow)) && units+=(--follow)
    exec journalctl "${units[@]}" -n "$lines" --no-pager
  fi
  local files=() service
  for service in "${selected[@]}"; do
    files+=("$prefix/logs/$service.log")
  done
  if ((follow)); then
    exec tail -n "$lines" -F "${files[@]}"
  fi
  tail -n "$lines" "${files[@]}"
}

# ---- monitor -------------------------------------------------------------------------------

# Reads two Prometheus scrapes of one service, taken SECONDS apart, and prints: open connections,
# requests/s, open SSE streams and the p99 of request duration (ms) over the interval, from the
# histogram buckets' increase (linear within a bucket, as PromQL's histogram_quantile does).
summarise_scrapes() {
  awk -v seconds="$3" '
    function value(line) { n = split(line, parts, " "); return parts[n] + 0 }
    function le(line) { if (match(line, /le="[^"]*"/)) return substr(line, RSTART + 4, RLENGTH - 5); return "" }
    FNR == 1 { file++ }
    /^#/ { next }
    /^aicdn_connections_active[{ ]/ { if (file == 2) connections += value($0) }
    /^aicdn_sse_connections_active[{ ]/ { if (file == 2) streams += value($0) }
    /^aicdn_requests_total[{ ]/ { requests[file] += value($0) }
    /^aicdn_request_duration_seconds_bucket[{ ]/ {
      bound = le($0)
      bucket[file, bound] += value($0)
      bounds[bound] = 1
    }
    END {
      rate = (requests[2] - requests[1]) / seconds
      count = 0
      for (b in bounds) { finite[++count] = b }
      # Sort the bucket bounds numerically (+Inf last).
      for (i = 2; i <= count; i++) {
        key = finite[i]; j = i - 1
        while (j > 0 && (finite[j] == "+Inf" || (key != "+Inf" && finite[j] + 0 > key + 0))) { finite[j + 1] = finite[j]; j-- }
        finite[j + 1] = key
      }
      total = bucket[2, "+Inf"] - bucket[1, "+Inf"]
      p99 = "-"
      if (total > 0) {
        rank = 0.99 * total; previous_bound = 0; previous_count = 0
        for (i = 1; i <= count; i++) {
          b = finite[i]; c = bucket[2, b] - bucket[1, b]
          if (c >= rank) {
            if (b == "+Inf") { p99 = sprintf(">%.0f", previous_bound * 1000) }
            else if (c == previous_count) { p99 = sprintf("%.1f", b * 1000) }
            else { p99 = sprintf("%.1f", (previous_bound + (b - previous_bound) * (rank - previous_count) / (c - previous_count)) * 1000) }
            break
          }
          previous_bound = b + 0; previous_count = c
        }
      }
      printf "%d %.1f %d %s\n", connections, rate, streams, p99
    }' "$1" "$2"
}

cmd_monitor() {
  local interval=2 once=0 service url
  while (($#)); do
    case "$1" in
      --interval)
        [[ ${2:-} =~ ^[0-9]+$ ]] || aicdn_die "monitor: --interval needs a whole number of seconds"
        interval=$2
        shift 2
        ;;
      --once) once=1; shift ;;
      *) aicdn_die "monitor: unknown option $1" ;;
    esac
  done
  # Global: the EXIT trap runs after this function's locals are gone.
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  for service in "${services[@]}"; do
    curl -fsS --max-time 3 "$(aicdn_service_url "$service" "$env_file")/metrics" >"$scratch/$service.0" 2>/dev/null || : >"$scratch/$service.0"
  done
  while true; do
    sleep "$interval"
    local lines=()
    for service in "${services[@]}"; do
      url=$(aicdn_service_url "$service" "$env_file")
      if curl -fsS --max-time 3 "$url/metrics" >"$scratch/$service.1" 2>/dev/null; then
        read -r connections rate streams p99 < <(summarise_scrapes "$scratch/$service.0" "$scratch/$service.1" "$interval")
        lines+=("$(printf '%-14s %12s %10s %9s %9s' "$service" "$connections" "$rate" "$streams" "$p99")")
        mv "$scratch/$service.1" "$scratch/$service.0"
      else
        lines+=("$(printf '%-14s %s' "$service" "no answer from $url/metrics")")
      fi
    done
    ((once)) || printf '\033[H\033[2J'
    printf 'AiCdn %s node, region %s, %s (every %ss%s)\n' "$node_type" "$region" "$(date '+%H:%M:%S')" "$interval" "$( ((once)) || echo ', Ctrl-C to stop')"
    printf '%-14s %12s %10s %9s %9s\n' SERVICE CONNECTIONS REQUESTS/S STREAMS P99_MS
    printf '%s\n' "${lines[@]}"
    ((once)) && return 0
  done
}

# ---- backup --------------------------------------------------------------------------------

cmd_backup() {
  local output=$prefix/backups archive
  if [[ ${1:-} == --output ]]; then
    [[ -n ${2:-} ]] || aicdn_die "backup: --output needs a folder"
    output=$2
  fi
  mkdir -p "$output"
  archive=$output/aicdn-config-$node_type-$region-$(date -u '+%Y%m%dT%H%M%SZ').tar.gz
  # The archive holds secrets (.env, keys, private keys): only its owner may read it.
  (umask 077 && tar -czf "$archive" -C "$(dirname "$config_dir")" "$(basename "$config_dir")" -C "$prefix" install.env)
  aicdn_log "backed up $config_dir to $archive"
  echo "$archive"
}

# ---- restart and reload --------------------------------------------------------------------

# Ends the running process gracefully (SIGTERM: the edge drains its streams) and waits for the
# new one to answer /health. Without systemd, deploy.sh's supervisor starts the new process.
restart_service() {
  local service=$1 url old_pid new_pid deadline
  url=$(aicdn_service_url "$service" "$env_file")
  aicdn_log "restarting $service (open streams drain first)"
  if [[ $mode == systemd ]]; then
    aicdn_service_env "$service" "$env_file" "$with_mock" >"$prefix/env/$service.env"
    systemctl restart "$(aicdn_unit_name "$service")"
    aicdn_env_digest "$env_file" "$prefix/env/$service.env" >"$prefix/run/$service.applied"
    new_pid=$(service_pid "$service")
  else
    old_pid=$(service_pid "$service")
    [[ -n $old_pid ]] || aicdn_die "$service is not running (is deploy.sh --no-systemd still running?)"
    kill -TERM "$old_pid"
    deadline=$((SECONDS + start_timeout + 120))
    new_pid=""
    while ((SECONDS < deadline)); do
      new_pid=$(service_pid "$service")
      [[ -n $new_pid && $new_pid != "$old_pid" ]] && break
      new_pid=""
      sleep 0.2
    done
    [[ -n $new_pid ]] || aicdn_die "$service did not come back after SIGTERM; see $prefix/logs/$service.log"
  fi
  aicdn_wait_healthy "$url" "$start_timeout" "$new_pid" ||
    aicdn_die "$service did not answer $url/health after the restart; manage.sh logs $service"
  aicdn_log "$service is healthy again (pid $new_pid)"
}

cmd_restart() {
  local service selected=("$@")
  ((${#selected[@]})) || selected=("${services[@]}")
  for service in "${selected[@]}"; do
    restart_service "$service"
  done
}

cmd_reload() {
  local problems=() service current applied changed=0
  mapfile -t problems < <(aicdn_env_problems "$node_type" "$with_mock" "$env_file")
  if ((${#problems[@]})); then
    printf 'error: %s is not valid; nothing was reloaded:\n' "$env_file" >&2
    printf '  - %s\n' "${problems[@]}" >&2
    exit 1
  fi
  for service in "${services[@]}"; do
    current=$(aicdn_env_digest "$env_file" <(aicdn_service_env "$service" "$env_file" "$with_mock"))
    applied=$(cat "$prefix/run/$service.applied" 2>/dev/null || true)
    if [[ $current == "$applied" ]]; then
      aicdn_log "$service: settings unchanged, left running"
      continue
    fi
    changed=1
    restart_service "$service"
  done
  ((changed)) || aicdn_log "no settings changed"
  aicdn_log "files the services watch reload in place, with no restart: the keys file (KEYS_FILE) in auth-quota, the TLS certificate and key (TLS_CERT_FILE, TLS_KEY_FILE) in the edge"
}

case "$command" in
  status) cmd_status ;;
  logs) cmd_logs "$@" ;;
  monitor) cmd_monitor "$@" ;;
  backup) cmd_backup "$@" ;;
  reload) cmd_reload ;;
  restart) cmd_restart "$@" ;;
  -h | --help | help) usage 0 ;;
  *) echo "unknown command: $command" >&2; usage 2 ;;
esac
