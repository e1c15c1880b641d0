#!/usr/bin/env bash
# Installs the Debian packages the project needs (when missing), then configures and builds it
# in build/ (Release). Sourced by demo.sh and test.sh; can also be run on its own.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
packages=(build-essential cmake libntl-dev libgmp-dev libssl-dev libgtest-dev
          libbenchmark-dev libcli11-dev nlohmann-json3-dev libzstd-dev
          clang libclang-rt-dev libomp-dev)  # the last three: the fuzz targets (scripts/fuzz.sh)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
    echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
build=${HL_BUILD_DIR:-$root/build}
jobs=${HL_JOBS:-$(nproc)}
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j "$jobs"
