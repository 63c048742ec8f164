#!/usr/bin/env bash
# Configures and builds Herald into build/ (the binary is build/herald). Incremental, with ccache.
set -euo pipefail
cd "$(dirname "$0")/.."
# Clones in other directories (CI) reuse this machine's compile cache.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
BUILD_TYPE="${HERALD_BUILD_TYPE:-RelWithDebInfo}"
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE"
fi
# Two cores: more parallel jobs only thrash memory and the cache.
ninja -C build -j "${HERALD_JOBS:-$(nproc)}"
