#!/usr/bin/env bash
# Sets up and builds the project, then runs the whole test suite.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/setup.sh"
build=${HL_BUILD_DIR:-$root/build}
cd "$build"
ctest --output-on-failure -j "${HL_JOBS:-$(nproc)}" "$@"
