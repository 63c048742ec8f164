#!/usr/bin/env bash
# README command 1: install everything, build, and run `herald demo` on http://127.0.0.1:8080/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
exec build/herald demo "$@"
