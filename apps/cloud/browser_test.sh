#!/usr/bin/env bash
# The web page end to end (ctest apps.hl_cloud_browser): `hl-cloud demo` starts the compute
# server, the owner's upload and the analyst's page as processes, then headless Chromium (Debian's chromium) driven by
# playwright-core (npm, installed by scripts/setup.sh) runs a query and checks the numbers
# shown against the clear computation; the screenshot stays in WORK_DIR as the test's artifact.
# Usage: browser_test.sh HL_CLOUD WAGES_DIR NODE_MODULES WORK_DIR
set -uo pipefail
bin=$(realpath "$1") wages=$(realpath "$2") modules=$(realpath "$3") work=$4
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
fail() { echo "FAIL: $*"; exit 1; }
command -v node >/dev/null || fail "node is missing (scripts/setup.sh installs npm and node)"
[ -x /usr/bin/chromium ] || fail "chromium is missing (scripts/setup.sh installs it)"
[ -d "$modules/playwright-core" ] || fail "playwright-core is missing under $modules"
pids=()
trap 'kill -INT "${pids[@]}" 2>/dev/null; wait' EXIT

# hl-cloud demo starts the three roles and prints the page's URL.
HL_CLOUD_WAGES="$wages" "$bin" demo --work-dir "$work/demo" >demo.log 2>&1 &
pids+=($!)
for _ in $(seq 300); do grep -q "^open http" demo.log && break; sleep 0.1; done
web=$(grep -o '^open http://127.0.0.1:[0-9]*' demo.log | cut -d: -f3) || fail "demo: $(cat demo.log)"
for col in occupation union; do
  "$bin" clear --wages --wages-dir "$wages" --group-by "$col" --json >"expected-$col.json" ||
    fail "clear"
  HL_NODE_MODULES=$modules node "$here/browser_test.js" "http://127.0.0.1:$web/" \
    "expected-$col.json" "$work/page-$col.png" || fail "browser ($col)"
  [ -s "page-$col.png" ] || fail "no screenshot"
done
echo "hl-cloud browser: all checks passed"
