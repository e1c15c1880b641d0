#!/usr/bin/env bash
# Sets up and builds the project, then runs the whole test suite, then the bounded fuzz run of
# the serialization readers (scripts/fuzz.sh; HL_SKIP_FUZZ=1 skips it).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/setup.sh"
build=${HL_BUILD_DIR:-$root/build}
cd "$build"
ctest --output-on-failure -j "${HL_JOBS:-$(nproc)}" "$@"
if [ "${HL_SKIP_FUZZ:-0}" != 1 ]; then
  HL_FUZZ_BUILD_DIR=${HL_FUZZ_BUILD_DIR:-$build-fuzz} "$root/scripts/fuzz.sh"
fi
