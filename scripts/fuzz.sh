#!/usr/bin/env bash
# Builds the libFuzzer targets of the serialization readers with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer (in build-fuzz/, or HL_FUZZ_BUILD_DIR), writes the seed corpus of
# valid objects, and runs every target for HL_FUZZ_SECONDS (default 30) seconds. Fails if a
# target finds a crash, a sanitizer error, a timeout (10 s per input) or an allocation beyond
# 2 GiB. Called by scripts/test.sh (CI); HL_SKIP_FUZZ=1 skips it there.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${HL_FUZZ_BUILD_DIR:-$root/build-fuzz}
seconds=${HL_FUZZ_SECONDS:-30}
jobs=${HL_JOBS:-$(nproc)}
CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHL_FUZZ=ON \
  -DHL_BUILD_TESTS=OFF -DHL_BUILD_BENCHMARKS=OFF -DHL_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" -j "$jobs" --target make_corpus fuzz_context fuzz_plaintext \
  fuzz_ciphertext fuzz_public_key fuzz_keyswitch_key fuzz_evaluation_keys fuzz_secret_key >/dev/null
corpus="$build/corpus"
rm -rf "$corpus"
"$build/fuzz/make_corpus" "$corpus"
for reader in context plaintext ciphertext public_key keyswitch_key evaluation_keys secret_key; do
  work="$build/run-$reader"
  rm -rf "$work" && mkdir -p "$work"
  cp "$corpus/$reader"/* "$work/"
  echo "fuzz: $reader for $seconds s"
  (cd "$build" && OMP_NUM_THREADS=1 "$build/fuzz/fuzz_$reader" "$work" -max_total_time="$seconds" \
      -timeout=10 -rss_limit_mb=2048 -max_len=1048576 -print_final_stats=1 2>"$build/fuzz-$reader.log") \
    || { tail -n 40 "$build/fuzz-$reader.log"; echo "fuzz: $reader FAILED"; exit 1; }
  grep -E "stat::number_of_executed_units" "$build/fuzz-$reader.log" | sed "s/^/  /" || true
done
echo "fuzz: every reader ran clean"
