#!/usr/bin/env bash
# Sets up and builds the project, then runs the demos: the ring layer, the slots worked example
# (every encrypted operation next to the plain model), and AES-128 on encrypted data in both
# directions on the `aes-128` preset (m = 53261, 120 blocks, 128-bit security; about 12 s on two
# cores and 1.6 GiB of memory), every block checked against OpenSSL.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/setup.sh" >/dev/null
build=${HL_BUILD_DIR:-$root/build}
"$build/examples/ring_demo" "$@"
echo
"$build/examples/slots_demo"
echo
"$build/bench/hl-aes-bench" --preset aes-128 --direction both
