#include "helib-like/math/ntt.h"

#include <gtest/gtest.h>

#include <NTL/lzz_pX.h>

#include <random>
#include <stdexcept>
#include <vector>

#include "helib-like/math/primes.h"

namespace {

size_t bitReverse(size_t x, int bits) {
  size_t r = 0;
  for (int i = 0; i < bits; ++i) r |= ((x >> i) & 1) << (bits - 1 - i);
  return r;
}

std::vector<hl::SimdLevel> levelsToTest() {
  std::vector<hl::SimdLevel> levels = {hl::SimdLevel::kScalar};
  for (auto l : {hl::SimdLevel::kAvx2, hl::SimdLevel::kAvx512Ifma}) {
    if (hl::cpuSupports(l)) levels.push_back(l);
  }
  return levels;
}

std::vector<uint64_t> randomVector(size_t n, uint64_t bound, std::mt19937_64& rng) {
  std::vector<uint64_t> v(n);
  for (auto& x : v) x = rng() % bound;
  return v;
}

// Direct evaluation at psi^(2*bitrev(k)+1) with NTL's zz_p, for small n.
TEST(Ntt, ForwardMatchesDirectEvaluation) {
  std::mt19937_64 rng(5);
  for (int logn = 0; logn <= 7; ++logn) {
    const size_t n = size_t{1} << logn;
    for (int bits : {30, 50}) {
      const uint64_t q = hl::generatePrimes(bits, 1, 2 * n)[0];
      NTL::zz_pPush push(static_cast<long>(q));
      for (auto level : levelsToTest()) {
        hl::NttTables tables(n, hl::Modulus(q), 0, level);
        auto a = randomVector(n, q, rng);
        auto out = a;
        tables.forward(out.data());
        NTL::zz_pX poly;
        for (size_t j = 0; j < n; ++j) SetCoeff(poly, j, NTL::zz_p(static_cast<long>(a[j])));
        for (size_t k = 0; k < n; ++k) {
          NTL::zz_p point = NTL::power(NTL::zz_p(static_cast<long>(tables.psi())),
                                       static_cast<long>(2 * bitReverse(k, logn) + 1));
          ASSERT_EQ(out[k], static_cast<uint64_t>(NTL::rep(NTL::eval(poly, point))))
              << "n=" << n << " k=" << k << " level=" << hl::toString(level);
        }
        tables.inverse(out.data());
        ASSERT_EQ(out, a);
      }
    }
  }
}

// Negacyclic products through the transform against NTL's product mod X^n + 1.
TEST(Ntt, NegacyclicProductMatchesNtl) {
  std::mt19937_64 rng(6);
  for (int logn : {8, 11, 13, 16}) {
    const size_t n = size_t{1} << logn;
    const uint64_t q = hl::generatePrimes(50, 1, 1ull << 18)[0];
    NTL::zz_pPush push(static_cast<long>(q));
    NTL::zz_pX modulus;
    SetCoeff(modulus, 0);
    SetCoeff(modulus, static_cast<long>(n));
    auto a = randomVector(n, q, rng), b = randomVector(n, q, rng);
    NTL::zz_pX pa, pb;
    for (size_t j = 0; j < n; ++j) {
      SetCoeff(pa, j, NTL::zz_p(static_cast<long>(a[j])));
      SetCoeff(pb, j, NTL::zz_p(static_cast<long>(b[j])));
    }
    NTL::zz_pX expect = NTL::MulMod(pa, pb, modulus);
    hl::Modulus mod(q);
    for (auto level : levelsToTest()) {
      hl::NttTables tables(n, mod, 0, level);
      auto fa = a, fb = b;
      tables.forward(fa.data());
      tables.forward(fb.data());
      for (size_t k = 0; k < n; ++k) fa[k] = mod.mul(fa[k], fb[k]);
      tables.inverse(fa.data());
      for (size_t j = 0; j < n; ++j) {
        ASSERT_EQ(fa[j], static_cast<uint64_t>(NTL::rep(NTL::coeff(expect, j))))
            << "n=" << n << " j=" << j << " level=" << hl::toString(level);
      }
    }
  }
}

// Every kernel gives the same words as the scalar one, also for lazy inputs in [0, 4q).
TEST(Ntt, KernelsAreBitIdentical) {
  std::mt19937_64 rng(7);
  for (int logn = 0; logn <= 17; ++logn) {
    const size_t n = size_t{1} << logn;
    for (uint64_t q : {hl::generatePrimes(50, 1, 1ull << 18)[0], hl::generatePrimes(36, 1, 1ull << 18)[0]}) {
      hl::Modulus mod(q);
      hl::NttTables scalar(n, mod, 0, hl::SimdLevel::kScalar);
      auto a = randomVector(n, 4 * q, rng);
      a[0] = 4 * q - 1;
      auto ref = a;
      scalar.forward(ref.data());
      auto back = ref;
      for (size_t k = 0; k < n; k += 3) back[k] += q;  // inverse accepts [0, 2q)
      scalar.inverse(back.data());
      for (auto level : levelsToTest()) {
        hl::NttTables tables(n, mod, 0, level);
        auto x = a;
        tables.forward(x.data());
        ASSERT_EQ(x, ref) << "forward n=" << n << " level=" << hl::toString(level);
        for (size_t k = 0; k < n; k += 3) x[k] += q;
        tables.inverse(x.data());
        ASSERT_EQ(x, back) << "inverse n=" << n << " level=" << hl::toString(level);
        for (size_t j = 0; j < n; ++j) ASSERT_EQ(back[j], a[j] % q);
      }
    }
  }
}

TEST(Ntt, RejectsBadParameters) {
  const uint64_t q = hl::generatePrimes(40, 1, 1ull << 12)[0];
  EXPECT_THROW(hl::NttTables(0, hl::Modulus(q)), std::invalid_argument);
  EXPECT_THROW(hl::NttTables(48, hl::Modulus(q)), std::invalid_argument);
  EXPECT_THROW(hl::NttTables(1 << 12, hl::Modulus(q)), std::invalid_argument);  // q != 1 mod 2^13
  EXPECT_THROW(hl::NttTables(16, hl::Modulus((1ull << 61) - 1)), std::invalid_argument);
  EXPECT_THROW(hl::NttTables(16, hl::Modulus(q + 2)), std::invalid_argument);  // not prime
  EXPECT_THROW(hl::NttTables(16, hl::Modulus(q), 2), std::invalid_argument);    // not a root
}

}  // namespace
