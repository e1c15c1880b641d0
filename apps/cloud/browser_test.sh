#!/usr/bin/env bash
# The web page end to end (ctest apps.hl_cloud_browser): the compute server, the owner's upload
# and the analyst's page as processes, then headless Chromium (Debian's chromium) driven by
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
trap 'kill "${pids[@]}" 2>/dev/null' EXIT
wait_port() {  # wait_port LOG -> the port printed
  for _ in $(seq 200); do grep -q "127.0.0.1:" "$1" && break; sleep 0.1; done
  grep -o '127.0.0.1:[0-9]*' "$1" | head -1 | cut -d: -f2
}

"$bin" keygen --keys keys >/dev/null || fail "keygen"
token=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
echo "acme $token" >tenants
echo "$token" >token
"$bin" server --tenants tenants >server.log 2>&1 &
pids+=($!)
port=$(wait_port server.log) || fail "server"
"$bin" owner --keys keys --wages --wages-dir "$wages" --server "127.0.0.1:$port" \
  --token-file token >/dev/null 2>&1 || fail "owner"
"$bin" analyst --keys keys --server "127.0.0.1:$port" --token-file token >analyst.log 2>&1 &
pids+=($!)
web=$(wait_port analyst.log) || fail "analyst"
for col in occupation union; do
  "$bin" clear --wages --wages-dir "$wages" --group-by "$col" --json >"expected-$col.json" ||
    fail "clear"
  HL_NODE_MODULES=$modules node "$here/browser_test.js" "http://127.0.0.1:$web/" \
    "expected-$col.json" "$work/page-$col.png" || fail "browser ($col)"
  [ -s "page-$col.png" ] || fail "no screenshot"
done
echo "hl-cloud browser: all checks passed"
