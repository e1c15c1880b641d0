// A short demo of the ring layer: arithmetic in R = Z[X]/Phi_m(X) for m = 53261 (the ring of
// homomorphic AES, phi(m) = 46080), in double-CRT form over three 50-bit primes.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "helib-like/helib-like.h"

namespace {
double msSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

int main(int argc, char** argv) {
  const uint64_t m = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 53261;
  auto t0 = std::chrono::steady_clock::now();
  auto ring = std::make_shared<hl::Cyclotomic>(m);
  auto chain = hl::ModulusChain::generate(ring, 3, 50);
  std::printf(
      "helib-like ring demo: Z[X]/Phi_%llu(X), phi(m) = %zu, transforms: %s; %zu primes of "
      "50 bits (%.0f bits in all), kernels: %s; set-up %.0f ms\n",
      static_cast<unsigned long long>(m), ring->phi(),
      ring->isPowerOfTwo() ? "negacyclic NTT"
      : chain->workingBasis() == hl::ModulusChain::Basis::kPowerful
          ? "prime-factor (powerful basis) and Bluestein"
          : "Bluestein",
      chain->size(), chain->logProduct(chain->allPrimes()),
      hl::toString(hl::bestSimdLevel()).data(), msSince(t0));

  hl::Prng prng;
  const hl::IndexSet all = chain->allPrimes();
  t0 = std::chrono::steady_clock::now();
  hl::DoubleCRT a = hl::DoubleCRT::ternary(chain, all, prng);
  hl::DoubleCRT b = hl::DoubleCRT::gaussian(chain, all, prng);
  std::printf("sampled a (ternary) and b (Gaussian, sigma 3.2) in double-CRT form: %.1f ms\n",
              msSince(t0));

  t0 = std::chrono::steady_clock::now();
  hl::DoubleCRT ab = a * b;
  const double mulMs = msSince(t0);
  // X -> X^k is a ring automorphism: sigma(a*b) = sigma(a) * sigma(b).
  const uint64_t k = ring->units()[ring->units().size() / 2];
  hl::DoubleCRT lhs = ab, sa = a, sb = b;
  lhs.automorph(k);
  const bool homomorphic = lhs == sa.automorph(k) * sb.automorph(k);
  t0 = std::chrono::steady_clock::now();
  const std::vector<int64_t> c = ab.toCoefficients();
  const double convMs = msSince(t0);
  int64_t maxAbs = 0;
  for (int64_t x : c) maxAbs = std::max(maxAbs, x < 0 ? -x : x);
  std::printf(
      "a * b: %.2f ms pointwise; back to coefficients by CRT: %.1f ms; "
      "largest |coefficient| = %lld\n",
      mulMs, convMs, static_cast<long long>(maxAbs));
  std::printf("X -> X^%llu maps a*b to sigma(a)*sigma(b): %s\n", static_cast<unsigned long long>(k),
              homomorphic ? "yes" : "NO");
  return homomorphic ? 0 : 1;
}
