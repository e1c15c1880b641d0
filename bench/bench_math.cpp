// Math-layer benchmarks. Pairs that scripts compare within one run:
//   NttForward/<log2 n>    our forward negacyclic NTT on a 50-bit prime
//   NtlFftForward/<log2 n> NTL's FFTFwd at the same length on its first FFT prime
#include <benchmark/benchmark.h>

#include <NTL/FFT.h>
#include <NTL/lzz_p.h>

#include <random>
#include <vector>

#include "helib-like/math/ntt.h"
#include "helib-like/math/primes.h"

namespace {

// A 50-bit prime that serves every length up to 2^17 (q = 1 mod 2^18).
uint64_t benchPrime() {
  static const uint64_t q = hl::generatePrimes(50, 1, 1ull << 18)[0];
  return q;
}

void NttForward(benchmark::State& state) {
  const int logn = static_cast<int>(state.range(0));
  const size_t n = size_t{1} << logn;
  hl::Modulus mod(benchPrime());
  hl::NttTables tables(n, mod);
  std::mt19937_64 rng(1);
  std::vector<uint64_t> a(n);
  for (auto& x : a) x = rng() % mod.value();
  for (auto _ : state) {
    tables.forward(a.data());
    benchmark::DoNotOptimize(a.data());
    benchmark::ClobberMemory();
  }
  state.SetLabel(std::string(hl::toString(tables.level())));
}

void NttInverse(benchmark::State& state) {
  const int logn = static_cast<int>(state.range(0));
  const size_t n = size_t{1} << logn;
  hl::Modulus mod(benchPrime());
  hl::NttTables tables(n, mod);
  std::mt19937_64 rng(1);
  std::vector<uint64_t> a(n);
  for (auto& x : a) x = rng() % mod.value();
  for (auto _ : state) {
    tables.inverse(a.data());
    benchmark::DoNotOptimize(a.data());
    benchmark::ClobberMemory();
  }
  state.SetLabel(std::string(hl::toString(tables.level())));
}

void NtlFftForward(benchmark::State& state) {
  const long k = static_cast<long>(state.range(0));
  const long n = 1L << k;
  NTL::zz_pPush push;
  NTL::zz_p::FFTInit(0);
  const long p = NTL::zz_p::modulus();
  std::mt19937_64 rng(1);
  std::vector<long> a(n);
  for (auto& x : a) x = static_cast<long>(rng() % static_cast<unsigned long>(p));
  for (auto _ : state) {
    NTL::FFTFwd(a.data(), a.data(), k, *NTL::FFTTables[0]);
    benchmark::DoNotOptimize(a.data());
    benchmark::ClobberMemory();
  }
  state.SetLabel("NTL prime " + std::to_string(NTL::NumBits(p)) + " bits");
}

BENCHMARK(NttForward)->DenseRange(12, 17)->Unit(benchmark::kMicrosecond);
BENCHMARK(NtlFftForward)->DenseRange(12, 17)->Unit(benchmark::kMicrosecond);
BENCHMARK(NttInverse)->DenseRange(12, 17)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
