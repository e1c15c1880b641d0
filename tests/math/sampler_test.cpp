#include "helib-like/math/sampler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>
#include <utility>
#include <vector>

namespace {

hl::Prng::Seed fixedSeed(uint8_t tag) {
  hl::Prng::Seed s{};
  s[0] = tag;
  s[17] = 0x5a;
  return s;
}

// Upper 1e-6 quantile of chi-square with `dof` degrees of freedom (Wilson-Hilferty).
double chiSquareLimit(int dof) {
  const double z = 4.75, d = dof;
  return d * std::pow(1.0 - 2.0 / (9.0 * d) + z * std::sqrt(2.0 / (9.0 * d)), 3.0);
}

double chiSquare(const std::vector<long>& counts, const std::vector<double>& probs, long n) {
  double chi2 = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    const double e = probs[i] * static_cast<double>(n);
    chi2 += (counts[i] - e) * (counts[i] - e) / e;
  }
  return chi2;
}

// Six binomial standard deviations of a count with probability p over n draws.
double sixSigmaCount(double p, long n) { return 6.0 * std::sqrt(n * p * (1.0 - p)); }

// Discrete Gaussian pmf rho(x)/S over |x| <= bound, computed directly in double.
std::map<int, double> gaussianPmf(double sigma, int bound) {
  std::map<int, double> pmf;
  double total = 0;
  for (int x = -bound; x <= bound; ++x) total += std::exp(-x * x / (2 * sigma * sigma));
  for (int x = -bound; x <= bound; ++x) pmf[x] = std::exp(-x * x / (2 * sigma * sigma)) / total;
  return pmf;
}

TEST(Sampler, UniformMatchesPrngUniformAndStaysBelowQ) {
  const uint64_t q50 = 1125899906826241ull;  // 50-bit NTT prime
  for (uint64_t q : {uint64_t{2}, uint64_t{17}, q50, (uint64_t{1} << 62) - 57}) {
    const hl::Modulus mod(q);
    hl::Prng prng(fixedSeed(1)), twin(fixedSeed(1));
    std::vector<uint64_t> out(3000);
    hl::sampleUniform(prng, mod, out);
    for (uint64_t x : out) ASSERT_EQ(x, twin.uniform(q)) << "q = " << q;
    // Both consumed the same number of bytes.
    EXPECT_EQ(prng.next64(), twin.next64());
  }
}

TEST(Sampler, UniformPassesChiSquare) {
  hl::Prng prng(fixedSeed(2));
  // Small q: every residue is a bin.
  {
    const hl::Modulus mod(17);
    std::vector<uint64_t> out(170000);
    hl::sampleUniform(prng, mod, out);
    std::vector<long> counts(17, 0);
    for (uint64_t x : out) ++counts.at(x);
    EXPECT_LT(chiSquare(counts, std::vector<double>(17, 1.0 / 17), out.size()), chiSquareLimit(16));
  }
  // 50-bit prime: 64 equal-width bins of [0, q).
  {
    const uint64_t q = 1125899906826241ull;
    const hl::Modulus mod(q);
    std::vector<uint64_t> out(128000);
    hl::sampleUniform(prng, mod, out);
    std::vector<long> counts(64, 0);
    for (uint64_t x : out) {
      ASSERT_LT(x, q);
      ++counts[static_cast<size_t>((static_cast<unsigned __int128>(x) * 64) / q)];
    }
    // Bins differ in width by at most one element out of q / 64: equal probabilities.
    EXPECT_LT(chiSquare(counts, std::vector<double>(64, 1.0 / 64), out.size()), chiSquareLimit(63));
  }
}

TEST(Sampler, TernaryFollowsByteRuleAndIsUniform) {
  hl::Prng prng(fixedSeed(3)), twin(fixedSeed(3));
  const long n = 300000;
  std::vector<int64_t> out(n);
  hl::sampleTernary(prng, out);

  // Independent model of the documented stream use.
  std::vector<int64_t> model;
  while (static_cast<long>(model.size()) < n) {
    uint64_t w = twin.next64();
    for (int k = 0; k < 8 && static_cast<long>(model.size()) < n; ++k) {
      const int b = static_cast<int>((w >> (8 * k)) & 0xff);
      if (b != 255) model.push_back(b % 3 - 1);
    }
  }
  ASSERT_EQ(out, model);

  std::vector<long> counts(3, 0);
  for (int64_t x : out) {
    ASSERT_GE(x, -1);
    ASSERT_LE(x, 1);
    ++counts[x + 1];
  }
  for (long c : counts) EXPECT_NEAR(c, n / 3.0, sixSigmaCount(1.0 / 3, n));
}

TEST(Sampler, TernaryHammingHasExactWeightAndUniformPositionsAndSigns) {
  hl::Prng prng(fixedSeed(4));
  const size_t n = 64, weight = 16;
  const long trials = 20000;
  std::vector<long> nonzeroAt(n, 0);
  long plus = 0, minus = 0;
  std::vector<int64_t> out(n);
  for (long t = 0; t < trials; ++t) {
    hl::sampleTernaryHamming(prng, out, weight);
    size_t w = 0;
    for (size_t i = 0; i < n; ++i) {
      ASSERT_TRUE(out[i] == 0 || out[i] == 1 || out[i] == -1) << out[i];
      if (out[i] != 0) ++w, ++nonzeroAt[i];
      plus += out[i] == 1;
      minus += out[i] == -1;
    }
    ASSERT_EQ(w, weight);
  }
  const double p = static_cast<double>(weight) / n;
  for (size_t i = 0; i < n; ++i) {
    EXPECT_NEAR(nonzeroAt[i], p * trials, sixSigmaCount(p, trials)) << "position " << i;
  }
  const long signs = trials * static_cast<long>(weight);
  EXPECT_EQ(plus + minus, signs);
  EXPECT_NEAR(plus, signs / 2.0, sixSigmaCount(0.5, signs));
}

TEST(Sampler, TernaryHammingFollowsDocumentedShuffle) {
  hl::Prng prng(fixedSeed(5)), twin(fixedSeed(5));
  const size_t n = 1000, weight = 300;
  std::vector<int64_t> out(n);
  hl::sampleTernaryHamming(prng, out, weight);
  std::vector<int64_t> model(n, 0);
  uint64_t bits = 0;
  for (size_t i = 0; i < weight; ++i) {
    if (i % 64 == 0) bits = twin.next64();
    model[i] = ((bits >> (i % 64)) & 1) ? -1 : 1;
  }
  for (size_t i = n - 1; i >= 1; --i) std::swap(model[i], model[twin.uniform(i + 1)]);
  EXPECT_EQ(out, model);
}

TEST(Sampler, TernaryHammingEdgeWeightsAndBadInput) {
  hl::Prng prng(fixedSeed(6));
  std::vector<int64_t> out(50, 7);
  hl::sampleTernaryHamming(prng, out, 0);
  EXPECT_TRUE(std::all_of(out.begin(), out.end(), [](int64_t x) { return x == 0; }));
  hl::sampleTernaryHamming(prng, out, 50);
  EXPECT_TRUE(std::all_of(out.begin(), out.end(), [](int64_t x) { return x == 1 || x == -1; }));
  EXPECT_THROW(hl::sampleTernaryHamming(prng, out, 51), std::invalid_argument);
  std::vector<int64_t> empty;
  hl::sampleTernaryHamming(prng, empty, 0);
  EXPECT_THROW(hl::sampleTernaryHamming(prng, empty, 1), std::invalid_argument);
}

TEST(Sampler, GaussianMatchesDiscreteGaussianMoments) {
  const double sigma = 3.2;
  EXPECT_EQ(hl::gaussianTailBound(sigma), 32);
  hl::Prng prng(fixedSeed(7));
  const long n = 200000;
  std::vector<int64_t> out(n);
  hl::sampleGaussian(prng, out, sigma);

  const auto pmf = gaussianPmf(sigma, 32);
  double modelVar = 0, modelM4 = 0;
  for (auto [x, p] : pmf) modelVar += p * x * x, modelM4 += p * x * x * x * x;
  EXPECT_NEAR(modelVar, sigma * sigma, 1e-6);  // the discrete variance is sigma^2 here

  double sum = 0, sumSq = 0;
  int64_t maxAbs = 0;
  std::map<int, long> counts;
  for (int64_t x : out) {
    sum += x;
    sumSq += static_cast<double>(x) * x;
    maxAbs = std::max(maxAbs, x < 0 ? -x : x);
    ++counts[static_cast<int>(x)];
  }
  EXPECT_LE(maxAbs, 32);
  EXPECT_GE(maxAbs, 10);  // 3 sigma is exceeded about 500 times in 200000 draws
  const double mean = sum / n, var = sumSq / n - mean * mean;
  EXPECT_NEAR(mean, 0.0, 6.0 * sigma / std::sqrt(n));
  EXPECT_NEAR(var, modelVar, 6.0 * std::sqrt((modelM4 - modelVar * modelVar) / n));
  for (int x = -3; x <= 3; ++x) {
    EXPECT_NEAR(counts[x], pmf.at(x) * n, sixSigmaCount(pmf.at(x), n)) << "x = " << x;
  }
  // Whole distribution: bins -9 .. 9 and the two tails.
  std::vector<long> binCounts;
  std::vector<double> binProbs;
  double tail = 0;
  long tailCount = 0;
  for (auto [x, p] : pmf) {
    if (x < -9 || x > 9) {
      tail += p;
      tailCount += counts[x];
    } else {
      binCounts.push_back(counts[x]);
      binProbs.push_back(p);
    }
  }
  binCounts.push_back(tailCount);
  binProbs.push_back(tail);
  EXPECT_LT(chiSquare(binCounts, binProbs, n),
            chiSquareLimit(static_cast<int>(binCounts.size()) - 1));
}

TEST(Sampler, GaussianOtherSigmasAndBadInput) {
  hl::Prng prng(fixedSeed(8));
  for (double sigma : {0.4, 1.0, 8.0}) {
    const int64_t bound = hl::gaussianTailBound(sigma);
    EXPECT_EQ(bound, static_cast<int64_t>(std::ceil(10 * sigma)));
    const long n = 50000;
    std::vector<int64_t> out(n);
    hl::sampleGaussian(prng, out, sigma);
    const auto pmf = gaussianPmf(sigma, static_cast<int>(bound));
    double modelVar = 0, modelM4 = 0, sumSq = 0;
    for (auto [x, p] : pmf) modelVar += p * x * x, modelM4 += p * x * x * x * x;
    long zeros = 0;
    for (int64_t x : out) {
      ASSERT_LE(std::abs(x), bound);
      sumSq += static_cast<double>(x) * x;
      zeros += x == 0;
    }
    EXPECT_NEAR(sumSq / n, modelVar, 6.0 * std::sqrt((modelM4 - modelVar * modelVar) / n))
        << "sigma " << sigma;
    EXPECT_NEAR(zeros, pmf.at(0) * n, sixSigmaCount(pmf.at(0), n)) << "sigma " << sigma;
  }
  std::vector<int64_t> out(4);
  for (double bad : {0.0, -1.0, 1025.0, std::numeric_limits<double>::quiet_NaN(),
                     std::numeric_limits<double>::infinity()}) {
    EXPECT_THROW(hl::sampleGaussian(prng, out, bad), std::invalid_argument) << bad;
    EXPECT_THROW(hl::gaussianTailBound(bad), std::invalid_argument) << bad;
  }
}

TEST(Sampler, GaussianIsReproducibleFromSeed) {
  std::vector<int64_t> a(1000), b(1000);
  hl::Prng p1(fixedSeed(9)), p2(fixedSeed(9));
  hl::sampleGaussian(p1, a);
  hl::sampleGaussian(p2, b);
  EXPECT_EQ(a, b);
}

TEST(Sampler, CenteredBinomialHasVarianceEtaOverTwo) {
  hl::Prng prng(fixedSeed(10)), twin(fixedSeed(10));
  for (int eta : {1, 2, 21, 32}) {
    const long n = 100000;
    std::vector<int64_t> out(n);
    hl::sampleCenteredBinomial(prng, out, eta);
    const uint64_t mask = eta == 32 ? 0xffffffffull : (1ull << eta) - 1;
    double sum = 0, sumSq = 0;
    std::map<int, long> counts;
    for (int64_t x : out) {
      const uint64_t w = twin.next64();
      ASSERT_EQ(x, std::popcount(w & mask) - std::popcount((w >> 32) & mask));
      ASSERT_LE(std::abs(x), eta);
      sum += x;
      sumSq += static_cast<double>(x) * x;
      ++counts[static_cast<int>(x)];
    }
    const double var = eta / 2.0;
    // Fourth central moment of a sum of 2 eta independent +-1/2 variables shifted: for
    // X = sum_{i<2eta} (c_i - 1/2), mu4 = 3 var^2 - 2 eta / 8.
    const double mu4 = 3 * var * var - 2.0 * eta / 8.0;
    EXPECT_NEAR(sum / n, 0.0, 6.0 * std::sqrt(var / n)) << "eta " << eta;
    EXPECT_NEAR(sumSq / n, var, 6.0 * std::sqrt((mu4 - var * var) / n)) << "eta " << eta;
    if (eta == 2) {  // pmf of a - b, a, b ~ Bin(2, 1/2): C(4, x + 2) / 16
      const double pmf[5] = {1 / 16.0, 4 / 16.0, 6 / 16.0, 4 / 16.0, 1 / 16.0};
      for (int x = -2; x <= 2; ++x) {
        EXPECT_NEAR(counts[x], pmf[x + 2] * n, sixSigmaCount(pmf[x + 2], n)) << "x = " << x;
      }
    }
  }
  std::vector<int64_t> out(4);
  EXPECT_THROW(hl::sampleCenteredBinomial(prng, out, 0), std::invalid_argument);
  EXPECT_THROW(hl::sampleCenteredBinomial(prng, out, 33), std::invalid_argument);
  EXPECT_THROW(hl::sampleCenteredBinomial(prng, out, -2), std::invalid_argument);
}

}  // namespace
