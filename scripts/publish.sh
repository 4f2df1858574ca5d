#!/usr/bin/env bash
# Builds a release: one folder per service, each started with only environment configuration.
#
#   scripts/publish.sh --output DIR [--services "edge-gateway core-relay ..."]
#                      [--self-contained --runtime linux-x64] [--configuration Release]
#                      [--artifacts-path DIR]
#
# Framework-dependent by default (the target machine needs the ASP.NET Core 10 runtime:
# apt-get install aspnetcore-runtime-10.0 from Microsoft's repository); --self-contained bundles
# the runtime for one --runtime. A release for a --runtime is ReadyToRun-compiled (it starts serving
# at speed sooner; BENCHMARKS.md, "Start-up"). Container images come from the same projects:
#   dotnet publish services/EdgeGateway -c Release -t:PublishContainer -p:ContainerRegistry=...
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib/aicdn.sh
source "$here/lib/aicdn.sh"
repo=$(cd "$here/.." && pwd)

output=""
configuration=Release
runtime=""
self_contained=0
artifacts=""
services=("${AICDN_ALL_SERVICES[@]}")

usage() {
  # The header comment is the usage text.
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
  exit "${1:-0}"
}

while (($#)); do
  case "$1" in
    --output) output=$2; shift 2 ;;
    --configuration) configuration=$2; shift 2 ;;
    --runtime) runtime=$2; shift 2 ;;
    --self-contained) self_contained=1; shift ;;
    --artifacts-path) artifacts=$2; shift 2 ;;
    --services) read -r -a services <<<"$2"; shift 2 ;;
    -h | --help) usage 0 ;;
    *) echo "unknown option: $1" >&2; usage 2 ;;
  esac
done

[[ -n $output ]] || aicdn_die "--output DIR is required"
command -v dotnet >/dev/null || aicdn_die "the .NET SDK (dotnet) is needed to build a release; or pass deploy.sh --release DIR"
if ((self_contained)) && [[ -z $runtime ]]; then
  aicdn_die "--self-contained needs --runtime (e.g. linux-x64, linux-arm64)"
fi

mkdir -p "$output"
output=$(cd "$output" && pwd)
args=(-c "$configuration" --nologo -v quiet)
if [[ -n $runtime ]]; then
  args+=(-r "$runtime")
fi
if ((self_contained)); then
  args+=(--self-contained true)
else
  args+=(--self-contained false)
fi
if [[ -n $artifacts ]]; then
  args+=(--artifacts-path "$artifacts")
fi

for service in "${services[@]}"; do
  project=$(aicdn_project "$service")
  aicdn_log "publishing $service ($project, $configuration${runtime:+, $runtime}, $( ((self_contained)) && echo self-contained || echo framework-dependent))"
  rm -rf "${output:?}/$service"
  dotnet publish "$repo/services/$project/$project.csproj" "${args[@]}" -o "$output/$service"
done

commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(git -C "$repo" status --porcelain -- services AiCdn.ServiceDefaults 2>/dev/null) ]]; then
  commit="$commit-dirty"
fi
{
  echo "RELEASE_ID=$(date -u '+%Y%m%dT%H%M%SZ')-$commit"
  echo "RELEASE_COMMIT=$commit"
  echo "RELEASE_CONFIGURATION=$configuration"
  echo "RELEASE_RUNTIME=${runtime:-any}"
  echo "RELEASE_SELF_CONTAINED=$self_contained"
  echo "RELEASE_SERVICES=${services[*]}"
} >"$output/RELEASE"
aicdn_log "release in $output"
