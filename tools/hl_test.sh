#!/usr/bin/env bash
# End-to-end test of the hl tool: keygen into a directory, encrypt values given as text and as
# JSON, decrypt them back (equal to the input mod p), info on each file, the errors (one line
# on stderr, non-zero exit) for bad values, a missing file, a corrupted ciphertext and a
# ciphertext of another context, and params with a small search.
#   tools/hl_test.sh path/to/hl scratch-dir
set -u
hl=$1
work=$2
rm -rf "$work"
mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }

"$hl" keygen --m 2048 --p 257 --bits 200 --allow-insecure --dir "$work/keys" >"$work/keygen.out" 2>"$work/keygen.err" \
  || fail "keygen: $(cat "$work/keygen.err")"
grep -q "SECRET key" "$work/keygen.err" || fail "keygen did not warn about the secret key"
for f in context.hl public.hl eval.hl secret.hl; do [ -s "$work/keys/$f" ] || fail "no $f"; done

echo "1 2 3, 256 257 -1" >"$work/values.txt"
"$hl" encrypt --dir "$work/keys" --in "$work/values.txt" --out "$work/a.ct" || fail "encrypt (text)"
got=$("$hl" decrypt --dir "$work/keys" --in "$work/a.ct" --count 6) || fail "decrypt"
[ "$got" = "1 2 3 256 0 256" ] || fail "decrypt gave '$got', expected '1 2 3 256 0 256' (mod 257)"

echo "[5, 6, 7]" | "$hl" encrypt --dir "$work/keys" --out "$work/b.ct" || fail "encrypt (JSON, stdin)"
got=$("$hl" decrypt --dir "$work/keys" --in "$work/b.ct" --count 4 --json) || fail "decrypt --json"
[ "$got" = "[5,6,7,0]" ] || fail "decrypt --json gave '$got'"

"$hl" info "$work/a.ct" --dir "$work/keys" >"$work/info.out" || fail "info"
grep -q "a ciphertext" "$work/info.out" || fail "info did not name the ciphertext"
grep -q "capacity" "$work/info.out" || fail "info did not give the capacity"
"$hl" info "$work/keys/context.hl" | grep -q "m = 2048" || fail "info on the context"
"$hl" info "$work/keys/secret.hl" | grep -q "secret key" || fail "info on the secret key"

# Errors: one line on stderr and a non-zero exit code.
expect_error() {
  local what=$1; shift
  "$@" >"$work/err.out" 2>"$work/err.txt" && fail "$what: no error"
  [ "$(wc -l <"$work/err.txt")" -eq 1 ] || fail "$what: stderr is not one line: $(cat "$work/err.txt")"
  grep -q "^hl: " "$work/err.txt" || fail "$what: stderr does not start with 'hl: '"
}
echo "1 two 3" >"$work/bad.txt"
expect_error "bad value" "$hl" encrypt --dir "$work/keys" --in "$work/bad.txt" --out "$work/c.ct"
expect_error "missing file" "$hl" decrypt --dir "$work/keys" --in "$work/nothing.ct"
cp "$work/a.ct" "$work/corrupt.ct"
printf 'X' | dd of="$work/corrupt.ct" bs=1 seek=100 conv=notrunc 2>/dev/null
expect_error "corrupted ciphertext" "$hl" decrypt --dir "$work/keys" --in "$work/corrupt.ct"
"$hl" keygen --m 2048 --p 257 --bits 150 --allow-insecure --dir "$work/other" >/dev/null 2>&1 || fail "second keygen"
expect_error "other context" "$hl" decrypt --dir "$work/other" --in "$work/a.ct"
expect_error "insecure without the flag" "$hl" keygen --m 2048 --p 257 --bits 200 --dir "$work/x"
"$hl" frobnicate >/dev/null 2>"$work/err.txt"; [ $? -eq 2 ] || fail "an unknown command did not exit 2"
[ "$(wc -l <"$work/err.txt")" -eq 1 ] || fail "unknown command: stderr is not one line"
"$hl" keygen --m 2048 >/dev/null 2>"$work/err.txt"; [ $? -eq 2 ] || fail "a missing option did not exit 2"
[ "$(wc -l <"$work/err.txt")" -eq 1 ] || fail "missing option: stderr is not one line: $(cat "$work/err.txt")"
"$hl" keygen --help | grep -q -- "--bits" || fail "keygen --help"

# params: a small search (bytes in slots, depth 3), with one measured candidate.
"$hl" params --p 2 --depth 3 --min-slots 64 --degree-multiple 8 --max-m 9000 --count 3 --measure 1 \
  >"$work/params.out" || fail "params"
grep -q "multiply+relin" "$work/params.out" || fail "params printed no table"
grep -q " ms" "$work/params.out" || fail "params measured nothing"
"$hl" params --p 2 --depth 3 --min-slots 64 --degree-multiple 8 --max-m 9000 --count 3 --measure 0 --json \
  >"$work/params.json" || fail "params --json"
n=$(grep -c '"security_bits"' "$work/params.json")
[ "$n" -ge 1 ] && [ "$n" -le 3 ] || fail "params --json listed $n candidates"
# Every candidate: d a multiple of 8, at least 64 slots, phi = d * slots, at least 128 bits.
paste -d' ' <(grep '"d":' "$work/params.json" | tr -dc '0-9\n') \
            <(grep '"slots":' "$work/params.json" | tr -dc '0-9\n') \
            <(grep '"phi":' "$work/params.json" | tr -dc '0-9\n') \
            <(grep '"security_bits":' "$work/params.json" | sed 's/[^0-9.]//g; s/\..*//') |
  while read -r d slots phi sec; do
    [ $((d % 8)) -eq 0 ] && [ "$slots" -ge 64 ] && [ $((d * slots)) -eq "$phi" ] && [ "$sec" -ge 128 ] \
      || { echo "FAIL: params candidate d=$d slots=$slots phi=$phi security=$sec"; exit 1; }
  done || exit 1
echo "hl tool: all checks passed"
