// The AVX-512 IFMA NTT algorithm (src/math/ntt_ifma_impl.h) run on a portable lane-by-lane
// emulation of the instructions it uses, so that it is checked on machines without AVX-512.
// Each operation follows the pseudocode of the Intel Intrinsics Guide for the intrinsic that
// src/math/ntt_avx512ifma.cpp uses in its place.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "helib-like/math/ntt.h"
#include "helib-like/math/primes.h"
#include "math/ntt_ifma_impl.h"
#include "math/ntt_kernels.h"
#include "ifma_emulation.h"

namespace {

using hl::test::EmulatedOps;


std::vector<uint64_t> randomVector(size_t n, uint64_t bound, std::mt19937_64& rng) {
  std::vector<uint64_t> v(n);
  for (auto& x : v) x = rng() % bound;
  return v;
}

TEST(NttIfmaEmulated, OpsFollowTheInstructionSemantics) {
  using E = EmulatedOps;
  const uint64_t big = (uint64_t{1} << 52) - 1;
  // The multiplicands' bits above 52 are ignored; the accumulator is added mod 2^64.
  E::Reg b = E::set1(big | (uint64_t{0xABC} << 52)), c = E::set1(big);
  E::Reg lo = E::madd52lo(E::set1(~uint64_t{0}), b, c);
  E::Reg hi = E::madd52hi(E::set1(5), b, c);
  // (2^52 - 1)^2 = 2^104 - 2^53 + 1: low 52 bits 1, high 52 bits 2^52 - 2.
  EXPECT_EQ(lo.lane[3], uint64_t{0});
  EXPECT_EQ(hi.lane[3], (uint64_t{1} << 52) - 2 + 5);
  E::Reg x = E::loadu(std::vector<uint64_t>{0, 1, 2, 3, 4, 5, 6, 7}.data());
  E::Reg y = E::loadu(std::vector<uint64_t>{10, 11, 12, 13, 14, 15, 16, 17}.data());
  E::Reg idx = E::loadu(std::vector<uint64_t>{8, 0, 15, 7, 9, 1, 12, 4}.data());
  E::Reg p = E::permutex2var(x, idx, y);
  const std::vector<uint64_t> expect = {10, 0, 17, 7, 11, 1, 14, 4};
  for (int i = 0; i < 8; ++i) EXPECT_EQ(p.lane[i], expect[i]);
  E::Reg s = E::set1Split(1, 2);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(s.lane[i], i < 4 ? 1u : 2u);
}

// The tail's layout changes are the permutations they claim to be: a round trip S0 -> S1 -> S2
// -> S3 -> S0 (forward) and S0 -> S3 -> S2 -> S1 -> S0 (inverse) is the identity, and in S1, S2,
// S3 the stride-4, 2, 1 partners sit in the same lane of the two vectors.
TEST(NttIfmaEmulated, TailPermutationsPairThePartners) {
  using E = EmulatedOps;
  namespace ifma = hl::detail::ifma;
  for (bool inverse : {false, true}) {
    const ifma::PermPair* perms = inverse ? ifma::kInvPerm : ifma::kFwdPerm;
    const uint64_t strides[3] = {inverse ? 1u : 4u, 2, inverse ? 4u : 1u};
    std::vector<uint64_t> in(16);
    for (uint64_t i = 0; i < 16; ++i) in[i] = i;
    E::Reg a0 = E::loadu(in.data()), a1 = E::loadu(in.data() + 8);
    for (int step = 0; step < 4; ++step) {
      const E::Reg lo = E::permutex2var(a0, E::loadu(perms[step].lo.lane), a1);
      const E::Reg hi = E::permutex2var(a0, E::loadu(perms[step].hi.lane), a1);
      a0 = lo;
      a1 = hi;
      if (step < 3) {
        for (int i = 0; i < 8; ++i) {
          EXPECT_EQ(a1.lane[i], a0.lane[i] + strides[step]) << "step " << step << " lane " << i;
          EXPECT_EQ(a0.lane[i] & strides[step], 0u);
        }
      }
    }
    for (int i = 0; i < 8; ++i) {
      EXPECT_EQ(a0.lane[i], static_cast<uint64_t>(i));
      EXPECT_EQ(a1.lane[i], static_cast<uint64_t>(8 + i));
    }
  }
}

// Bit-identical with the scalar kernel for every length, on 50-bit and 36-bit primes, with lazy
// inputs up to 4q - 1 (forward) and 2q - 1 (inverse).
TEST(NttIfmaEmulated, MatchesScalarKernel) {
  std::mt19937_64 rng(11);
  const uint64_t primes[] = {hl::generatePrimes(50, 1, uint64_t{1} << 18)[0],
                             hl::generatePrimes(36, 1, uint64_t{1} << 18)[0]};
  for (uint64_t q : primes) {
    hl::Modulus mod(q);
    for (int logn = 0; logn <= 17; ++logn) {
      const size_t n = size_t{1} << logn;
      hl::NttTables tables(n, mod, 0, hl::SimdLevel::kAvx512Ifma);  // builds the IFMA tables
      hl::NttTables scalar(n, mod, 0, hl::SimdLevel::kScalar);
      hl::detail::NttKernelArgs args;
      hl::detail::fillKernelArgs(tables, args);

      auto a = randomVector(n, 4 * q, rng);
      a[0] = 4 * q - 1;
      a[n - 1] = 4 * q - 1;
      auto ref = a, x = a;
      scalar.forward(ref.data());
      hl::detail::ifma::forward<EmulatedOps>(x.data(), args);
      ASSERT_EQ(x, ref) << "forward n=" << n << " q=" << q;

      auto b = randomVector(n, 2 * q, rng);
      b[0] = 2 * q - 1;
      b[n - 1] = 2 * q - 1;
      auto refInv = b, y = b;
      scalar.inverse(refInv.data());
      hl::detail::ifma::inverse<EmulatedOps>(y.data(), args);
      ASSERT_EQ(y, refInv) << "inverse n=" << n << " q=" << q;

      // Round trip from the forward output (plus q on some words, still below 2q).
      for (size_t k = 0; k < n; k += 3) x[k] += q;
      hl::detail::ifma::inverse<EmulatedOps>(x.data(), args);
      for (size_t j = 0; j < n; ++j) ASSERT_EQ(x[j], a[j] % q) << "round trip n=" << n;
    }
  }
}

// All-maximal inputs drive every lazy bound to its edge.
TEST(NttIfmaEmulated, MatchesScalarKernelOnExtremeInputs) {
  const uint64_t q = hl::generatePrimes(50, 1, uint64_t{1} << 18)[0];
  hl::Modulus mod(q);
  for (int logn : {4, 5, 6, 7, 11, 12, 15}) {
    const size_t n = size_t{1} << logn;
    hl::NttTables tables(n, mod, 0, hl::SimdLevel::kAvx512Ifma);  // builds the IFMA tables
    hl::NttTables scalar(n, mod, 0, hl::SimdLevel::kScalar);
    hl::detail::NttKernelArgs args;
    hl::detail::fillKernelArgs(tables, args);
    for (uint64_t fill : {4 * q - 1, 2 * q, q, uint64_t{0}}) {
      std::vector<uint64_t> ref(n, fill), x(n, fill);
      scalar.forward(ref.data());
      hl::detail::ifma::forward<EmulatedOps>(x.data(), args);
      ASSERT_EQ(x, ref) << "forward n=" << n;
      const uint64_t inv = fill % (2 * q);
      std::vector<uint64_t> r2(n, inv), y(n, inv);
      scalar.inverse(r2.data());
      hl::detail::ifma::inverse<EmulatedOps>(y.data(), args);
      ASSERT_EQ(y, r2) << "inverse n=" << n;
    }
  }
}

}  // namespace
