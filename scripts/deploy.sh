#!/usr/bin/env bash
# Deploys an AiCdn node on a bare Linux machine, as the original's deploy script did.
#
#   sudo scripts/deploy.sh --node-type edge|core [--region R] [--config-dir DIR]
#
#   --node-type edge|core  edge: edge-gateway. core: auth-quota + core-relay (+ llm-mock with --with-mock).
#   --region R             region code (labels, unit descriptions); default: REGION from the .env, else hk.
#   --config-dir DIR       holds .env (from config/env.example), keys file, certificates; default /etc/aicdn.
#   --release DIR          a release from scripts/publish.sh; default: build one from this checkout.
#   --self-contained       when building: bundle the .NET runtime (with --runtime RID, default linux-x64).
#   --with-mock            core only: also run llm-mock and relay to it (no real origin needed).
#   --prefix DIR           install root; default /opt/aicdn.
#   --no-systemd           no units, no sysctl, no user: install under --prefix and run the services in
#                          the foreground (Ctrl-C or SIGTERM stops them, draining streams first).
#   --dry-run              print every step, change nothing.
#   AICDN_START_TIMEOUT    seconds to wait for each service's /health (default 90).
#
# With systemd it: builds or takes a release, installs it under the prefix, writes one unit per
# service (EnvironmentFile= the config dir's .env, LimitNOFILE=1048576, MemoryMax, Restart=always),
# writes and applies the kernel tuning (somaxconn, SYN backlog, BBR) as a sysctl file, then starts or
# restarts the services one at a time, each only after the previous one answers /health.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib/aicdn.sh
source "$here/lib/aicdn.sh"
repo=$(cd "$here/.." && pwd)

node_type=""
region=""
config_dir=$AICDN_DEFAULT_CONFIG_DIR
prefix=$AICDN_DEFAULT_PREFIX
release=""
self_contained=0
runtime=linux-x64
with_mock=0
systemd=1
dry_run=0
start_timeout=${AICDN_START_TIMEOUT:-90}

usage() {
  # The header comment is the usage text.
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
  exit "${1:-0}"
}

while (($#)); do
  case "$1" in
    --node-type | --region | --config-dir | --prefix | --release | --runtime)
      [[ -n ${2:-} ]] || aicdn_die "$1 needs a value" ;;
  esac
  case "$1" in
    --node-type) node_type=${2:-}; shift 2 ;;
    --region) region=${2:-}; shift 2 ;;
    --config-dir) config_dir=${2:-}; shift 2 ;;
    --prefix) prefix=${2:-}; shift 2 ;;
    --release) release=${2:-}; shift 2 ;;
    --self-contained) self_contained=1; shift ;;
    --runtime) runtime=${2:-}; shift 2 ;;
    --with-mock) with_mock=1; shift ;;
    --no-systemd) systemd=0; shift ;;
    --dry-run) dry_run=1; shift ;;
    -h | --help) usage 0 ;;
    *) echo "unknown option: $1" >&2; usage 2 ;;
  esac
done

[[ $node_type == edge || $node_type == core ]] || aicdn_die "--node-type edge|core is required"
if [[ $with_mock == 1 && $node_type != core ]]; then
  aicdn_die "--with-mock only applies to --node-type core"
fi
((dry_run)) || aicdn_require_curl
read -r -a services <<<"$(aicdn_node_services "$node_type" "$with_mock")"
prefix=${prefix%/}
config_dir=${config_dir%/}
env_file=$config_dir/.env

# ---- doing, or saying what would be done ---------------------------------------------------

step() { aicdn_log "==> $*"; }

run() {
  if ((dry_run)); then
    printf '    [dry-run] %s\n' "$*"
  else
    "$@"
  fi
}

# write_file MODE PATH: writes standard input to PATH (atomically), or prints it in a dry run.
write_file() {
  local mode=$1 path=$2 content
  content=$(cat)
  if ((dry_run)); then
    printf '    [dry-run] write %s (mode %s):\n' "$path" "$mode"
    printf '%s\n' "$content" | sed 's/^/      | /'
    return
  fi
  mkdir -p "$(dirname "$path")"
  printf '%s\n' "$content" >"$path.tmp.$$"
  chmod "$mode" "$path.tmp.$$"
  mv -f "$path.tmp.$$" "$path"
}

# ---- configuration -------------------------------------------------------------------------

check_config() {
  step "configuration: $env_file"
  # The config dir is handed to the aicdn group recursively: it must be AiCdn's own folder.
  case "$(realpath -m "$config_dir")" in
    / | /etc | /usr | /usr/* | /var | /opt | /home | /root | /boot | /bin | /sbin | /lib*)
      aicdn_die "--config-dir $config_dir is a system folder; give AiCdn its own (e.g. /etc/aicdn-$node_type)" ;;
  esac
  if [[ ! -f $env_file ]]; then
    if ((dry_run)); then
      printf '    [dry-run] %s is missing: it would be created from config/env.example, and the deploy would stop for you to fill it in\n' "$env_file"
      return
    fi
    mkdir -p "$config_dir"
    sed -e "s/^NODE_TYPE=.*/NODE_TYPE=$node_type/" -e "s/^REGION=.*/REGION=${region:-hk}/" \
      "$repo/config/env.example" >"$env_file"
    chmod 600 "$env_file"
    aicdn_die "created $env_file from config/env.example: set AICDN_CLUSTER_SECRET (the same on every node) and $(
      [[ $node_type == edge ]] && echo CORE_NODE_HOST || echo 'LLM_SOURCE_HOST and API_KEYS'
    ), then run this again"
  fi

  local problems=()
  mapfile -t problems < <(aicdn_env_problems "$node_type" "$with_mock" "$env_file")
  if [[ $node_type == core && -z $(aicdn_env_get API_KEYS "" "$env_file") && -z $(aicdn_env_get KEYS_FILE "" "$env_file") ]]; then
    aicdn_warn "neither API_KEYS nor KEYS_FILE is set: every request is refused until keys are added through the admin API"
  fi
  if ((${#problems[@]})); then
    printf 'error: %s is not complete:\n' "$env_file" >&2
    printf '  - %s\n' "${problems[@]}" >&2
    exit 1
  fi
  region=${region:-$(aicdn_env_get REGION hk "$env_file")}
  aicdn_log "node type $node_type, region $region, services: ${services[*]}"
}

# ---- the release ---------------------------------------------------------------------------

take_release() {
  if [[ -z $release ]]; then
    release=$prefix/staging
    step "building a release from $repo into $release"
    local args=(--output "$release" --services "${services[*]}")
    if ((self_contained)); then
      args+=(--self-contained --runtime "$runtime")
    fi
    run "$here/publish.sh" "${args[@]}"
  else
    step "release: $release"
  fi
  if ((dry_run)) && [[ ! -d $release ]]; then
    return
  fi
  release=$(cd "$release" && pwd)
  local service
  for service in "${services[@]}"; do
    [[ -f $release/$service/$(aicdn_project "$service").dll ]] || aicdn_die "$release has no $service (expected $release/$service/$(aicdn_project "$service").dll)"
  done
}

release_id() {
  local id
  id=$(aicdn_env_get RELEASE_ID "" "$release/RELEASE" 2>/dev/null || true)
  echo "${id:-$(date -u '+%Y%m%dT%H%M%SZ')}"
}

check_runtime() {
  local service folder
  for service in "${services[@]}"; do
    folder=$release/$service
    if [[ ! -e $folder/libcoreclr.so ]]; then
      dotnet_path=$(command -v dotnet || true)
      [[ -n $dotnet_path ]] || aicdn_die "this release is framework-dependent and there is no dotnet on PATH: install aspnetcore-runtime-10.0, or deploy a --self-contained release"
      dotnet_path=$(readlink -f "$dotnet_path")
      if ! "$dotnet_path" --list-runtimes 2>/dev/null | grep -q '^Microsoft.AspNetCore.App 10\.'; then
        aicdn_die "$dotnet_path has no ASP.NET Core 10 runtime (dotnet --list-runtimes): install aspnetcore-runtime-10.0"
      fi
      return
    fi
  done
  dotnet_path=""
}

install_release() {
  local id target service
  id=$(release_id)
  target=$prefix/releases/$id
  step "installing release $id into $target"
  run mkdir -p "$prefix/releases" "$prefix/env" "$prefix/bin/lib" "$prefix/run" "$prefix/logs" "$prefix/backups"
  if [[ ! -d $target ]]; then
    run mkdir -p "$target.partial"
    for service in "${services[@]}"; do
      run cp -a "$release/$service" "$target.partial/$service"
    done
    if [[ -f $release/RELEASE ]]; then
      run cp "$release/RELEASE" "$target.partial/RELEASE"
    fi
    run mv "$target.partial" "$target"
  fi
  # The scripts travel with the install, so manage.sh is on the node.
  run cp "$here/manage.sh" "$here/deploy.sh" "$here/publish.sh" "$prefix/bin/"
  run cp "$here/lib/aicdn.sh" "$prefix/bin/lib/"

  # Swap "current" in one rename: a service restarting meanwhile sees the old or the new release.
  run ln -sfn "releases/$id" "$prefix/current.new"
  run mv -T "$prefix/current.new" "$prefix/current"

  # Keep the three newest releases (and so a way back).
  if ((!dry_run)); then
    local old
    while IFS= read -r old; do
      [[ -n $old ]] && rm -rf "${prefix:?}/releases/$old"
    done < <(find "$prefix/releases" -mindepth 1 -maxdepth 1 -type d ! -name '*.partial' -printf '%T@ %f\n' | sort -rn | awk 'NR > 3 { print $2 }')
  fi

  write_file 644 "$prefix/install.env" <<EOF
# Written by scripts/deploy.sh; read by manage.sh.
NODE_TYPE=$node_type
REGION=$region
CONFIG_DIR=$config_dir
PREFIX=$prefix
MODE=$( ((systemd)) && echo systemd || echo foreground)
WITH_MOCK=$with_mock
SERVICES=${services[*]}
DOTNET=$dotnet_path
EOF
  for service in "${services[@]}"; do
    aicdn_service_env "$service" "$env_file" "$with_mock" | write_file 644 "$prefix/env/$service.env"
  done
}

# ---- systemd units and kernel tuning -------------------------------------------------------

unit_file() {
  local service=$1 memory drain stop_timeout after="" command
  case "$service" in
    edge-gateway | core-relay) memory=$(aicdn_env_get MEMORY_MAX 8G "$env_file") ;;
    auth-quota) memory=$(aicdn_env_get AUTH_QUOTA_MEMORY_MAX 2G "$env_file") ;;
    llm-mock) memory=$(aicdn_env_get MOCK_MEMORY_MAX 2G "$env_file") ;;
  esac
  drain=$(aicdn_seconds "$(aicdn_env_get DRAIN_TIMEOUT 30 "$env_file")") || drain=30
  # The edge drains streams for DRAIN_TIMEOUT after SIGTERM, then writes closing events; the core
  # outlasts it, so an edge's draining streams keep flowing.
  stop_timeout=$((drain + 30))
  case "$service" in
    core-relay)
      after="aicdn-auth-quota.service"
      if [[ $with_mock == 1 ]]; then after+=" aicdn-llm-mock.service"; fi
      ;;
  esac
  command=$(aicdn_service_command "$service" "$prefix/current/$service" "${dotnet_path:-/usr/bin/dotnet}" | paste -sd ' ')
  cat <<EOF
# Written by scripts/deploy.sh ($node_type node, region $region). Re-run deploy.sh to change it.
[Unit]
Description=AiCdn $service ($node_type node, region $region)
After=network-online.target${after:+ $after}
Wants=network-online.target${after:+ $after}
StartLimitIntervalSec=120
StartLimitBurst=10

[Service]
Type=exec
User=aicdn
Group=aicdn
WorkingDirectory=$prefix/current/$service
# The operator's settings, then this node's wiring (listen URLs, the local auth-quota).
EnvironmentFile=$env_file
EnvironmentFile=$prefix/env/$service.env
ExecStart=$command
Restart=always
RestartSec=2
KillSignal=SIGTERM
TimeoutStopSec=$stop_timeout
# 100k+ sockets: the original's ulimit -n 1048576.
LimitNOFILE=1048576
# The .NET GC sizes its heap to the cgroup limit.
MemoryMax=$memory
SyslogIdentifier=aicdn-$service
$(if [[ $service == edge-gateway ]]; then
    printf '%s\n' "# The original's ports 80 and 443, as an unprivileged user." \
      "AmbientCapabilities=CAP_NET_BIND_SERVICE" "CapabilityBoundingSet=CAP_NET_BIND_SERVICE"
  else
    printf '%s\n' "CapabilityBoundingSet="
  fi)
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectControlGroups=yes
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK
LockPersonality=yes

[Install]
WantedBy=multi-user.target
EOF
}

sysctl_file() {
  cat <<'EOF'
# Written by scripts/deploy.sh: the kernel tuning of the original deployment guide, for 100k+
# connections per node.
# Listen queues: Kestrel's accept backlog is capped by somaxconn.
net.core.somaxconn = 65535
net.ipv4.tcp_max_syn_backlog = 65535
# BBR congestion control (with fq pacing) for long-lived streams over lossy long-haul links.
net.core.default_qdisc = fq
net.ipv4.tcp_congestion_control = bbr
# Outbound sockets (edge to core, core to origin): a wide ephemeral range, reuse of TIME_WAIT.
net.ipv4.ip_local_port_range = 10240 65535
net.ipv4.tcp_tw_reuse = 1
EOF
  # Descriptors: LimitNOFILE=1048576 in the units must not exceed nr_open. Raised only: a host
  # already tuned higher keeps its values.
  local nr_open file_max
  nr_open=$(cat /proc/sys/fs/nr_open 2>/dev/null || echo 0)
  file_max=$(cat /proc/sys/fs/file-max 2>/dev/null || echo 0)
  echo "# Descriptors: what the units' LimitNOFILE needs, never lower than the host already had."
  echo "fs.nr_open = $((nr_open > 1048576 ? nr_open : 1048576))"
  echo "fs.file-max = $((file_max > 2097152 ? file_max : 2097152))"
}

install_systemd() {
  local service
  step "system user aicdn"
  if ! id aicdn >/dev/null 2>&1; then
    run useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin aicdn
  fi
  # The services read the config dir (keys file, certificates); only root writes it.
  run chgrp -R aicdn "$config_dir"
  run chmod 750 "$config_dir"
  run chmod 640 "$env_file"

  step "kernel tuning: /etc/sysctl.d/90-aicdn.conf"
  sysctl_file | write_file 644 /etc/sysctl.d/90-aicdn.conf
  echo tcp_bbr | write_file 644 /etc/modules-load.d/aicdn.conf
  run modprobe tcp_bbr || aicdn_warn "could not load tcp_bbr; congestion control stays as it is"
  run sysctl -q -p /etc/sysctl.d/90-aicdn.conf || aicdn_warn "some sysctls were refused (a container or restricted VM?); see the lines above"

  step "systemd units"
  for service in "${services[@]}"; do
    unit_file "$service" | write_file 644 "/etc/systemd/system/$(aicdn_unit_name "$service")"
  done
  run systemctl daemon-reload

  # One at a time, each after the previous answers /health: a running node is updated by draining
  # one service while the others serve (systemctl restart = SIGTERM, drain, start).
  for service in "${services[@]}"; do
    step "starting $service"
    run systemctl enable --quiet "$(aicdn_unit_name "$service")"
    run systemctl restart "$(aicdn_unit_name "$service")"
    if ((!dry_run)); then
      aicdn_env_digest "$env_file" "$prefix/env/$service.env" >"$prefix/run/$service.applied"
      local url
      url=$(aicdn_service_url "$service" "$env_file")
      aicdn_wait_healthy "$url" "$start_timeout" ||
        aicdn_die "$service did not answer $url/health within ${start_timeout}s: journalctl -u $(aicdn_unit_name "$service")"
      aicdn_log "$service is healthy ($url/health)"
    fi
  done
}

# ---- the foreground mode (no systemd) ------------------------------------------------------

# Runs one service, restarting it whenever it exits (what Restart=always does), until the node
# stops. `manage.sh restart|reload` ends the process; this loop starts it with the new settings.
supervise() {
  local service=$1 folder=$prefix/current/$1 pairs=() command=() child status
  while [[ ! -e $prefix/run/stopping ]]; do
    aicdn_service_env "$service" "$env_file" "$with_mock" >"$prefix/env/$service.env"
    mapfile -t pairs < <(aicdn_env_pairs "$env_file"; aicdn_env_pairs "$prefix/env/$service.env")
    mapfile -t command < <(aicdn_service_command "$service" "$folder" "${dotnet_path:-dotnet}")
    # A clean environment, as systemd gives: only the config files' variables count.
    (cd "$folder" && exec env -i "PATH=$PATH" "HOME=${HOME:-/}" "LANG=${LANG:-C.UTF-8}" \
      ${DOTNET_ROOT:+"DOTNET_ROOT=$DOTNET_ROOT"} "${pairs[@]}" "${command[@]}") >>"$prefix/logs/$service.log" 2>&1 &
    child=$!
    aicdn_env_digest "$env_file" "$prefix/env/$service.env" >"$prefix/run/$service.applied"
    echo "$child" >"$prefix/run/$service.pid"
    status=0
    wait "$child" || status=$?
    [[ -e $prefix/run/stopping ]] && break
    aicdn_log "$service exited ($status); starting it again in 2 s" 2>&1 | tee -a "$prefix/logs/$service.log" >&2
    sleep 2
  done
}

stop_foreground() {
  local index service pid deadline
  trap - INT TERM
  touch "$prefix/run/stopping"
  aicdn_log "stopping: ${services[*]} (streams drain first)"
  # Dependents first: the edge or core-relay, then auth-quota, then the mock.
  for ((index = ${#services[@]} - 1; index >= 0; index--)); do
    service=${services[index]}
    pid=$(cat "$prefix/run/$service.pid" 2>/dev/null || true)
    if [[ -z $pid ]] || ! kill -TERM "$pid" 2>/dev/null; then
      continue
    fi
    deadline=$((SECONDS + 120))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
      sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
      aicdn_warn "$service ($pid) did not stop in time; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$prefix/run/$service.pid"
  done
  wait || true
  rm -f "$prefix/run/stopping" "$prefix/run/deploy.pid"
  aicdn_log "stopped"
  exit 0
}

run_foreground() {
  local service url pid
  step "files systemd mode would install (in $prefix, for inspection)"
  for service in "${services[@]}"; do
    unit_file "$service" | write_file 644 "$prefix/systemd/$(aicdn_unit_name "$service")"
  done
  sysctl_file | write_file 644 "$prefix/sysctl/90-aicdn.conf"
  if ((dry_run)); then
    step "would run in the foreground: ${services[*]}"
    return
  fi

  rm -f "$prefix/run/stopping"
  echo $$ >"$prefix/run/deploy.pid"
  trap stop_foreground INT TERM
  for service in "${services[@]}"; do
    step "starting $service (log: $prefix/logs/$service.log)"
    : >>"$prefix/logs/$service.log"
    supervise "$service" &
    url=$(aicdn_service_url "$service" "$env_file")
    pid=""
    for _ in {1..50}; do
      pid=$(cat "$prefix/run/$service.pid" 2>/dev/null || true)
      [[ -n $pid ]] && break
      sleep 0.1
    done
    if ! aicdn_wait_healthy "$url" "$start_timeout" "$pid"; then
      aicdn_warn "$service did not answer $url/health within ${start_timeout}s; its log ends with:"
      tail -n 30 "$prefix/logs/$service.log" >&2 || true
      stop_foreground
    fi
    aicdn_log "$service is healthy ($url/health)"
  done
  aicdn_log "node ready: $node_type, region $region ($prefix)"
  # Wait for the supervisors; SIGTERM or Ctrl-C interrupts the wait and stops everything.
  wait || true
}

# ---- main ----------------------------------------------------------------------------------

if ((systemd && !dry_run)) && [[ $(id -u) -ne 0 ]]; then
  aicdn_die "installing systemd units needs root (sudo), or use --prefix DIR --no-systemd"
fi
((dry_run)) && aicdn_log "dry run: nothing is changed"
check_config
take_release
dotnet_path=""
if ((!dry_run)) || [[ -d $release ]]; then
  check_runtime
fi
install_release
if ((systemd)); then
  install_systemd
  aicdn_log "node deployed: $node_type, region $region; scripts/manage.sh --prefix $prefix status"
else
  run_foreground
fi
