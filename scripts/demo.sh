#!/usr/bin/env bash
# Sets up and builds the project, then runs the library's demo.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/setup.sh" >/dev/null
build=${HL_BUILD_DIR:-$root/build}
"$build/examples/ring_demo" "$@"
