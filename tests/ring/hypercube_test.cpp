// The hypercube of Z_m^*/<p> against brute force over Z_m^*.
#include "helib-like/ring/hypercube.h"

#include <gtest/gtest.h>

#include <numeric>
#include <set>
#include <stdexcept>

namespace {

uint64_t powMod(uint64_t a, uint64_t e, uint64_t m) {
  uint64_t r = 1 % m;
  for (a %= m; e; e >>= 1, a = a * a % m) {
    if (e & 1) r = r * a % m;
  }
  return r;
}

// Checks every property the slots layer relies on, by brute force.
void checkCube(const hl::Hypercube& c) {
  const uint64_t m = c.m(), p = c.p();
  size_t phi = 0;
  for (uint64_t u = 1; u < m; ++u) phi += std::gcd(u, m) == 1;
  size_t d = 1;
  for (uint64_t x = p % m; x != 1 % m; x = x * p % m) ++d;
  EXPECT_EQ(c.degree(), d);
  EXPECT_EQ(c.size() * d, phi);
  size_t prod = 1;
  for (size_t i = 0; i < c.dimensions(); ++i) {
    prod *= c.dimensionSize(i);
    EXPECT_EQ(c.isGood(i), powMod(c.generator(i), c.dimensionSize(i), m) == 1) << "dim " << i;
  }
  EXPECT_EQ(prod, c.size());
  // Representatives: the product of the generators' powers, one per coset of <p>.
  std::set<uint64_t> seen;
  for (size_t s = 0; s < c.size(); ++s) {
    uint64_t t = 1 % m;
    size_t rest = s;
    for (size_t i = c.dimensions(); i-- > 0;) {
      const size_t e = rest % c.dimensionSize(i);
      rest /= c.dimensionSize(i);
      EXPECT_EQ(c.coordinate(s, i), e);
      t = t * powMod(c.generator(i), e, m) % m;
    }
    ASSERT_EQ(c.representative(s), t) << "slot " << s;
    uint64_t u = t;
    for (size_t j = 0; j < d; ++j, u = u * p % m) {
      EXPECT_TRUE(seen.insert(u).second) << "unit " << u << " in two cosets";
      const auto pos = c.locate(u);
      EXPECT_EQ(pos.slot, s);
      EXPECT_EQ(pos.frobenius, j);
    }
  }
  EXPECT_EQ(seen.size(), phi);
}

TEST(Hypercube, AutomaticGeneratorsCoverEveryCoset) {
  for (auto [m, p] : {std::pair<uint64_t, uint64_t>{4369, 2},
                      {21845, 2},
                      {53261, 2},
                      {819, 257},
                      {256, 257},
                      {91, 3},
                      {7, 2},
                      {2, 3},
                      {3, 2}}) {
    SCOPED_TRACE("m = " + std::to_string(m) + ", p = " + std::to_string(p));
    checkCube(hl::Hypercube(m, p));
  }
}

TEST(Hypercube, AutomaticGeneratorsPutTheLongestDimensionFirst) {
  const hl::Hypercube c(256, 257);  // Z_256^* = <5> x <-1>: 64 x 2, full slots
  EXPECT_EQ(c.degree(), 1u);
  ASSERT_EQ(c.dimensions(), 2u);
  EXPECT_EQ(c.dimensionSize(0), 64u);
  EXPECT_EQ(c.dimensionSize(1), 2u);
  EXPECT_TRUE(c.isGood(0));
  EXPECT_TRUE(c.isGood(1));
}

TEST(Hypercube, AesGeneratorsGive16By12By10WithTheLastBad) {
  const uint64_t gens[] = {43863, 28680, 15913};
  const hl::Hypercube c(53261, 2, gens);
  checkCube(c);
  EXPECT_EQ(c.degree(), 24u);
  EXPECT_EQ(c.size(), 1920u);
  ASSERT_EQ(c.dimensions(), 3u);
  EXPECT_EQ(c.dimensionSize(0), 16u);
  EXPECT_EQ(c.dimensionSize(1), 12u);
  EXPECT_EQ(c.dimensionSize(2), 10u);
  EXPECT_TRUE(c.isGood(0));
  EXPECT_TRUE(c.isGood(1));
  EXPECT_FALSE(c.isGood(2));
  EXPECT_EQ(c.power(2, -1) * 15913 % 53261, 1u);
}

TEST(Hypercube, GivenGeneratorsComeFirstAndTheRestIsCompleted) {
  const uint64_t first[] = {43863};  // order 16 at m = 53261
  const hl::Hypercube c(53261, 2, first);
  checkCube(c);
  ASSERT_GE(c.dimensions(), 2u);
  EXPECT_EQ(c.generator(0), 43863u);
  EXPECT_EQ(c.dimensionSize(0), 16u);
  EXPECT_TRUE(c.isGood(0));
}

TEST(Hypercube, BadGeneratorsAreRefused) {
  const uint64_t notUnit[] = {17};
  EXPECT_THROW(hl::Hypercube(4369, 2, notUnit), std::invalid_argument);
  const uint64_t redundant[] = {43863, 43863 * 43863 % 53261, 28680, 15913};
  EXPECT_THROW(hl::Hypercube(53261, 2, redundant), std::invalid_argument);
  EXPECT_THROW(hl::Hypercube(4369, 17), std::invalid_argument);
  EXPECT_THROW(hl::Hypercube(4369, 2).locate(17), std::invalid_argument);
}

}  // namespace
