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
#include "helib-like/ring/double_crt.h"

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
  hl::detail::AlignedVector<uint64_t> a(n);
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
  hl::detail::AlignedVector<uint64_t> a(n);
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

// The reference ring m = 53261 (phi = 46080, Bluestein at length 2^17) with 3 primes.
std::shared_ptr<const hl::ModulusChain> chain53261() {
  static auto chain =
      hl::ModulusChain::generate(std::make_shared<hl::Cyclotomic>(53261), 3, 50);
  return chain;
}

// Coefficient -> evaluation conversion of one prime's row (what a DoubleCRT does per prime).
void DoubleCrtToEval(benchmark::State& state) {
  auto chain = chain53261();
  const auto& dft = chain->dft(0);
  std::mt19937_64 rng(2);
  hl::detail::AlignedVector<uint64_t> coeffs(dft.size()), values(dft.size());
  for (auto& x : coeffs) x = rng() % dft.modulus().value();
  for (auto _ : state) {
    dft.forward(coeffs.data(), values.data());
    benchmark::DoNotOptimize(values.data());
    benchmark::ClobberMemory();
  }
  state.SetLabel("per prime");
}

void DoubleCrtToCoeff(benchmark::State& state) {
  auto chain = chain53261();
  const auto& dft = chain->dft(0);
  std::mt19937_64 rng(3);
  hl::detail::AlignedVector<uint64_t> coeffs(dft.size()), values(dft.size());
  for (auto& x : values) x = rng() % dft.modulus().value();
  for (auto _ : state) {
    dft.inverse(values.data(), coeffs.data());
    benchmark::DoNotOptimize(coeffs.data());
    benchmark::ClobberMemory();
  }
  state.SetLabel("per prime");
}

// Product of two DoubleCRTs over 3 primes.
void DoubleCrtMul(benchmark::State& state) {
  auto chain = chain53261();
  std::mt19937_64 rng(4);
  std::vector<int64_t> a(chain->ring().phi()), b(a.size());
  for (auto& x : a) x = static_cast<int64_t>(rng() % 1000) - 500;
  for (auto& x : b) x = static_cast<int64_t>(rng() % 1000) - 500;
  auto da = hl::DoubleCRT::fromCoefficients(chain, chain->allPrimes(), a);
  auto db = hl::DoubleCRT::fromCoefficients(chain, chain->allPrimes(), b);
  for (auto _ : state) {
    da *= db;
    benchmark::ClobberMemory();
  }
  state.SetLabel("3 primes");
}

BENCHMARK(NttForward)->DenseRange(12, 17)->Unit(benchmark::kMicrosecond);
BENCHMARK(NtlFftForward)->DenseRange(12, 17)->Unit(benchmark::kMicrosecond);
BENCHMARK(NttInverse)->DenseRange(12, 17)->Unit(benchmark::kMicrosecond);
BENCHMARK(DoubleCrtToEval)->Name("DoubleCrtToEval/m53261")->Unit(benchmark::kMicrosecond);
BENCHMARK(DoubleCrtToCoeff)->Name("DoubleCrtToCoeff/m53261")->Unit(benchmark::kMicrosecond);
BENCHMARK(DoubleCrtMul)->Name("DoubleCrtMul/m53261")->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
