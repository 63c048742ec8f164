#!/usr/bin/env bash
# README command 2 (and .ci/run): install everything, build, check the module layering and the
# formatting, and run the default test suite (every ctest label except `slow`).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
scripts/check-includes.sh
scripts/check-format.sh
# Servers the tests start listen on loopback ports of their own; 2 cores, so 2 tests at a time.
ctest --test-dir build -LE slow -j "${HERALD_TEST_JOBS:-2}" --output-on-failure --timeout 300
