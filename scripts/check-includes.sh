#!/usr/bin/env bash
# Checks DESIGN.md's layering: which module may include which. Prints each violation.
set -euo pipefail
cd "$(dirname "$0")/.."
declare -A allowed=(
  [core]="core"
  [proto]="core proto"
  [net]="core net"
  [auth]="core proto auth"
  [telemetry]="core proto telemetry"
  [backbone]="core proto backbone"
  [node]="core net backbone auth telemetry node"
  [session]="node proto net core auth telemetry session"
  [connectors]="core backbone proto net connectors"
  [app]="core proto net auth telemetry backbone node session connectors app"
)
status=0
for module in "${!allowed[@]}"; do
  [ -d "src/$module" ] || continue
  while IFS= read -r line; do
    file="${line%%:*}"
    included=$(sed -E 's/.*#include "([a-z_]+)\/.*/\1/' <<<"$line")
    if ! grep -qw "$included" <<<"${allowed[$module]}"; then
      echo "layering: $file includes $included/ (module $module may include: ${allowed[$module]})"
      status=1
    fi
  done < <(grep -rnE '^#include "[a-z_]+/' "src/$module" || true)
done
# Third-party headers that belong to one module only.
if grep -rnE '#include <(simdjson|boost/beast)' src --include=*.h | grep -v '^src/proto/'; then
  echo "layering: simdjson/Beast included from a header outside proto"; status=1
fi
if grep -rnE '#include <(spdlog|toml\+\+|CLI)' src/core; then
  echo "layering: core must not log or parse config"; status=1
fi
exit $status
