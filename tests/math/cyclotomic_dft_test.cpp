#include "helib-like/math/cyclotomic_dft.h"

#include <gtest/gtest.h>

#include <NTL/ZZX.h>
#include <NTL/lzz_pX.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <stdexcept>

#include "helib-like/math/primes.h"

namespace {

NTL::ZZX ntlCyclotomic(long m) {
  // Independent model: X^m - 1 divided by Phi_d for every proper divisor d (recursively).
  NTL::ZZX f(NTL::INIT_MONO, m);
  NTL::SetCoeff(f, 0, -1);
  for (long d = 1; d < m; ++d) {
    if (m % d == 0) f /= ntlCyclotomic(d);
  }
  return f;
}

TEST(CyclotomicPolynomial, MatchesDivisionOfXmMinusOne) {
  for (uint64_t m : {1, 2, 3, 4, 6, 12, 15, 16, 30, 105, 255, 4369}) {
    auto c = hl::cyclotomicPolynomial(m);
    NTL::ZZX expect = ntlCyclotomic(static_cast<long>(m));
    ASSERT_EQ(static_cast<long>(c.size()) - 1, NTL::deg(expect)) << m;
    ASSERT_EQ(c.size() - 1, hl::eulerPhi(m));
    for (size_t i = 0; i < c.size(); ++i) {
      ASSERT_EQ(c[i], NTL::conv<long>(NTL::coeff(expect, static_cast<long>(i)))) << m << " " << i;
    }
  }
  // Phi_105 is the first with a coefficient -2.
  auto c105 = hl::cyclotomicPolynomial(105);
  EXPECT_EQ(*std::min_element(c105.begin(), c105.end()), -2);
}

struct DftCase {
  uint64_t m;
  bool allPoints;  // check every value against NTL evaluation (small m only)
};

class CyclotomicDftTest : public ::testing::TestWithParam<DftCase> {};

TEST_P(CyclotomicDftTest, ValuesProductsAndRoundTripMatchNtl) {
  const auto [m, allPoints] = GetParam();
  const uint64_t q = hl::generatePrimes(50, 1, hl::cyclotomicDftDivisor(m))[0];
  hl::Modulus mod(q);
  hl::CyclotomicDft dft(m, mod);
  const size_t n = dft.size();
  ASSERT_EQ(n, hl::eulerPhi(m));
  NTL::zz_pPush push(static_cast<long>(q));
  std::mt19937_64 rng(m);
  std::vector<uint64_t> a(n), b(n);
  NTL::zz_pX pa, pb, phi;
  auto c = hl::cyclotomicPolynomial(m);
  for (size_t i = 0; i < c.size(); ++i) NTL::SetCoeff(phi, i, NTL::zz_p(c[i]));
  for (size_t j = 0; j < n; ++j) {
    a[j] = rng() % q;
    b[j] = rng() % q;
    NTL::SetCoeff(pa, j, NTL::zz_p(static_cast<long>(a[j])));
    NTL::SetCoeff(pb, j, NTL::zz_p(static_cast<long>(b[j])));
  }
  // zeta is a primitive m-th root of unity.
  const NTL::zz_p zeta(static_cast<long>(dft.zeta()));
  ASSERT_EQ(NTL::power(zeta, static_cast<long>(m)), NTL::zz_p(1));
  for (uint64_t p = 2; p <= m; ++p) {
    if (m % p == 0 && hl::isPrime(p)) ASSERT_NE(NTL::power(zeta, static_cast<long>(m / p)), NTL::zz_p(1));
  }
  std::vector<uint64_t> va(n), vb(n);
  dft.forward(a.data(), va.data());
  dft.forward(b.data(), vb.data());
  const auto exps = hl::evaluationExponents(m);
  std::mt19937_64 pick(7);
  for (size_t t = 0; t < (allPoints ? n : 12); ++t) {
    const size_t k = allPoints ? t : pick() % n;
    const NTL::zz_p point = NTL::power(zeta, static_cast<long>(exps[k]));
    ASSERT_EQ(va[k], static_cast<uint64_t>(NTL::rep(NTL::eval(pa, point)))) << "m=" << m << " k=" << k;
  }
  // Product mod Phi_m through pointwise multiplication and the inverse transform.
  for (size_t k = 0; k < n; ++k) va[k] = mod.mul(va[k], vb[k]);
  std::vector<uint64_t> prod(n);
  dft.inverse(va.data(), prod.data());
  const NTL::zz_pX expect = NTL::MulMod(pa, pb, phi);
  for (size_t j = 0; j < n; ++j) {
    ASSERT_EQ(prod[j], static_cast<uint64_t>(NTL::rep(NTL::coeff(expect, j)))) << "m=" << m << " j=" << j;
  }
  // In-place round trip.
  std::vector<uint64_t> x = a;
  dft.forward(x.data(), x.data());
  dft.inverse(x.data(), x.data());
  EXPECT_EQ(x, a);
}

INSTANTIATE_TEST_SUITE_P(Rings, CyclotomicDftTest,
                         ::testing::Values(DftCase{2, true}, DftCase{3, true}, DftCase{4, true},
                                           DftCase{12, true}, DftCase{15, true},
                                           DftCase{105, true}, DftCase{2048, true},
                                           DftCase{4369, true}, DftCase{8191, false},
                                           DftCase{21845, false}, DftCase{53261, false},
                                           DftCase{1 << 15, false}, DftCase{2 * 4369, false}),
                         [](const auto& info) { return "m" + std::to_string(info.param.m); });

// The evaluation order: every unit once; for a power of two the NTT's bit-reversed order,
// otherwise sorted by (e mod m_1, ..., e mod m_k) over the prime-power factors m_1 < ... < m_k.
TEST(CyclotomicDft, EvaluationOrderIsLexicographicInTheCrtComponents) {
  for (uint64_t m : {2ull, 3ull, 9ull, 12ull, 45ull, 91ull, 4369ull, 16382ull, 21845ull, 53261ull}) {
    std::vector<uint64_t> pe;  // prime-power factors, increasing
    for (uint64_t p = 2, r = m; r > 1; ++p) {
      uint64_t x = 1;
      while (r % p == 0) {
        r /= p;
        x *= p;
      }
      if (x > 1) pe.push_back(x);
    }
    std::sort(pe.begin(), pe.end());
    std::vector<uint64_t> expect;
    for (uint64_t e = 1; e < m; ++e) {
      if (std::gcd(e, m) == 1) expect.push_back(e);
    }
    std::sort(expect.begin(), expect.end(), [&](uint64_t a, uint64_t b) {
      for (uint64_t f : pe) {
        if (a % f != b % f) return a % f < b % f;
      }
      return false;
    });
    EXPECT_EQ(hl::evaluationExponents(m), expect) << "m=" << m;
  }
  const auto pow2 = hl::evaluationExponents(16);  // 2 bitrev_3(k) + 1
  EXPECT_EQ(pow2, (std::vector<uint64_t>{1, 9, 5, 13, 3, 11, 7, 15}));
}

TEST(CyclotomicDft, RejectsBadParameters) {
  EXPECT_THROW(hl::evaluationExponents(1), std::invalid_argument);
  EXPECT_THROW(hl::cyclotomicDftDivisor(0), std::invalid_argument);
  const uint64_t q = hl::generatePrimes(50, 1, hl::cyclotomicDftDivisor(4369))[0];
  EXPECT_THROW(hl::CyclotomicDft(1, hl::Modulus(q)), std::invalid_argument);
  EXPECT_THROW(hl::CyclotomicDft(4369, hl::Modulus(65537)), std::invalid_argument);  // not 1 mod divisor
  EXPECT_THROW(hl::CyclotomicDft(4369, hl::Modulus(q - 2)), std::invalid_argument);
}

}  // namespace
