#!/usr/bin/env bash
# Starts the nginx peer chain: nginx "edge" → nginx "core" → the llm-mock processes the AiCdn chain
# uses (start-chain.sh first), both with proxy_buffering off and HTTP/1.1 keep-alive upstreams, so the
# same load tool measures both chains against the same origin in the same session. Runs Debian's
# nginx as the current user with configs rendered from loadtests/peers/nginx/ into $RUN_DIR.
#
# Settings (environment): NGINX_WORKERS (per nginx, default 2), NGINX_EDGE_PORT (19080),
# NGINX_CORE_PORT (19180), NGINX_CORE_LISTENERS (ports of the core, default 1), MOCK_PORT (18280),
# MOCKS (1), RUN_DIR (default $LOAD_HOME/nginx).
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"

NGINX_WORKERS="${NGINX_WORKERS:-2}"
NGINX_EDGE_PORT="${NGINX_EDGE_PORT:-19080}" NGINX_CORE_PORT="${NGINX_CORE_PORT:-19180}"
NGINX_CORE_LISTENERS="${NGINX_CORE_LISTENERS:-1}"
MOCK_PORT="${MOCK_PORT:-18280}" MOCKS="${MOCKS:-1}"
RUN_DIR="${RUN_DIR:-$LOAD_HOME/nginx}"
CHAIN_PIDS="${CHAIN_PIDS:-$LOAD_HOME/chain/pids}"
TEMPLATES="$LOADTESTS_DIR/peers/nginx"

command -v nginx >/dev/null || aicdn_die "nginx is not installed (apt-get install nginx)"
[[ -f "$RUN_DIR/pids" ]] && aicdn_die "$RUN_DIR/pids exists: the peer is running (stop it with stop-nginx-peer.sh)"
mkdir -p "$RUN_DIR/logs" "$RUN_DIR/tmp"
raise_nofile
nofile="$(ulimit -Hn)"

# As root, nginx would hand its workers to 'nobody', who cannot write the run directory: keep the
# current user (this is a loopback benchmark, not a deployment).
user_directive=""
if [[ "$(id -u)" == 0 ]]; then
  user_directive="user $(id -un) $(id -gn);"
fi

servers() { # base count
  local i
  for ((i = 0; i < $2; i++)); do printf '        server 127.0.0.1:%d max_fails=0;\n' "$(($1 + i))"; done
}
listens() {
  local i
  for ((i = 0; i < NGINX_CORE_LISTENERS; i++)); do printf '        listen 127.0.0.1:%d reuseport backlog=4096;\n' "$((NGINX_CORE_PORT + i))"; done
}

render() { # template output
  local core_servers mock_servers core_listens
  core_servers="$(servers "$NGINX_CORE_PORT" "$NGINX_CORE_LISTENERS")"
  mock_servers="$(servers "$MOCK_PORT" "$MOCKS")"
  core_listens="$(listens)"
  CORE_SERVERS="$core_servers" MOCK_SERVERS="$mock_servers" CORE_LISTENS="$core_listens" \
  USER_DIRECTIVE="$user_directive" WORKERS="$NGINX_WORKERS" NOFILE="$nofile" \
  WORKER_CONNECTIONS="$((nofile - 100))" RUN_DIR_VALUE="$RUN_DIR" EDGE_PORT="$NGINX_EDGE_PORT" \
  python3 - "$1" "$2" <<'PY'
import os, sys
text = open(sys.argv[1]).read()
for key in ["CORE_SERVERS", "MOCK_SERVERS", "CORE_LISTENS", "USER_DIRECTIVE", "WORKERS", "NOFILE", "WORKER_CONNECTIONS", "EDGE_PORT"]:
    text = text.replace("@" + key + "@", os.environ[key])
text = text.replace("@RUN_DIR@", os.environ["RUN_DIR_VALUE"])
open(sys.argv[2], "w").write(text)
PY
}

render "$TEMPLATES/core.conf.template" "$RUN_DIR/core.conf"
render "$TEMPLATES/edge.conf.template" "$RUN_DIR/edge.conf"
nginx -t -q -c "$RUN_DIR/core.conf" -p "$RUN_DIR" -e "$RUN_DIR/logs/core-error.log" || aicdn_die "core.conf is invalid"
nginx -t -q -c "$RUN_DIR/edge.conf" -p "$RUN_DIR" -e "$RUN_DIR/logs/edge-error.log" || aicdn_die "edge.conf is invalid"
nginx -c "$RUN_DIR/core.conf" -p "$RUN_DIR" -e "$RUN_DIR/logs/core-error.log"
nginx -c "$RUN_DIR/edge.conf" -p "$RUN_DIR" -e "$RUN_DIR/logs/edge-error.log"

: >"$RUN_DIR/pids"
for part in core edge; do
  for ((i = 0; i < 50; i++)); do [[ -s "$RUN_DIR/$part.pid" ]] && break; sleep 0.1; done
  master="$(cat "$RUN_DIR/$part.pid")"
  echo "nginx-$part $master" >>"$RUN_DIR/pids"
  for ((i = 0; i < 50; i++)); do
    [[ "$(pgrep -P "$master" | wc -l)" -ge "$NGINX_WORKERS" ]] && break
    sleep 0.1
  done
  for worker in $(pgrep -P "$master"); do echo "nginx-$part $worker" >>"$RUN_DIR/pids"; done
done

# The origin processes are shared with the AiCdn chain; watch them in this run too (not stopped here).
: >"$RUN_DIR/watch"
if [[ -f "$CHAIN_PIDS" ]]; then
  grep '^mock ' "$CHAIN_PIDS" >>"$RUN_DIR/watch" || true
fi
cat "$RUN_DIR/pids" >>"$RUN_DIR/watch"

aicdn_wait_healthy "http://127.0.0.1:$NGINX_EDGE_PORT" 20 || aicdn_die "the nginx edge did not answer /health within 20 s"
aicdn_log "nginx peer up: edge :$NGINX_EDGE_PORT → core :$NGINX_CORE_PORT (+$((NGINX_CORE_LISTENERS - 1)) ports) → $MOCKS mock(s) from :$MOCK_PORT, $NGINX_WORKERS workers each; pids in $RUN_DIR/pids"
