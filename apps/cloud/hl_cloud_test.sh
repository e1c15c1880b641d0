#!/usr/bin/env bash
# hl-cloud end to end (ctest apps.hl_cloud): the compute server, the owner and the analyst as
# separate processes on loopback. Every grouping column of the real data decrypts to the clear
# computation (hl-cloud clear); a request without a token, another tenant, an oversized or
# malformed upload, a secret key, a job whose client went away, and a bounded load of
# concurrent queries.
# Usage: hl_cloud_test.sh HL_CLOUD WAGES_DIR WORK_DIR
set -uo pipefail
bin=$(realpath "$1") wages=$(realpath "$2") work=$3
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
fail() { echo "FAIL: $*"; exit 1; }
pids=()
trap 'kill "${pids[@]}" 2>/dev/null' EXIT
start_server() {  # start_server LOG [options]: sets port
  local log=$1; shift
  "$bin" server --tenants tenants "$@" >"$log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do grep -q listening "$log" && break; sleep 0.1; done
  port=$(grep -o '[0-9]*$' "$log") || fail "the server did not start: $(cat "$log")"
}
raw() {  # raw METHOD PATH TOKEN [BODY-FILE] -> status code, body in raw.body
  local len=0
  [ -n "${4:-}" ] && len=$(stat -c %s "$4")
  exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
  printf '%s %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/octet-stream\r\nContent-Length: %s\r\nConnection: close\r\n\r\n' \
    "$1" "$2" "$3" "$len" >&3
  [ -n "${4:-}" ] && cat "$4" >&3
  cat <&3 >raw.out
  exec 3<&-
  sed '1,/^\r$/d' raw.out >raw.body
  head -1 raw.out | cut -d' ' -f2
}

"$bin" keygen --keys keys >/dev/null || fail "keygen"
[ "$(stat -c %a keys/secret.hl)" = 600 ] || fail "secret.hl is not private"
t1=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
t2=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf 'acme %s\nother %s\n' "$t1" "$t2" >tenants
echo "$t1" >token1
echo "$t2" >token2
start_server server.log --max-body 100000000
addr=127.0.0.1:$port

"$bin" owner --keys keys --wages --wages-dir "$wages" --server "$addr" --token-file token1 \
  --table wages >owner.txt 2>owner.err || fail "owner: $(cat owner.err)"
for col in occupation sector gender race union south married; do
  "$bin" query --keys keys --server "$addr" --token-file token1 --table wages --group-by "$col" \
    >"q-$col.txt" || fail "query $col"
  "$bin" clear --wages --wages-dir "$wages" --group-by "$col" >"c-$col.txt" || fail "clear $col"
  diff <(head -n -1 "q-$col.txt") "c-$col.txt" || fail "$col: encrypted result differs"
done
grep -q "^union *96 " <(cat q-union.txt) || grep -q "^yes *96 " q-union.txt || fail "union not flipped"

# Any CSV: one numeric column, categorical columns.
printf 'team,cost,site\nred,10.5,"Paris, FR"\nblue,3.25,Oslo\nred,-1,Oslo\n' >small.csv
"$bin" owner --keys keys --csv small.csv --value cost --categorical team,site --server "$addr" \
  --token-file token1 --table small >/dev/null 2>&1 || fail "owner csv"
"$bin" query --keys keys --server "$addr" --token-file token1 --table small --group-by site \
  | head -n -1 >q-small.txt || fail "query csv"
"$bin" clear --csv small.csv --value cost --categorical team,site --group-by site >c-small.txt
diff q-small.txt c-small.txt || fail "csv result differs"

# Tokens and tenants.
[ "$(raw GET /v1/tables nope)" = 401 ] || fail "no token accepted"
[ "$(raw GET /v1/tables "$t2")" = 200 ] && [ "$(cat raw.body)" = "[]" ] || fail "other tenant sees tables"
[ "$(raw GET /v1/tables/wages/seen "$t2")" = 404 ] || fail "other tenant reads a table"
"$bin" query --keys keys --server "$addr" --token-file token2 --table wages --group-by race \
  >/dev/null 2>err.txt && fail "other tenant queried"
grep -q 404 err.txt || fail "other tenant: $(cat err.txt)"

# Bad uploads leave the stored table as it was.
head -c 5000 /dev/urandom >garbage.bin
[ "$(raw PUT /v1/tables/wages "$t1" garbage.bin)" = 400 ] || fail "garbage upload"
[ "$(raw PUT /v1/tables/wages "$t1" keys/secret.hl)" = 400 ] || fail "secret key accepted"
grep -q "secret key" raw.body || fail "secret key message: $(cat raw.body)"
cat keys/context.hl keys/secret.hl >ctx-secret.bin
[ "$(raw PUT /v1/tables/wages "$t1" ctx-secret.bin)" = 400 ] || fail "secret key after context"
"$bin" query --keys keys --server "$addr" --token-file token1 --table wages --group-by race \
  | head -n -1 >q-race2.txt || fail "query after bad uploads"
diff q-race2.txt c-race.txt || fail "stored table changed by a bad upload"
start_server small.log --max-body 1000000
"$bin" owner --keys keys --wages --wages-dir "$wages" --server "127.0.0.1:$port" \
  --token-file token1 --table wages >/dev/null 2>err.txt && fail "oversized upload accepted"
grep -q 413 err.txt || fail "oversized: $(cat err.txt)"
port=${addr#*:}

# A job whose client went away: submitted, then polled by another connection.
printf '{"table":"wages","group_by":"sector"}' >job.json
[ "$(raw POST /v1/jobs "$t1" job.json)" = 202 ] || fail "job submission"
job=$(grep -o '"job":"[0-9a-f]*"' raw.body | cut -d'"' -f4)
for _ in $(seq 300); do
  raw GET "/v1/jobs/$job" "$t1" >/dev/null
  grep -q '"status":"done"' raw.body && break
  sleep 0.1
done
grep -q '"status":"done"' raw.body || fail "the job did not finish: $(cat raw.body)"
[ "$(raw GET "/v1/jobs/$job/result" "$t2")" = 404 ] || fail "other tenant reads a job"

# A bounded load: 6 concurrent analysts, every job completes with the right result.
for i in 1 2 3 4 5 6; do
  "$bin" query --keys keys --server "$addr" --token-file token1 --table wages \
    --group-by occupation >"load-$i.txt" 2>&1 &
  load[$i]=$!
done
for i in 1 2 3 4 5 6; do
  wait "${load[$i]}" || fail "concurrent query $i: $(cat "load-$i.txt")"
  diff <(head -n -1 "load-$i.txt") c-occupation.txt || fail "concurrent query $i result"
done
echo "hl-cloud: all checks passed"
