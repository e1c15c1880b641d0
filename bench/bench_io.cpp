// Serialization at the aes-128 preset (m = 53261, phi 46080, 33 ciphertext primes, 4 special,
// 6 digits): time to write and read a ciphertext and a key-switching key into memory, with the
// uniform parts as seeds or in full, with and without zstd. The counter `bytes` is the record's
// size (doc/format.md has the table).
//
//   OMP_NUM_THREADS=1 build/bench/bench_io
#include <benchmark/benchmark.h>

#include <memory>
#include <sstream>
#include <string>

#include "helib-like/helib-like.h"

namespace {

using hl::io::Compression;
using hl::io::UniformParts;

struct Setting {
  std::shared_ptr<const hl::Context> ctx;
  std::unique_ptr<hl::SecretKey> sk;
  std::unique_ptr<hl::Ciphertext> ct;
  std::unique_ptr<hl::KeySwitchKey> key;
};

Setting& aes128() {
  static std::unique_ptr<Setting> s;
  if (!s) {
    s = std::make_unique<Setting>();
    s->ctx = hl::Context::create(hl::aesPreset("aes-128").params);
    s->sk = std::make_unique<hl::SecretKey>(s->ctx);
    const hl::Plaintext zero(s->ctx);
    s->ct = std::make_unique<hl::Ciphertext>(s->sk->encrypt(zero));
    s->key = std::make_unique<hl::KeySwitchKey>(s->sk->automorphismKey(3));
  }
  return *s;
}

template <class Save>
void writeAndRead(benchmark::State& state, Save save, bool ciphertext) {
  Setting& s = aes128();
  std::string bytes;
  for (auto _ : state) {
    std::ostringstream out;
    save(out);
    bytes = out.str();
    std::istringstream in(bytes);
    if (ciphertext) {
      benchmark::DoNotOptimize(hl::io::loadCiphertext(in, s.ctx));
    } else {
      benchmark::DoNotOptimize(hl::io::loadKeySwitchKey(in, s.ctx));
    }
  }
  state.counters["bytes"] = static_cast<double>(bytes.size());
}

void Ciphertext(benchmark::State& state) {
  const auto c = static_cast<Compression>(state.range(0));
  writeAndRead(state, [&](std::ostream& o) { hl::io::save(o, *aes128().ct, c); }, true);
}
void KeySwitchKey(benchmark::State& state) {
  const auto u = static_cast<UniformParts>(state.range(0));
  const auto c = static_cast<Compression>(state.range(1));
  writeAndRead(state, [&](std::ostream& o) { hl::io::save(o, *aes128().key, u, c); }, false);
}

// Arguments: compression (0 none, 1 zstd); for keys first the uniform parts (0 seed, 1 full).
BENCHMARK(Ciphertext)->Name("SaveLoadCiphertext/aes128")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(KeySwitchKey)
    ->Name("SaveLoadKeySwitchKey/aes128")
    ->Args({0, 0})
    ->Args({1, 0})
    ->Args({0, 1})
    ->Args({1, 1})
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
