#include "helib-like/bgv/security.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <vector>

namespace {

struct TablePoint {
  size_t n;
  double logQ;
  double bits;
};

// HomomorphicEncryption.org standard (2018), ternary secret, classical: n = 2^10 .. 2^15;
// OpenFHE stdlatticeparms.cpp (HEStd_ternary, from ePrint 2024/463): n = 2^16, 2^17.
const std::vector<TablePoint> kDenseTable = {
    {1024, 27, 128},   {1024, 19, 192},     {1024, 14, 256},     {2048, 54, 128},
    {2048, 37, 192},   {2048, 29, 256},     {4096, 109, 128},    {4096, 75, 192},
    {4096, 58, 256},   {8192, 218, 128},    {8192, 152, 192},    {8192, 118, 256},
    {16384, 438, 128}, {16384, 305, 192},   {16384, 237, 256},   {32768, 881, 128},
    {32768, 611, 192}, {32768, 476, 256},   {65536, 1747, 128},  {65536, 1199, 192},
    {65536, 929, 256}, {131072, 3523, 128}, {131072, 2411, 192}, {131072, 1866, 256},
};

// Sparse ternary secrets, h = 128 and h = 256 (ePrint 2024/463 scripts, sparse-tables.py).
struct SparsePoint {
  size_t h;
  size_t n;
  double logQ;
  double bits;
};
const std::vector<SparsePoint> kSparseTable = {
    {128, 16384, 361, 128},   {128, 16384, 202, 192},   {128, 16384, 125, 256},
    {128, 32768, 718, 128},   {128, 32768, 404, 192},   {128, 32768, 245, 256},
    {128, 65536, 1450, 128},  {128, 65536, 821, 192},   {128, 65536, 493, 256},
    {128, 131072, 2950, 128}, {128, 131072, 1700, 192}, {128, 131072, 1018, 256},
    {256, 16384, 413, 128},   {256, 16384, 270, 192},   {256, 16384, 194, 256},
    {256, 32768, 818, 128},   {256, 32768, 531, 192},   {256, 32768, 378, 256},
    {256, 65536, 1637, 128},  {256, 65536, 1068, 192},  {256, 65536, 772, 256},
    {256, 131072, 3325, 128}, {256, 131072, 2187, 192}, {256, 131072, 1531, 256},
};

// A security estimate may be pessimistic, not optimistic: at every point of every column the
// estimate is at most 1.5 bits above the table and at most 8 bits below it.
TEST(Security, DenseEstimateIsConservativeAtEveryTablePoint) {
  double over = -1e9, under = 1e9;
  for (const auto& p : kDenseTable) {
    const double est = hl::estimateSecurityBits(p.n, p.logQ);
    EXPECT_LE(est, p.bits + 1.5) << "n = " << p.n << ", log2 Q = " << p.logQ;
    EXPECT_GE(est, p.bits - 8.0) << "n = " << p.n << ", log2 Q = " << p.logQ;
    over = std::max(over, est - p.bits);
    under = std::min(under, est - p.bits);
    // One bit more modulus than the table allows is below the column's level + 1.5 too, and
    // the estimate falls as the modulus grows.
    EXPECT_LT(hl::estimateSecurityBits(p.n, p.logQ + 1), est);
  }
  RecordProperty("largest_overestimate_bits", std::to_string(over));
  RecordProperty("largest_underestimate_bits", std::to_string(-under));
  std::printf("dense estimate against the tables: at most %.2f bits above, %.2f bits below\n",
              over, -under);
}

TEST(Security, MaxLogModulusMatchesThe128BitRow) {
  for (const auto& p : kDenseTable) {
    if (p.bits != 128) continue;
    const double logQ = hl::maxLogModulusForSecurity(p.n, 128);
    EXPECT_NEAR(logQ, p.logQ, 0.01 * p.logQ) << "n = " << p.n;
  }
}

TEST(Security, MaxLogModulusInvertsTheEstimate) {
  for (size_t h : {size_t{0}, size_t{128}, size_t{200}, size_t{256}, size_t{1000}}) {
    for (size_t n : {size_t{4096}, size_t{46080}, size_t{65536}}) {
      for (double bits : {80.0, 128.0, 150.0, 192.0, 256.0, 300.0}) {
        const double logQ = hl::maxLogModulusForSecurity(n, bits, h);
        EXPECT_NEAR(hl::estimateSecurityBits(n, logQ, h), bits, 1e-9)
            << "h = " << h << ", n = " << n << ", bits = " << bits;
        EXPECT_LT(hl::estimateSecurityBits(n, logQ + 1, h), bits);
      }
    }
  }
}

TEST(Security, MonotoneInModulusAndDimension) {
  for (size_t h : {size_t{0}, size_t{128}, size_t{256}}) {
    double prev = 1e9;
    for (double logQ = 20; logQ < 3000; logQ += 7) {
      const double est = hl::estimateSecurityBits(46080, logQ, h);
      EXPECT_LE(est, prev) << "logQ = " << logQ;
      prev = est;
    }
    prev = 0;
    for (size_t n = 1024; n <= 131072; n += 1024) {
      const double est = hl::estimateSecurityBits(n, 900, h);
      EXPECT_GE(est, prev) << "n = " << n;
      prev = est;
    }
  }
}

TEST(Security, NonPowerOfTwoDimensionInterpolates) {
  // m = 53261, n = 46080 (the AES reference ring) sits between the 2^15 and 2^16 rows.
  const double lo = hl::maxLogModulusForSecurity(32768, 128);
  const double hi = hl::maxLogModulusForSecurity(65536, 128);
  const double mid = hl::maxLogModulusForSecurity(46080, 128);
  EXPECT_GT(mid, lo);
  EXPECT_LT(mid, hi);
  EXPECT_NEAR(mid, 881.0 * 46080 / 32768, 15.0);
}

TEST(Security, SparseSecretsAreConservativeAgainstTheirTables) {
  for (const auto& p : kSparseTable) {
    const double est = hl::estimateSecurityBits(p.n, p.logQ, p.h);
    // Never above the published value (each row is built from the weakest n), and at most
    // 8 bits below it.
    EXPECT_LE(est, p.bits + 1e-9) << "h = " << p.h << ", n = " << p.n << ", logQ = " << p.logQ;
    EXPECT_GE(est, p.bits - 8) << "h = " << p.h << ", n = " << p.n << ", logQ = " << p.logQ;
  }
}

TEST(Security, SparseSecretsAreNeverStrongerThanDense) {
  for (size_t h : {size_t{128}, size_t{129}, size_t{255}, size_t{256}, size_t{4000}}) {
    for (double logQ : {50.0, 300.0, 800.0, 1200.0, 1800.0}) {
      const double dense = hl::estimateSecurityBits(46080, logQ);
      const double sparse = hl::estimateSecurityBits(46080, logQ, h);
      EXPECT_LE(sparse, dense);
      if (dense > 0) {
        EXPECT_LT(sparse, dense) << "h = " << h << ", logQ = " << logQ;
      }
    }
  }
  // Heavier weights are never estimated weaker than lighter ones.
  EXPECT_LE(hl::estimateSecurityBits(32768, 700, 128), hl::estimateSecurityBits(32768, 700, 256));
  EXPECT_EQ(hl::estimateSecurityBits(32768, 700, 128), hl::estimateSecurityBits(32768, 700, 255));
}

TEST(Security, TooSparseSecretsGetNoEstimate) {
  EXPECT_EQ(hl::estimateSecurityBits(32768, 300, 1), 0.0);
  EXPECT_EQ(hl::estimateSecurityBits(32768, 300, 64), 0.0);
  EXPECT_EQ(hl::estimateSecurityBits(32768, 300, hl::kMinEstimatedHammingWeight - 1), 0.0);
  EXPECT_GT(hl::estimateSecurityBits(32768, 300, hl::kMinEstimatedHammingWeight), 128.0);
  EXPECT_THROW(hl::maxLogModulusForSecurity(32768, 128, 64), std::invalid_argument);
}

TEST(Security, SmallRingsClampToZero) {
  EXPECT_EQ(hl::estimateSecurityBits(8, 200), 0.0);
  EXPECT_EQ(hl::estimateSecurityBits(1, 1e6, 1), 0.0);
  EXPECT_GT(hl::estimateSecurityBits(1024, 10), 256.0);
}

TEST(Security, RejectsBadInput) {
  EXPECT_THROW(hl::estimateSecurityBits(0, 100), std::invalid_argument);
  EXPECT_THROW(hl::estimateSecurityBits(1024, 0), std::invalid_argument);
  EXPECT_THROW(hl::estimateSecurityBits(1024, -5), std::invalid_argument);
  EXPECT_THROW(hl::estimateSecurityBits(1024, std::nan("")), std::invalid_argument);
  EXPECT_THROW(hl::estimateSecurityBits(1024, INFINITY), std::invalid_argument);
  EXPECT_THROW(hl::estimateSecurityBits(1024, 20, 1025), std::invalid_argument);
  EXPECT_THROW(hl::maxLogModulusForSecurity(0, 128), std::invalid_argument);
  EXPECT_THROW(hl::maxLogModulusForSecurity(1024, 0), std::invalid_argument);
  EXPECT_THROW(hl::maxLogModulusForSecurity(1024, -1), std::invalid_argument);
  EXPECT_THROW(hl::maxLogModulusForSecurity(1024, 128, 2000), std::invalid_argument);
  // n = 8 cannot reach 128 bits with any modulus of positive size.
  EXPECT_THROW(hl::maxLogModulusForSecurity(8, 128), std::invalid_argument);
}

}  // namespace
