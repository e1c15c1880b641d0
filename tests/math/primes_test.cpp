#include "helib-like/math/primes.h"

#include <gtest/gtest.h>

#include <NTL/ZZ.h>

#include <random>
#include <stdexcept>

namespace {

TEST(Primes, IsPrimeMatchesNtl) {
  std::mt19937_64 rng(4);
  for (int i = 0; i < 20000; ++i) {
    uint64_t n = rng() >> (2 + i % 60);
    ASSERT_EQ(hl::isPrime(n), NTL::ProbPrime(NTL::conv<NTL::ZZ>(n), 40) != 0) << n;
  }
  // Strong pseudoprimes to several small bases.
  for (uint64_t n : {3215031751ull, 2152302898747ull, 3474749660383ull, 341550071728321ull,
                     3825123056546413051ull % (1ull << 62)}) {
    ASSERT_EQ(hl::isPrime(n), NTL::ProbPrime(NTL::conv<NTL::ZZ>(n), 40) != 0) << n;
  }
  EXPECT_FALSE(hl::isPrime(0));
  EXPECT_FALSE(hl::isPrime(1));
  EXPECT_TRUE(hl::isPrime(2));
}

TEST(Primes, GeneratesLargestPrimesWithTheDivisibility) {
  const uint64_t divisor = 2ull * 53261 * (1ull << 18);
  auto primes = hl::generatePrimes(50, 10, divisor);
  ASSERT_EQ(primes.size(), 10u);
  // The independent model: walk down the candidates with NTL's primality test.
  uint64_t q = ((1ull << 50) - 2) / divisor * divisor + 1;
  for (uint64_t p : primes) {
    while (!NTL::ProbPrime(NTL::conv<NTL::ZZ>(q), 40)) q -= divisor;
    EXPECT_EQ(p, q);
    EXPECT_EQ(p % divisor, 1u);
    EXPECT_EQ(64 - __builtin_clzll(p), 50);
    q -= divisor;
  }
  // Deterministic, and `exclude` skips primes already taken.
  EXPECT_EQ(hl::generatePrimes(50, 10, divisor), primes);
  auto more = hl::generatePrimes(50, 3, divisor, std::span<const uint64_t>(primes.data(), 2));
  EXPECT_EQ(more[0], primes[2]);
}

TEST(Primes, RejectsBadRequests) {
  EXPECT_THROW(hl::generatePrimes(51, 1, 2), std::invalid_argument);
  EXPECT_THROW(hl::generatePrimes(1, 1, 2), std::invalid_argument);
  EXPECT_THROW(hl::generatePrimes(30, 1, 0), std::invalid_argument);
  EXPECT_THROW(hl::generatePrimes(20, 1, 1ull << 21), std::runtime_error);
  EXPECT_THROW(hl::generatePrimes(12, 1000, 2), std::runtime_error);
}

}  // namespace
