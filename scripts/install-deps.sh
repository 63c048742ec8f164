#!/usr/bin/env bash
# Installs every Debian and npm package Herald needs to build, test and benchmark.
# Idempotent: safe to run on every setup and every CI run. Needs root (or sudo).
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

DEBIAN_PACKAGES=(
  # build
  g++ cmake ninja-build ccache pkg-config git curl ca-certificates clang-format
  libboost1.81-dev libssl-dev libsimdjson-dev libspdlog-dev libfmt-dev
  libtomlplusplus-dev libcli11-dev zlib1g-dev liburing-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  # tests and browser e2e
  nodejs chromium procps psmisc iproute2 python3
  # benchmark peers (bench/compare)
  nats-server redis-server mosquitto mosquitto-clients nginx libnginx-mod-nchan wrk linux-perf
)

missing=()
for p in "${DEBIAN_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  # Keep Debian from starting the peer servers' services: tests and benchmarks start
  # their own instances on private loopback ports and stop them by PID.
  policy_created=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    policy_created=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq || true
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  if [ "$policy_created" = 1 ]; then $SUDO rm -f /usr/sbin/policy-rc.d; fi
fi

# Stop any peer service a package started anyway (outside a container Debian may start them).
for svc in redis-server nginx mosquitto nats-server; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
    $SUDO systemctl stop "$svc" || true
    $SUDO systemctl disable "$svc" >/dev/null 2>&1 || true
  fi
done

# Debian's nodejs package has no npm (NodeSource's has): install Debian's npm only when missing.
if ! command -v npm >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends npm
fi

# npm packages for the test clients (versions pinned in package.json / package-lock.json).
if [ ! -d node_modules ] || [ package.json -nt node_modules/.install-stamp ] ; then
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi
  touch node_modules/.install-stamp
fi
echo "install-deps: ok"
