// Math-layer benchmarks. Pairs that scripts compare within one run:
//   NttForward/<log2 n>    our forward negacyclic NTT on a 50-bit prime
//   NtlFftForward/<log2 n> NTL's FFTFwd at the same length on its first FFT prime
#include <NTL/FFT.h>
#include <NTL/lzz_p.h>
#include <benchmark/benchmark.h>

#include <chrono>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "helib-like/math/cyclotomic_dft.h"
#include "helib-like/math/ntt.h"
#include "helib-like/math/powerful_dft.h"
#include "helib-like/math/primes.h"
#include "helib-like/ring/double_crt.h"
#include "math/number_theory.h"
#include "math/rns_kernels.h"

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
  static auto chain = hl::ModulusChain::generate(std::make_shared<hl::Cyclotomic>(53261), 3, 50);
  return chain;
}

// Coefficient -> evaluation conversion of a DoubleCRT, per prime: DoubleCRT::fromCoefficients of
// small signed coefficients (what encryption and key generation convert) over the chain's three
// primes, the time divided by three. For m = 53261 the chain works in the powerful basis, so
// this is one integer change of basis (shared by the primes) and one PowerfulDft per prime;
// Bluestein's transform alone is BluesteinForward/m53261.
void DoubleCrtToEval(benchmark::State& state) {
  auto chain = chain53261();
  std::mt19937_64 rng(2);
  std::vector<int64_t> coeffs(chain->ring().phi());
  for (auto& x : coeffs) x = static_cast<int64_t>(rng() % (1u << 21)) - (1 << 20);
  const auto primes = chain->allPrimes();
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    auto d = hl::DoubleCRT::fromCoefficients(chain, primes, coeffs);
    benchmark::DoNotOptimize(d.values(0).data());
    const std::chrono::duration<double> t = std::chrono::steady_clock::now() - start;
    state.SetIterationTime(t.count() / static_cast<double>(primes.size()));
  }
  state.SetLabel("per prime (DoubleCRT::fromCoefficients over 3 primes / 3)");
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
BENCHMARK(DoubleCrtToEval)
    ->Name("DoubleCrtToEval/m53261")
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(DoubleCrtToCoeff)->Name("DoubleCrtToCoeff/m53261")->Unit(benchmark::kMicrosecond);
BENCHMARK(DoubleCrtMul)->Name("DoubleCrtMul/m53261")->Unit(benchmark::kMicrosecond);

}  // namespace

// RNS kernels (src/math/rns_kernels.h) on rows of n = 32768 values modulo a 50-bit prime, one
// benchmark per SIMD level so that the speed-ups read off one run:
//   RnsMulMod/<level>       out = a * b mod q
//   RnsBaseConvert/<level>  fast base conversion from k = 4 primes (digits below 2^50)
//   RnsDotProduct/<level>   key-switching inner product of 4 terms
// The time/elem counter is the time per output value (in seconds in JSON output). A level this CPU
// cannot run is reported as an error and skipped.
namespace {

constexpr size_t kRnsN = 32768;
constexpr size_t kRnsTerms = 4;

bool rnsLevelRuns(benchmark::State& state, const hl::Modulus& mod, hl::SimdLevel level) {
  if (hl::detail::rnsKernelLevel(mod, level) == level) return true;
  state.SkipWithError("SIMD level not available on this CPU or build");
  return false;
}

void setRnsCounters(benchmark::State& state, hl::SimdLevel level) {
  state.counters["time/elem"] =
      benchmark::Counter(static_cast<double>(kRnsN), benchmark::Counter::kIsIterationInvariantRate |
                                                         benchmark::Counter::kInvert);
  state.SetLabel(std::string(hl::toString(level)));
}

hl::detail::AlignedVector<uint64_t> rnsRow(uint64_t bound, std::mt19937_64& rng) {
  hl::detail::AlignedVector<uint64_t> v(kRnsN);
  for (auto& x : v) x = rng() % bound;
  return v;
}

void RnsMulMod(benchmark::State& state, hl::SimdLevel level) {
  const hl::Modulus mod(benchPrime());
  if (!rnsLevelRuns(state, mod, level)) return;
  std::mt19937_64 rng(5);
  const auto a = rnsRow(mod.value(), rng), b = rnsRow(mod.value(), rng);
  hl::detail::AlignedVector<uint64_t> out(kRnsN);
  for (auto _ : state) {
    hl::detail::mulMod(mod, a.data(), b.data(), out.data(), kRnsN, level);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  setRnsCounters(state, level);
}

void RnsBaseConvert(benchmark::State& state, hl::SimdLevel level) {
  const hl::Modulus mod(benchPrime());
  if (!rnsLevelRuns(state, mod, level)) return;
  std::mt19937_64 rng(6);
  std::vector<hl::detail::AlignedVector<uint64_t>> u;
  std::vector<const uint64_t*> rows;
  for (size_t i = 0; i < kRnsTerms; ++i) u.push_back(rnsRow(uint64_t{1} << 50, rng));
  for (const auto& r : u) rows.push_back(r.data());
  std::vector<uint64_t> hat(kRnsTerms), corr(kRnsTerms + 1);
  for (auto& h : hat) h = rng() % mod.value();
  for (auto& c : corr) c = rng() % mod.value();
  std::vector<uint8_t> neg(kRnsN);
  for (auto& c : neg) c = static_cast<uint8_t>(rng() % (kRnsTerms + 1));
  hl::detail::AlignedVector<uint64_t> out(kRnsN);
  for (auto _ : state) {
    hl::detail::baseConvert(mod, rows.data(), hat.data(), kRnsTerms, neg.data(), corr.data(),
                            corr.size(), out.data(), kRnsN, level);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  setRnsCounters(state, level);
}

void RnsDotProduct(benchmark::State& state, hl::SimdLevel level) {
  const hl::Modulus mod(benchPrime());
  if (!rnsLevelRuns(state, mod, level)) return;
  std::mt19937_64 rng(7);
  std::vector<hl::detail::AlignedVector<uint64_t>> x, y;
  std::vector<const uint64_t*> px, py;
  for (size_t t = 0; t < kRnsTerms; ++t) {
    x.push_back(rnsRow(mod.value(), rng));
    y.push_back(rnsRow(mod.value(), rng));
  }
  for (size_t t = 0; t < kRnsTerms; ++t) {
    px.push_back(x[t].data());
    py.push_back(y[t].data());
  }
  hl::detail::AlignedVector<uint64_t> out(kRnsN);
  for (auto _ : state) {
    hl::detail::dotProductMod(mod, px.data(), py.data(), kRnsTerms, out.data(), kRnsN, level);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  setRnsCounters(state, level);
}

BENCHMARK_CAPTURE(RnsMulMod, scalar, hl::SimdLevel::kScalar)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(RnsMulMod, avx2, hl::SimdLevel::kAvx2)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(RnsMulMod, avx512ifma, hl::SimdLevel::kAvx512Ifma)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(RnsBaseConvert, scalar, hl::SimdLevel::kScalar)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(RnsBaseConvert, avx2, hl::SimdLevel::kAvx2)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(RnsBaseConvert, avx512ifma, hl::SimdLevel::kAvx512Ifma)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(RnsDotProduct, scalar, hl::SimdLevel::kScalar)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(RnsDotProduct, avx2, hl::SimdLevel::kAvx2)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(RnsDotProduct, avx512ifma, hl::SimdLevel::kAvx512Ifma)
    ->Unit(benchmark::kMicrosecond);

// The powerful-basis transform of the reference ring (one prime, the chain's first, with the
// same zeta as DoubleCrtToEval): compare with DoubleCrtToEval/m53261 and NttForward/17. With
// bits = 30, a 30-bit prime as in the aes-128 chain (whose SIMD kernels leave out the
// reductions that only bound values: PowerfulDft's lazy mode).
void powerfulDftBench(benchmark::State& state, bool forward, hl::SimdLevel level, int bits = 0) {
  auto chain = chain53261();
  hl::Modulus mod = chain->dft(0).modulus();
  uint64_t zeta = chain->dft(0).zeta();
  if (bits != 0) {  // as the chain builds a prime that only the powerful transform accepts
    mod = hl::Modulus(hl::generatePrimes(bits, 1, hl::PowerfulDft::divisor(53261))[0]);
    zeta = hl::detail::primitiveRoot(mod, 53261);
  }
  hl::PowerfulDft pdft(53261, mod, zeta, level);
  std::mt19937_64 rng(5);
  hl::detail::AlignedVector<uint64_t> in(pdft.size()), out(pdft.size());
  for (auto& x : in) x = rng() % mod.value();
  for (auto _ : state) {
    if (forward) {
      pdft.forward(in.data(), out.data());
    } else {
      pdft.inverse(in.data(), out.data());
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetLabel("per prime, " + std::to_string(mod.bits()) + "-bit, " +
                 std::string(hl::toString(pdft.level())));
}

BENCHMARK_CAPTURE(powerfulDftBench, fwd, true, hl::bestSimdLevel())
    ->Name("PowerfulDftForward/m53261")
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(powerfulDftBench, inv, false, hl::bestSimdLevel())
    ->Name("PowerfulDftInverse/m53261")
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(powerfulDftBench, fwd30, true, hl::bestSimdLevel(), 30)
    ->Name("PowerfulDftForward/m53261/q30")
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(powerfulDftBench, inv30, false, hl::bestSimdLevel(), 30)
    ->Name("PowerfulDftInverse/m53261/q30")
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(powerfulDftBench, fwdScalar, true, hl::SimdLevel::kScalar)
    ->Name("PowerfulDftForward/m53261/scalar")
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(powerfulDftBench, invScalar, false, hl::SimdLevel::kScalar)
    ->Name("PowerfulDftInverse/m53261/scalar")
    ->Unit(benchmark::kMicrosecond);

// Which transform serves which ring (PowerfulDft::recommended, the ring layer's choice of
// working basis): Bluestein (CyclotomicDft) and the powerful-basis transform on one prime, per
// m, both directions. Names: Bluestein{Forward,Inverse}/m<m>, PowerfulDft{Forward,Inverse}/m<m>
// (the powerful transform for m = 53261 is registered above).
void transformPair(benchmark::State& state, uint64_t m, bool powerful, bool forward) {
  const uint64_t q = hl::generatePrimes(50, 1, hl::cyclotomicDftDivisor(m))[0];
  const hl::Modulus mod(q);
  hl::CyclotomicDft bluestein(m, mod);
  hl::PowerfulDft pdft(m, mod, bluestein.zeta());
  std::mt19937_64 rng(m);
  hl::detail::AlignedVector<uint64_t> in(pdft.size()), out(pdft.size());
  for (auto& x : in) x = rng() % q;
  for (auto _ : state) {
    if (powerful) {
      forward ? pdft.forward(in.data(), out.data()) : pdft.inverse(in.data(), out.data());
    } else {
      forward ? bluestein.forward(in.data(), out.data()) : bluestein.inverse(in.data(), out.data());
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetLabel(std::string("per prime, recommended: ") +
                 (hl::PowerfulDft::recommended(m) ? "powerful" : "Bluestein"));
}

const int kTransformPairs = [] {
  for (uint64_t m : {4369ull, 21845ull, 8071ull, 8191ull, 3093ull, 16382ull, 53261ull}) {
    for (bool powerful : {false, true}) {
      if (m == 53261 && powerful) continue;  // PowerfulDft{Forward,Inverse}/m53261 above
      for (bool forward : {true, false}) {
        const std::string name = std::string(powerful ? "PowerfulDft" : "Bluestein") +
                                 (forward ? "Forward" : "Inverse") + "/m" + std::to_string(m);
        benchmark::RegisterBenchmark(name.c_str(), transformPair, m, powerful, forward)
            ->Unit(benchmark::kMicrosecond);
      }
    }
  }
  return 0;
}();

}  // namespace

BENCHMARK_MAIN();
