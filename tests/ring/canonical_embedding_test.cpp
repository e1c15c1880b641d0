#include "helib-like/detail/canonical_embedding.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

namespace {

using hl::Cyclotomic;
using hl::detail::canonicalNormLog2;

// Independent model: max over units j of |sum_k a_k zeta^(jk)|, evaluated term by term in
// long double with the roots zeta^e, e < m, taken from a table (jk reduced mod m exactly).
long double naiveNorm(const Cyclotomic& ring, const std::vector<double>& a) {
  const uint64_t m = ring.m();
  std::vector<long double> re(m), im(m);
  for (uint64_t e = 0; e < m; ++e) {
    const long double angle = 2 * std::numbers::pi_v<long double> * e / m;
    re[e] = std::cos(angle);
    im[e] = std::sin(angle);
  }
  long double best = 0;
  for (uint64_t j : ring.units()) {
    long double sr = 0, si = 0;
    uint64_t e = 0;  // j * k mod m
    for (size_t k = 0; k < a.size(); ++k) {
      sr += a[k] * re[e];
      si += a[k] * im[e];
      e += j;
      if (e >= m) e -= m;
    }
    best = std::max(best, sr * sr + si * si);
  }
  return std::sqrt(best);
}

std::vector<double> randomCoeffs(size_t n, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> dist(-1000.0, 1000.0);
  std::vector<double> a(n);
  for (double& x : a) x = std::round(dist(rng));
  return a;
}

TEST(CanonicalEmbedding, NormMatchesNaiveEvaluation) {
  std::mt19937_64 rng(20240917);
  // Powers of two, odd composites (4369 = 17 * 257, 105 = 3 * 5 * 7, 21845 = 5 * 17 * 257)
  // and a prime (8191).
  for (uint64_t m : {16, 2048, 4369, 105, 8191, 21845}) {
    const Cyclotomic ring(m);
    for (int trial = 0; trial < (m < 8000 ? 2 : 1); ++trial) {
      const auto a = randomCoeffs(ring.phi(), rng);
      const double expected = static_cast<double>(naiveNorm(ring, a));
      const double got = std::exp2(canonicalNormLog2(ring, a));
      EXPECT_NEAR(got / expected, 1.0, 1e-9) << "m = " << m;
    }
  }
}

TEST(CanonicalEmbedding, ShortInputIsZeroPadded) {
  std::mt19937_64 rng(7);
  for (uint64_t m : {64, 315}) {
    const Cyclotomic ring(m);
    const auto a = randomCoeffs(ring.phi() / 3, rng);
    const double expected = static_cast<double>(naiveNorm(ring, a));
    EXPECT_NEAR(std::exp2(canonicalNormLog2(ring, a)) / expected, 1.0, 1e-9) << "m = " << m;
  }
}

TEST(CanonicalEmbedding, ClosedForms) {
  for (uint64_t m : {2, 4, 1024, 105, 8191}) {
    const Cyclotomic ring(m);
    // A constant or a monomial has |a(zeta^j)| = |c| at every root.
    std::vector<double> monomial(ring.phi(), 0.0);
    monomial[ring.phi() - 1] = -3.0;
    EXPECT_NEAR(canonicalNormLog2(ring, monomial), std::log2(3.0), 1e-12) << "m = " << m;
    EXPECT_NEAR(canonicalNormLog2(ring, std::vector<double>{1.0}), 0.0, 1e-12);
  }
  // 1 + X at the unit j has modulus |1 + zeta^j| = 2 |cos(pi j / m)|, largest at j = 1.
  for (uint64_t m : {8, 1024, 105, 8191}) {
    const Cyclotomic ring(m);
    const double expected = std::log2(2 * std::cos(std::numbers::pi / static_cast<double>(m)));
    EXPECT_NEAR(canonicalNormLog2(ring, std::vector<double>{1.0, 1.0}), expected, 1e-12);
  }
}

// The whole embedding: 1 + X has the values 2 |cos(pi j / m)| over the units j (as a multiset;
// the order is the function's own), a monomial has |c| everywhere, zero is all zeros, and the
// largest value is canonicalNormLog2's.
TEST(CanonicalEmbedding, WholeEmbeddingInAbsoluteValue) {
  for (uint64_t m : {8, 1024, 105, 4369}) {
    const Cyclotomic ring(m);
    std::vector<double> got =
        hl::detail::canonicalEmbeddingAbs(ring, std::vector<double>{1.0, 1.0});
    std::vector<double> want;
    for (uint64_t j : ring.units()) {
      want.push_back(2 * std::abs(std::cos(std::numbers::pi * static_cast<double>(j) /
                                           static_cast<double>(m))));
    }
    ASSERT_EQ(got.size(), ring.phi()) << "m = " << m;
    std::sort(got.begin(), got.end());
    std::sort(want.begin(), want.end());
    for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-9) << "m = " << m;
    std::vector<double> monomial(ring.phi(), 0.0);
    monomial[ring.phi() / 2] = -3.0;
    for (double v : hl::detail::canonicalEmbeddingAbs(ring, monomial)) EXPECT_NEAR(v, 3.0, 1e-9);
    for (double v : hl::detail::canonicalEmbeddingAbs(ring, std::vector<double>(ring.phi(), 0.0)))
      EXPECT_EQ(v, 0.0);
  }
  std::mt19937_64 rng(7);
  const Cyclotomic ring(4369);
  const auto a = randomCoeffs(ring.phi(), rng);
  const std::vector<double> v = hl::detail::canonicalEmbeddingAbs(ring, a);
  EXPECT_NEAR(std::log2(*std::max_element(v.begin(), v.end())), canonicalNormLog2(ring, a), 1e-12);
  // The same order for every call: the embedding of 2a is twice that of a, coordinate by
  // coordinate, and that of a + (1 + X) is within |1 + zeta^j| of a's at each coordinate.
  std::vector<double> twice = a, shifted = a;
  for (double& x : twice) x *= 2;
  shifted[0] += 1;
  shifted[1] += 1;
  const std::vector<double> v2 = hl::detail::canonicalEmbeddingAbs(ring, twice);
  const std::vector<double> vs = hl::detail::canonicalEmbeddingAbs(ring, shifted);
  for (size_t i = 0; i < v.size(); ++i) {
    EXPECT_NEAR(v2[i], 2 * v[i], 1e-9 * (1 + v[i]));
    EXPECT_LE(std::abs(vs[i] - v[i]), 2.0 + 1e-9);
  }
}

TEST(CanonicalEmbedding, ZeroPolynomialIsMinusInfinity) {
  const Cyclotomic ring(105);
  EXPECT_EQ(canonicalNormLog2(ring, std::vector<double>(ring.phi(), 0.0)),
            -std::numeric_limits<double>::infinity());
  EXPECT_EQ(canonicalNormLog2(ring, std::span<const double>{}),
            -std::numeric_limits<double>::infinity());
}

TEST(CanonicalEmbedding, ScaleAddsToTheLogarithm) {
  std::mt19937_64 rng(99);
  for (uint64_t m : {4096, 4369}) {
    const Cyclotomic ring(m);
    const auto a = randomCoeffs(ring.phi(), rng);
    const double base = canonicalNormLog2(ring, a);
    EXPECT_NEAR(canonicalNormLog2(ring, a, 100), base + 100, 1e-12);
    EXPECT_NEAR(canonicalNormLog2(ring, a, -7), base - 7, 1e-12);
    // Huge or tiny magnitudes are normalized before the transform.
    std::vector<double> big = a, tiny = a;
    for (double& x : big) x = std::ldexp(x, 900);
    for (double& x : tiny) x = std::ldexp(x, -1000);
    EXPECT_NEAR(canonicalNormLog2(ring, big), base + 900, 1e-12);
    EXPECT_NEAR(canonicalNormLog2(ring, tiny, 50), base - 950, 1e-12);
    // And against the model: 2^40 * a.
    std::vector<double> scaled = a;
    for (double& x : scaled) x = std::ldexp(x, 40);
    EXPECT_NEAR(std::exp2(canonicalNormLog2(ring, a, 40) - 40 - std::log2(naiveNorm(ring, a))), 1.0,
                1e-9);
    EXPECT_NEAR(canonicalNormLog2(ring, scaled), canonicalNormLog2(ring, a, 40), 1e-12);
  }
}

TEST(CanonicalEmbedding, ThreadsAndAlternatingRingsAgree) {
  std::mt19937_64 rng(3);
  const Cyclotomic r1(4369), r2(2048);
  const auto a1 = randomCoeffs(r1.phi(), rng), a2 = randomCoeffs(r2.phi(), rng);
  const double e1 = canonicalNormLog2(r1, a1), e2 = canonicalNormLog2(r2, a2);
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      bool good = true;
      for (int i = 0; i < 5; ++i) {
        good = good && canonicalNormLog2(r1, a1) == e1 && canonicalNormLog2(r2, a2) == e2;
      }
      ok[t] = good ? 1 : 0;
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(ok[t], 1) << "thread " << t;
}

TEST(CanonicalEmbedding, RejectsBadInput) {
  const Cyclotomic ring(105);  // phi = 48
  EXPECT_THROW(canonicalNormLog2(ring, std::vector<double>(49, 1.0)), std::invalid_argument);
  std::vector<double> a(48, 1.0);
  a[5] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(canonicalNormLog2(ring, a), std::invalid_argument);
  a[5] = std::numeric_limits<double>::infinity();
  EXPECT_THROW(canonicalNormLog2(ring, a), std::invalid_argument);
}

}  // namespace
