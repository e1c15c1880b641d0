// hl::NoiseMoments: its arithmetic against sampled complex Gaussians (an independent model of
// the moments), and the property that keeps every bound without independent products exactly
// the bounds of doc/bgv.md section 5.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "bgv/noise.h"
#include "bgv_fixture.h"
#include "helib-like/bgv/noise.h"

namespace {

using hl::NoiseMoments;
namespace noise = hl::detail::noise;

// Empirical log2 (E|x|^k)^(1/k) of samples.
double empiricalMoment(const std::vector<double>& abs, double k) {
  long double s = 0;
  for (double a : abs) s += std::pow(static_cast<long double>(a), k);
  return static_cast<double>(std::log2(s / abs.size()) / k);
}

// Unit complex Gaussians (E|Z|^2 = 1) and products of two independent ones, sampled, against
// unitGaussianMoment and productIndependent, for the orders that 2^20 samples resolve.
TEST(NoiseMoments, GaussianMomentsMatchSamples) {
  std::mt19937_64 rng(2026);
  std::normal_distribution<double> g(0.0, std::sqrt(0.5));
  const size_t n = size_t{1} << 20;
  std::vector<double> z(n), zz(n);
  for (size_t i = 0; i < n; ++i) {
    const double a = std::hypot(g(rng), g(rng)), b = std::hypot(g(rng), g(rng));
    z[i] = a;
    zz[i] = a * b;
  }
  const NoiseMoments one = noise::gaussian(0.0, 1, 6.0);
  const NoiseMoments two = NoiseMoments::productIndependent(one, one);
  for (size_t i = 0; i < NoiseMoments::kOrders.size(); ++i) {
    const double k = NoiseMoments::kOrders[i];
    if (k > 16) break;  // higher moments are dominated by a few samples
    EXPECT_NEAR(one.log2Value(i), empiricalMoment(z, k), 0.02) << "order " << k;
    if (k <= 8) EXPECT_NEAR(two.log2Value(i), empiricalMoment(zz, k), 0.03) << "order " << k;
  }
  // |Z|^2: ||Z^2||_k = ||Z||_2k^2.
  const NoiseMoments sq = noise::gaussian(0.0, 2, 12.0);
  for (size_t i = 0; i < 4; ++i) {
    std::vector<double> z2(z);
    for (double& v : z2) v *= v;
    EXPECT_NEAR(sq.log2Value(i), empiricalMoment(z2, NoiseMoments::kOrders[i]), 0.03);
  }
  // Markov's bound holds where samples can see it: P(|Z1 Z2| > 2^(m_k + 20/k)) <= 2^-20 for
  // every order, and the bound at 2^-50 is above every sample.
  for (size_t i = 0; i < NoiseMoments::kOrders.size(); ++i) {
    const double limit = std::exp2(two.log2Value(i) + 20.0 / NoiseMoments::kOrders[i]);
    size_t above = 0;
    for (double v : zz) above += v > limit;
    EXPECT_LE(above, 1u) << "order " << NoiseMoments::kOrders[i];
  }
  double largest = 0;
  for (double v : zz) largest = std::max(largest, v);
  EXPECT_LT(std::log2(largest), NoiseMoments::fromLog2([&] {
                                  std::array<double, NoiseMoments::kCount> v{};
                                  for (size_t i = 0; i < v.size(); ++i) v[i] = two.log2Value(i);
                                  v.back() = std::numeric_limits<double>::infinity();
                                  return v;
                                }())
                                    .bound());
}

// Bounded quantities: every moment at the bound; sums and products of them are the sums and
// products of the bounds, with or without independence (|x y| <= |x| |y| always).
TEST(NoiseMoments, BoundedArithmeticIsTheBoundsArithmetic) {
  const NoiseMoments a = NoiseMoments::bounded(10.0), b = NoiseMoments::bounded(7.5);
  EXPECT_DOUBLE_EQ(a.bound(), 10.0);
  EXPECT_DOUBLE_EQ((a + b).bound(), std::log2(std::exp2(10.0) + std::exp2(7.5)));
  EXPECT_DOUBLE_EQ(NoiseMoments::product(a, b).bound(), 17.5);
  EXPECT_DOUBLE_EQ(NoiseMoments::productIndependent(a, b).bound(), 17.5);
  NoiseMoments c = a;
  EXPECT_DOUBLE_EQ(c.scale(-3.0).bound(), 7.0);
  const NoiseMoments none;
  EXPECT_EQ(none.bound(), -std::numeric_limits<double>::infinity());
  EXPECT_DOUBLE_EQ((none + a).bound(), 10.0);
  EXPECT_EQ(NoiseMoments::product(none, a).bound(), -std::numeric_limits<double>::infinity());
}

// The library's noise terms (fresh encryptions, rounding of two parts, key switching) at a real
// context: their bound() is the bound formula (Markov from the moments is weaker for one term),
// sums of them too, and a product that assumes nothing (Hoelder) is exactly the product of the
// bounds; a product of independent ones is more than half a bit below it.
TEST(NoiseMoments, DependentProductsKeepTheBoundsIndependentOnesGain) {
  bgvtest::Fixture& f = bgvtest::fixtureFor({4369, 2, 1});
  const hl::Context& ctx = *f.ctx;
  const size_t L = ctx.levels();
  const std::vector<NoiseMoments> terms = {
      noise::freshPublic(ctx),         noise::freshSecret(ctx),
      noise::roundingNoise(ctx, 1, 2), noise::roundingNoise(ctx, 3, 2),
      noise::keySwitchNoise(ctx, L),   noise::keySwitchErrorNoise(ctx, L - 1)};
  // The one exception: a three-part rounding term's delta_2 s^2, a product of independent
  // terms, whose moments beat the bound 6 sqrt(n V) 36 n V_s.
  const NoiseMoments three = noise::roundingNoise(ctx, 1, 3);
  EXPECT_LT(three.bound(), three.log2Value(noise::kBoundIndex) - 0.5);
  for (size_t i = 0; i < terms.size(); ++i) {
    const NoiseMoments& a = terms[i];
    EXPECT_DOUBLE_EQ(a.bound(), a.log2Value(noise::kBoundIndex)) << "term " << i;
    for (size_t j = 0; j < terms.size(); ++j) {
      const NoiseMoments& b = terms[j];
      EXPECT_DOUBLE_EQ((a + b).bound(), noise::logAdd(a.bound(), b.bound()));
      EXPECT_DOUBLE_EQ(NoiseMoments::product(a, b).bound(), a.bound() + b.bound());
      const NoiseMoments ind = NoiseMoments::productIndependent(a, b);
      EXPECT_LT(ind.bound(), a.bound() + b.bound() - 0.5) << "terms " << i << ", " << j;
      // Hoelder's orders 2k are above the independent product's k (orders up to 64; those
      // above take the bound, which a Gaussian's 96th moment may exceed), the bounds equal.
      for (size_t k = 0; NoiseMoments::kOrders[k] <= 64; ++k) {
        EXPECT_LE(ind.log2Value(k), NoiseMoments::product(a, b).log2Value(k) + 1e-12);
      }
      EXPECT_DOUBLE_EQ(ind.log2Value(noise::kBoundIndex), a.bound() + b.bound());
    }
  }
  // The double-valued bounds are the moments' bound entries.
  EXPECT_DOUBLE_EQ(noise::keySwitch(ctx, L), noise::keySwitchNoise(ctx, L).bound());
  EXPECT_DOUBLE_EQ(noise::rounding(ctx, 2, 2), noise::roundingNoise(ctx, 2, 2).bound());
}

}  // namespace
