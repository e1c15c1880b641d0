#!/usr/bin/env bash
# hl-spam end to end on a sample of the corpus (ctest apps.hl_spam): train, keys, encrypt,
# score without the secret key, decrypt, against the clear integer model (hl-spam classify);
# bad mail, forged models, secret keys offered to the server; and the HTTP service driven by a
# real client process (hl-spam remote), with a wrong token, malformed and oversized requests.
# Usage: hl_spam_test.sh HL_SPAM CORPUS_DIR WORK_DIR
set -uo pipefail
bin=$(realpath "$1") corpus=$(realpath "$2") work=$3
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
fail() { echo "FAIL: $*"; exit 1; }
expect_fail() {  # expect_fail "message part" command...
  local want=$1; shift
  "$@" >out.txt 2>err.txt && fail "$* succeeded"
  grep -q -- "$want" err.txt || fail "$*: expected '$want', got: $(cat err.txt)"
}

"$bin" train --corpus "$corpus" --per-group 30 --C 4 --model model.json >train.txt || fail "train"
grep -q "quantized model, held out" train.txt || fail "train output"
"$bin" keygen --keys keys >/dev/null || fail "keygen"
[ "$(stat -c %a keys/secret.hl)" = 600 ] || fail "secret.hl is not private"

mails=()
for g in spam-1 spam-2 easy-ham-1 hard-ham-1; do
  mails+=("$(ls "$corpus/$g"/*.txt | sed -n 40p)" "$(ls "$corpus/$g"/*.txt | sed -n 41p)")
done
: >empty.eml
printf 'no header here\njust text\n' >plain.txt
"$bin" classify --model model.json "${mails[@]}" >clear.txt || fail "classify"

# The client: two bad inputs are reported and skipped, the rest encrypted.
"$bin" encrypt --keys keys --out query.bin "${mails[@]}" empty.eml plain.txt >enc.txt 2>enc.err
[ $? -eq 1 ] || fail "encrypt should exit 1 with bad mail"
grep -q "empty.eml: empty message" enc.err || fail "empty mail message: $(cat enc.err)"
grep -q "plain.txt: not an e-mail message" enc.err || fail "headerless mail message"
grep -q "8 message(s) encrypted" enc.txt || fail "encrypt count: $(cat enc.txt)"

# The server refuses secret keys wherever they are offered.
expect_fail "secret key" "$bin" score --model model.json --context keys/context.hl \
  --eval-keys keys/secret.hl --in query.bin --out reply.bin
expect_fail "secret key" "$bin" score --model model.json --context keys/secret.hl \
  --eval-keys keys/eval.hl --in query.bin --out reply.bin
"$bin" score --model model.json --context keys/context.hl --eval-keys keys/eval.hl \
  --in query.bin --out reply.bin >score.txt || fail "score"
"$bin" decrypt --keys keys --in reply.bin >verdicts.txt || fail "decrypt"
diff clear.txt verdicts.txt || fail "encrypted scores differ from the clear model"

# Forged or broken inputs.
sed 's/"quantized":{"bias":[-0-9]*/"quantized":{"bias":999999/' model.json >forged.json
expect_fail "bias" "$bin" score --model forged.json --context keys/context.hl \
  --eval-keys keys/eval.hl --in query.bin --out reply.bin
head -c 1000 model.json >cut.json
expect_fail "not valid JSON" "$bin" classify --model cut.json "${mails[0]}"
head -c 300000 query.bin >cut.bin
expect_fail "truncated" "$bin" score --model model.json --context keys/context.hl \
  --eval-keys keys/eval.hl --in cut.bin --out reply.bin
"$bin" keygen --keys other >/dev/null || fail "keygen other"
expect_fail "another secret key" "$bin" score --model model.json --context keys/context.hl \
  --eval-keys other/eval.hl --in query.bin --out reply.bin

# The service on loopback.
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >token
echo "wrong-token-0123456789" >badtoken
"$bin" serve --model model.json --token-file token --max-body 40000000 >serve.txt 2>serve.err &
server=$!
trap 'kill $server 2>/dev/null' EXIT
for _ in $(seq 50); do grep -q listening serve.txt && break; sleep 0.1; done
port=$(grep -o '[0-9]*$' serve.txt) || fail "the service did not start: $(cat serve.err)"
raw() {  # raw METHOD PATH TOKEN BODY -> the status line's code
  exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
  printf '%s %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/octet-stream\r\nContent-Length: %s\r\nConnection: close\r\n\r\n%s' \
    "$1" "$2" "$3" "${#4}" "$4" >&3
  head -1 <&3 | cut -d' ' -f2
  exec 3<&-
}
[ "$(raw GET /v1/health "$(cat token)" "")" = 200 ] || fail "health"
[ "$(raw GET /v1/health nope "")" = 401 ] || fail "no token accepted"
[ "$(raw POST /v1/keys "$(cat token)" garbage)" = 400 ] || fail "malformed keys accepted"
[ "$(raw POST '/v1/score?keys=none' "$(cat token)" garbage)" = 404 ] || fail "unknown keys"
"$bin" remote --keys keys --server "127.0.0.1:$port" --token-file token "${mails[@]}" \
  >remote.txt || fail "remote: $(cat serve.err)"
diff clear.txt remote.txt || fail "the service's scores differ from the clear model"
expect_fail "401" "$bin" remote --keys keys --server "127.0.0.1:$port" --token-file badtoken \
  "${mails[0]}"
# Too large: a limit below the keys' size refuses them (413), and the service goes on.
"$bin" serve --model model.json --token-file token --max-body 100000 >small.txt 2>&1 &
small=$!
trap 'kill $server $small 2>/dev/null' EXIT
for _ in $(seq 50); do grep -q listening small.txt && break; sleep 0.1; done
sport=$(grep -o '[0-9]*$' small.txt)
expect_fail "413" "$bin" remote --keys keys --server "127.0.0.1:$sport" --token-file token \
  "${mails[0]}"
# A second client with its own keys while the first is served.
"$bin" remote --keys other --server "127.0.0.1:$port" --token-file token "${mails[@]}" \
  >remote2.txt || fail "second client"
diff clear.txt remote2.txt || fail "second client's scores"
# Queries under one key scored with another user's keys: refused (400), nothing else harmed.
other_id=$(cat other/context.hl other/eval.hl | sha256sum | cut -c1-32)
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'POST /v1/score?keys=%s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/octet-stream\r\nContent-Length: %s\r\nConnection: close\r\n\r\n' \
  "$other_id" "$(cat token)" "$(stat -c %s query.bin)" >&3
cat query.bin >&3
status=$(head -1 <&3 | cut -d' ' -f2)
exec 3<&-
[ "$status" = 400 ] || fail "queries under another key: status $status"
"$bin" remote --keys keys --server "127.0.0.1:$port" --token-file token "${mails[0]}" \
  >remote3.txt || fail "after a refused request"
[ "$(raw GET /v1/health "$(cat token)" "")" = 200 ] || fail "the service stopped serving"
echo "hl-spam: all checks passed"
