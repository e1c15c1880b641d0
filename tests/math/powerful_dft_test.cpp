#include "helib-like/math/powerful_dft.h"

#include <NTL/ZZX.h>
#include <NTL/lzz_pX.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <stdexcept>
#include <vector>

#include "helib-like/math/cyclotomic_dft.h"
#include "helib-like/math/primes.h"
#include "math/number_theory.h"

namespace {

// The definition of the powerful basis, written out independently of the library: the prime
// power factors m_i of m in increasing order, and for a row-major index J = (j_1, ..., j_k) the
// exponent E(J) = sum_i (m/m_i) j_i mod m, so that the basis element prod_i X_i^(j_i) is X^E(J).
struct Factor {
  uint64_t pe, phi;
};

std::vector<Factor> factorsOf(uint64_t m) {
  std::vector<Factor> f;
  for (uint64_t p = 2; m > 1; ++p) {
    if (m % p != 0) continue;
    uint64_t pe = 1;
    while (m % p == 0) {
      m /= p;
      pe *= p;
    }
    f.push_back({pe, pe / p * (p - 1)});
  }
  std::sort(f.begin(), f.end(), [](const Factor& a, const Factor& b) { return a.pe < b.pe; });
  return f;
}

std::vector<uint64_t> basisExponents(uint64_t m) {
  const auto f = factorsOf(m);
  size_t n = 1;
  for (const auto& x : f) n *= x.phi;
  std::vector<uint64_t> E(n);
  for (size_t J = 0; J < n; ++J) {
    size_t rest = J;
    uint64_t e = 0;
    for (size_t i = f.size(); i-- > 0;) {
      e = (e + (m / f[i].pe) * (rest % f[i].phi)) % m;
      rest /= f[i].phi;
    }
    E[J] = e;
  }
  return E;
}

// sum_J c_J zeta^(e * E(J)) mod q (NTL arithmetic).
long evalPowerful(const std::vector<int64_t>& c, const std::vector<uint64_t>& E, uint64_t m,
                  const NTL::zz_p& zeta, uint64_t e) {
  NTL::zz_p acc(0);
  for (size_t J = 0; J < c.size(); ++J) {
    acc += NTL::zz_p(c[J]) * NTL::power(zeta, static_cast<long>((e % m) * E[J] % m));
  }
  return NTL::rep(acc);
}

long evalPower(const std::vector<int64_t>& a, const NTL::zz_p& point) {
  NTL::zz_pX pa;
  for (size_t j = 0; j < a.size(); ++j) NTL::SetCoeff(pa, static_cast<long>(j), NTL::zz_p(a[j]));
  return NTL::rep(NTL::eval(pa, point));
}

std::vector<hl::SimdLevel> levels() {
  std::vector<hl::SimdLevel> l{hl::SimdLevel::kScalar};
  if (hl::cpuSupports(hl::SimdLevel::kAvx2)) l.push_back(hl::SimdLevel::kAvx2);
  if (hl::cpuSupports(hl::SimdLevel::kAvx512Ifma)) l.push_back(hl::SimdLevel::kAvx512Ifma);
  return l;
}

class PowerfulDftTest : public ::testing::TestWithParam<uint64_t> {};

TEST_P(PowerfulDftTest, BasisChangesAreInverseAndEvaluateAlike) {
  const uint64_t m = GetParam();
  const size_t n = hl::eulerPhi(m);
  const uint64_t q = hl::generatePrimes(50, 1, hl::cyclotomicDftDivisor(m))[0];
  hl::CyclotomicDft dft(m, hl::Modulus(q));
  NTL::zz_pPush push(static_cast<long>(q));
  const NTL::zz_p zeta(static_cast<long>(dft.zeta()));
  const auto E = basisExponents(m);
  ASSERT_EQ(E.size(), n);
  std::mt19937_64 rng(m + 1);
  std::vector<int64_t> a(n), c(n);
  for (auto& x : a) x = static_cast<int64_t>(rng() % (1u << 21)) - (1 << 20);
  for (auto& x : c) x = static_cast<int64_t>(rng() % (1u << 21)) - (1 << 20);
  const auto ac = hl::powerToPowerful(m, a);
  EXPECT_EQ(hl::powerfulToPower(m, ac), a);
  const auto ca = hl::powerfulToPower(m, c);
  EXPECT_EQ(hl::powerToPowerful(m, ca), c);
  // Both representations of the same element have the same values at primitive m-th roots.
  const auto exps = hl::evaluationExponents(m);
  for (int t = 0; t < 6; ++t) {
    const uint64_t e = exps[rng() % n];
    const NTL::zz_p point = NTL::power(zeta, static_cast<long>(e));
    EXPECT_EQ(evalPower(a, point), evalPowerful(ac, E, m, zeta, e)) << "m=" << m << " e=" << e;
    EXPECT_EQ(evalPower(ca, point), evalPowerful(c, E, m, zeta, e)) << "m=" << m << " e=" << e;
  }
}

TEST_P(PowerfulDftTest, ForwardMatchesCyclotomicDftAndInverts) {
  const uint64_t m = GetParam();
  const size_t n = hl::eulerPhi(m);
  const uint64_t q = hl::generatePrimes(50, 1, hl::cyclotomicDftDivisor(m))[0];
  const hl::Modulus mod(q);
  hl::CyclotomicDft dft(m, mod);
  NTL::zz_pPush push(static_cast<long>(q));
  const NTL::zz_p zeta(static_cast<long>(dft.zeta()));
  const auto E = basisExponents(m);
  const auto exps = hl::evaluationExponents(m);
  std::mt19937_64 rng(m);
  // A random element in the power basis, its values by CyclotomicDft, and its powerful
  // coefficients reduced mod q.
  std::vector<int64_t> a(n);
  for (auto& x : a) x = static_cast<int64_t>(rng() % q);
  std::vector<uint64_t> au(a.begin(), a.end()), expect(n);
  dft.forward(au.data(), expect.data());
  const auto c = hl::powerToPowerful(m, a);
  std::vector<uint64_t> cu(n);
  for (size_t J = 0; J < n; ++J) cu[J] = mod.reduceSigned(c[J]);
  // Random powerful coefficients for the round trip and an independent evaluation.
  std::vector<uint64_t> x(n);
  for (auto& v : x) v = rng() % q;
  if (n > 2) {
    x[0] = 0;
    x[1] = q - 1;
  }
  std::vector<int64_t> xs(x.begin(), x.end());
  std::vector<uint64_t> firstValues;
  for (hl::SimdLevel level : levels()) {
    SCOPED_TRACE("m=" + std::to_string(m) + " level=" + std::string(hl::toString(level)));
    hl::PowerfulDft pdft(m, mod, dft.zeta(), level);
    ASSERT_EQ(pdft.size(), n);
    if ((m & (m - 1)) != 0) ASSERT_EQ(pdft.level(), level);  // the kernels asked for ran
    std::vector<uint64_t> values(n), back(n);
    pdft.forward(cu.data(), values.data());
    ASSERT_EQ(values, expect);
    pdft.inverse(values.data(), back.data());
    ASSERT_EQ(back, cu);
    // Round trip of arbitrary residues, out of place and in place.
    pdft.forward(x.data(), values.data());
    for (uint64_t v : values) ASSERT_LT(v, q);
    const size_t checks = n <= 256 ? n : 8;
    for (size_t t = 0; t < checks; ++t) {
      const size_t k = n <= 256 ? t : rng() % n;
      ASSERT_EQ(static_cast<long>(values[k]), evalPowerful(xs, E, m, zeta, exps[k])) << "k=" << k;
    }
    if (firstValues.empty()) firstValues = values;
    ASSERT_EQ(values, firstValues);  // every kernel gives the same words
    pdft.inverse(values.data(), back.data());
    ASSERT_EQ(back, x);
    std::vector<uint64_t> y = x;
    pdft.forward(y.data(), y.data());
    ASSERT_EQ(y, values);
    pdft.inverse(y.data(), y.data());
    ASSERT_EQ(y, x);
  }
}

// Where the transform is expected to beat Bluestein (the ring layer's choice of working
// basis): several prime factors, no zero-padded Rader convolution, no NTT beyond 2048.
TEST(PowerfulDft, RecommendedForProductsOfSmallFactors) {
  for (uint64_t m : {53261ull, 21845ull, 4369ull, 8071ull, 18631ull, 1285ull}) {
    EXPECT_TRUE(hl::PowerfulDft::recommended(m)) << m;
  }
  // Prime powers, padded Rader (1031, 8191), a 65536-point NTT (65537), unsupported m.
  for (uint64_t m : {2048ull, 8191ull, 27ull, 3093ull, 16382ull, 196611ull, 1ull}) {
    EXPECT_FALSE(hl::PowerfulDft::recommended(m)) << m;
  }
}

// Inputs at the edges of [0, q) (the largest intermediate values of the double-precision
// kernels): every kernel gives the scalar kernel's words, and the inverse restores the input.
TEST_P(PowerfulDftTest, ExtremeInputsGiveTheScalarWordsAndInvert) {
  const uint64_t m = GetParam();
  const size_t n = hl::eulerPhi(m);
  const uint64_t q = hl::generatePrimes(50, 1, hl::cyclotomicDftDivisor(m))[0];
  const hl::Modulus mod(q);
  hl::CyclotomicDft dft(m, mod);
  std::vector<std::vector<uint64_t>> patterns(4, std::vector<uint64_t>(n));
  for (size_t j = 0; j < n; ++j) {
    patterns[0][j] = q - 1;
    patterns[1][j] = j % 2 == 0 ? q - 1 : 0;
    patterns[2][j] = j % 3 == 0 ? 1 : q - 1;
    patterns[3][j] = (q - 1) / 2 + (j % 2);
  }
  hl::PowerfulDft scalar(m, mod, dft.zeta(), hl::SimdLevel::kScalar);
  for (hl::SimdLevel level : levels()) {
    hl::PowerfulDft pdft(m, mod, dft.zeta(), level);
    for (size_t k = 0; k < patterns.size(); ++k) {
      SCOPED_TRACE("m=" + std::to_string(m) + " level=" + std::string(hl::toString(level)) +
                   " pattern " + std::to_string(k));
      std::vector<uint64_t> want(n), got(n), back(n);
      scalar.forward(patterns[k].data(), want.data());
      pdft.forward(patterns[k].data(), got.data());
      ASSERT_EQ(got, want);
      pdft.inverse(got.data(), back.data());
      ASSERT_EQ(back, patterns[k]);
      // The values as inputs of the inverse: compare the inverse's words too.
      scalar.inverse(patterns[k].data(), want.data());
      pdft.inverse(patterns[k].data(), got.data());
      ASSERT_EQ(got, want);
    }
  }
}

// Primes of several sizes (those of the aes-128 chain are 24-30 bits), so that the SIMD kernels
// run in their lazy mode (q < 2^40 and q n <= 2^44, reductions that only bound values left out) up
// to its edge and in the general mode beyond it: every kernel gives the scalar kernel's words on
// extreme and random inputs, those match an independent evaluation (NTL), and the inverse
// restores the input.
TEST_P(PowerfulDftTest, LazyAndGeneralKernelsAtEveryPrimeSize) {
  const uint64_t m = GetParam();
  if ((m & (m - 1)) == 0) GTEST_SKIP() << "m a power of two: the negacyclic NTT";
  const size_t n = hl::eulerPhi(m);
  const auto E = basisExponents(m);
  const auto exps = hl::evaluationExponents(m);
  bool sawLazy = false, sawGeneral = false;
  for (int bits : {24, 30, 34, 36, 39, 40, 41, 44, 50}) {
    std::vector<uint64_t> primes;
    try {
      primes = hl::generatePrimes(bits, 1, hl::PowerfulDft::divisor(m));
    } catch (const std::runtime_error&) {
      continue;  // no prime of this size is 1 mod the divisor
    }
    const hl::Modulus mod(primes[0]);
    const uint64_t q = mod.value();
    const uint64_t zeta = hl::detail::primitiveRoot(mod, m);
    NTL::zz_pPush push(static_cast<long>(q));
    const NTL::zz_p z(static_cast<long>(zeta));
    std::mt19937_64 rng(m * 64 + static_cast<uint64_t>(bits));
    std::vector<std::vector<uint64_t>> inputs(5, std::vector<uint64_t>(n));
    for (size_t j = 0; j < n; ++j) {
      inputs[0][j] = q - 1;
      inputs[1][j] = j % 2 == 0 ? q - 1 : 0;
      inputs[2][j] = j % 3 == 0 ? 1 : q - 1;
      inputs[3][j] = (q - 1) / 2 + (j % 2);
      inputs[4][j] = rng() % q;
    }
    hl::PowerfulDft scalar(m, mod, zeta, hl::SimdLevel::kScalar);
    for (hl::SimdLevel level : levels()) {
      hl::PowerfulDft pdft(m, mod, zeta, level);
      if (level != hl::SimdLevel::kScalar) (pdft.lazyReductions() ? sawLazy : sawGeneral) = true;
      for (size_t k = 0; k < inputs.size(); ++k) {
        SCOPED_TRACE("m=" + std::to_string(m) + " q=" + std::to_string(q) +
                     " level=" + std::string(hl::toString(level)) + " input " + std::to_string(k) +
                     (pdft.lazyReductions() ? " (lazy)" : ""));
        std::vector<uint64_t> want(n), got(n), back(n);
        scalar.forward(inputs[k].data(), want.data());
        pdft.forward(inputs[k].data(), got.data());
        ASSERT_EQ(got, want);
        pdft.inverse(got.data(), back.data());
        ASSERT_EQ(back, inputs[k]);
        scalar.inverse(inputs[k].data(), want.data());
        pdft.inverse(inputs[k].data(), got.data());
        ASSERT_EQ(got, want);
      }
    }
    // The scalar words against the definition, at a few points.
    std::vector<uint64_t> values(n);
    scalar.forward(inputs[4].data(), values.data());
    const std::vector<int64_t> xs(inputs[4].begin(), inputs[4].end());
    for (int t = 0; t < 4; ++t) {
      const size_t k = rng() % n;
      ASSERT_EQ(static_cast<long>(values[k]), evalPowerful(xs, E, m, z, exps[k]))
          << "m=" << m << " q=" << q << " k=" << k;
    }
  }
  // Both modes ran where SIMD kernels exist (8191: its zero-padded NTT of 16384 points needs
  // q <= 2^30 for the lazy mode, and no prime of 24-30 bits is 1 mod its divisor).
  if (levels().size() > 1 && m != 8191) {
    EXPECT_TRUE(sawLazy) << m;
    EXPECT_TRUE(sawGeneral) << m;
  }
}

INSTANTIATE_TEST_SUITE_P(Rings, PowerfulDftTest,
                         ::testing::Values(4369, 21845, 53261, 105, 15, 4, 2048, 8191, 63,
                                           // even composite m, twisted power-of-two factor,
                                           // prime powers, Rader 2^a x r with r > 1
                                           2, 6, 12, 60, 1536, 25, 27, 77, 3 * 241, 8738,
                                           // 15-point circulants (Rader 2 x 15, 16 x 15)
                                           31, 31 * 241,
                                           // 3-point circulants (Rader 4 x 3, 32 x 3)
                                           13 * 4, 3 * 97),
                         [](const auto& info) { return "m" + std::to_string(info.param); });

TEST(PowerfulDft, ProductsMatchThePowerBasis) {
  // Pointwise products of forward transforms are products in R: check against NTL's product
  // mod Phi_m, mapped to the powerful basis.
  const uint64_t m = 105;
  const size_t n = hl::eulerPhi(m);
  const uint64_t q = hl::generatePrimes(50, 1, hl::cyclotomicDftDivisor(m))[0];
  const hl::Modulus mod(q);
  hl::CyclotomicDft dft(m, mod);
  hl::PowerfulDft pdft(m, mod, dft.zeta());
  std::mt19937_64 rng(5);
  std::vector<int64_t> a(n), b(n);
  for (auto& x : a) x = static_cast<int64_t>(rng() % 2001) - 1000;
  for (auto& x : b) x = static_cast<int64_t>(rng() % 2001) - 1000;
  NTL::ZZX pa, pb, phi;
  for (size_t j = 0; j < n; ++j) {
    NTL::SetCoeff(pa, static_cast<long>(j), NTL::conv<NTL::ZZ>(static_cast<long>(a[j])));
    NTL::SetCoeff(pb, static_cast<long>(j), NTL::conv<NTL::ZZ>(static_cast<long>(b[j])));
  }
  const auto pc = hl::cyclotomicPolynomial(m);
  for (size_t i = 0; i < pc.size(); ++i) {
    NTL::SetCoeff(phi, static_cast<long>(i), NTL::conv<NTL::ZZ>(static_cast<long>(pc[i])));
  }
  const NTL::ZZX prod = (pa * pb) % phi;
  std::vector<int64_t> ab(n);
  for (size_t j = 0; j < n; ++j) ab[j] = NTL::conv<long>(NTL::coeff(prod, static_cast<long>(j)));
  auto toResidues = [&](const std::vector<int64_t>& v) {
    std::vector<uint64_t> r(v.size());
    for (size_t i = 0; i < v.size(); ++i) r[i] = mod.reduceSigned(v[i]);
    return r;
  };
  auto va = toResidues(hl::powerToPowerful(m, a)), vb = toResidues(hl::powerToPowerful(m, b));
  pdft.forward(va.data(), va.data());
  pdft.forward(vb.data(), vb.data());
  for (size_t k = 0; k < n; ++k) va[k] = mod.mul(va[k], vb[k]);
  pdft.inverse(va.data(), va.data());
  EXPECT_EQ(va, toResidues(hl::powerToPowerful(m, ab)));
}

TEST(PowerfulDft, SupportsAndRejects) {
  for (uint64_t m : {2, 4, 15, 63, 105, 4369, 8191, 53261, 1536, 3 * 49}) {
    EXPECT_TRUE(hl::PowerfulDft::supports(m)) << m;
  }
  // 11^2 (phi 110) and 3^5 (phi 162) are odd prime powers beyond the dense size; 1 is no ring.
  for (uint64_t m : {0, 1, 121, 5 * 121, 243}) EXPECT_FALSE(hl::PowerfulDft::supports(m)) << m;
  const uint64_t q = hl::generatePrimes(50, 1, hl::cyclotomicDftDivisor(4369))[0];
  const hl::Modulus mod(q);
  hl::CyclotomicDft dft(4369, mod);
  EXPECT_THROW(hl::PowerfulDft(121, mod, 1), std::invalid_argument);
  EXPECT_THROW(hl::PowerfulDft(4369, hl::Modulus(65537), 3), std::invalid_argument);
  EXPECT_THROW(hl::PowerfulDft(4369, hl::Modulus(q - 2), dft.zeta()), std::invalid_argument);
  EXPECT_THROW(hl::PowerfulDft(4369, mod, 1), std::invalid_argument);  // zeta not primitive
  EXPECT_THROW(hl::PowerfulDft(4369, mod, mod.pow(dft.zeta(), 17)), std::invalid_argument);
  EXPECT_NO_THROW(hl::PowerfulDft(4369, mod, mod.pow(dft.zeta(), 3)));
  try {
    hl::PowerfulDft(3 * 121, mod, 1);
    ADD_FAILURE();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("11^2"), std::string::npos) << e.what();
  }
  const std::vector<int64_t> wrongSize(5);
  EXPECT_THROW(hl::powerToPowerful(15, wrongSize), std::invalid_argument);
  EXPECT_THROW(hl::powerfulToPower(15, wrongSize), std::invalid_argument);
}

// Large coefficients on both sides of the 64-bit fast path's bound (max |x| * 4 < 2^62 for
// m = 4369 = 17 * 257, whose powerful coefficients are sums of up to 4 inputs; for 3 * 25 the
// factor 5^2 gives a bound of 2 * 5 terms): the round trip through NTL's exact
// powerfulToPower gives the input back.
TEST(PowerfulBasis, LargeCoefficientsRoundTripOnBothPaths) {
  for (uint64_t m : {4369ull, 75ull}) {
    const size_t n = hl::eulerPhi(m);
    std::mt19937_64 rng(m);
    const int64_t bound = m == 4369 ? (int64_t{1} << 60) : (int64_t{1} << 62) / 10;
    for (int64_t big : {bound - 1, bound, bound + 12345}) {
      std::vector<int64_t> a(n);
      for (auto& x : a) x = static_cast<int64_t>(rng() % 2001) - 1000;
      for (int i = 0; i < 8; ++i) a[rng() % n] = (rng() & 1) != 0 ? big : -big;
      a[0] = big;
      const auto c = hl::powerToPowerful(m, a);
      EXPECT_EQ(hl::powerfulToPower(m, c), a) << "m=" << m << " big=" << big;
    }
  }
}

}  // namespace
