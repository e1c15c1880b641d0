#include "math/fixed_multiplier.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "helib-like/math/primes.h"
#include "ifma_emulation.h"
#include "math/fixed_multiplier_ifma_impl.h"
#include "math/ntt_kernels.h"
#include "helib-like/math/ntt.h"

namespace {

std::vector<hl::SimdLevel> levelsToTest() {
  std::vector<hl::SimdLevel> levels = {hl::SimdLevel::kScalar};
  for (auto l : {hl::SimdLevel::kAvx2, hl::SimdLevel::kAvx512Ifma}) {
    if (hl::cpuSupports(l)) levels.push_back(l);
  }
  return levels;
}

// Every kernel against Modulus::mul (Barrett), inputs anywhere in [0, 2q), every tail length.
TEST(FixedMultiplier, MatchesBarrettProductOnEveryKernel) {
  std::mt19937_64 rng(21);
  for (int bits : {20, 36, 50}) {
    const uint64_t q = hl::generatePrimes(bits, 1, 2)[0];
    hl::Modulus mod(q);
    for (size_t n : {1, 3, 8, 13, 64, 1031}) {
      std::vector<uint64_t> w(n), a(n);
      for (auto& x : w) x = rng() % q;
      for (auto& x : a) x = rng() % (2 * q);
      w[0] = q - 1;
      a[0] = 2 * q - 1;
      for (auto level : levelsToTest()) {
        hl::detail::FixedMultiplier fm(w, mod, level);
        std::vector<uint64_t> out(n), lazy(n);
        fm.apply(out.data(), a.data(), n);
        fm.applyLazy(lazy.data(), a.data(), n);
        for (size_t i = 0; i < n; ++i) {
          const uint64_t expect = mod.mul(a[i] % q, w[i]);
          ASSERT_EQ(out[i], expect) << "level " << hl::toString(level) << " i=" << i;
          ASSERT_LT(lazy[i], 2 * q);
          ASSERT_EQ(lazy[i] % q, expect);
        }
        // In place.
        std::vector<uint64_t> b = a;
        fm.apply(b.data(), b.data(), n);
        ASSERT_EQ(b, out);
        // A sub-range of the constants.
        if (n > 5) {
          std::vector<uint64_t> part(n - 5);
          fm.apply(part.data(), a.data() + 5, n - 5, 5);
          ASSERT_TRUE(std::equal(part.begin(), part.end(), out.begin() + 5));
        }
      }
    }
  }
}

// The AVX2 inverse NTT with the product folded into its first stages equals the two passes.
TEST(FixedMultiplier, FusedAvx2InverseMatchesProductThenInverse) {
  if (!hl::cpuSupports(hl::SimdLevel::kAvx2)) GTEST_SKIP() << "no AVX2 on this CPU";
  std::mt19937_64 rng(23);
  for (int bits : {36, 50}) {
    const uint64_t q = hl::generatePrimes(bits, 1, 1ull << 14)[0];
    hl::Modulus mod(q);
    for (int logn = 1; logn <= 13; ++logn) {
      const size_t n = size_t{1} << logn;
      hl::NttTables ntt(n, mod, 0, hl::SimdLevel::kAvx2);
      std::vector<uint64_t> w(n), a(n);
      for (auto& x : w) x = rng() % q;
      for (auto& x : a) x = rng() % (2 * q);
      a[0] = 2 * q - 1;
      w[0] = q - 1;
      hl::detail::FixedMultiplier fm(w, mod, hl::SimdLevel::kAvx2);
      if (fm.level() != hl::SimdLevel::kAvx2 || ntt.level() != hl::SimdLevel::kAvx2) {
        GTEST_SKIP() << "no AVX2 kernels in this build";
      }
      std::vector<uint64_t> expect = a, got = a;
      fm.applyLazy(expect.data(), expect.data(), n);
      ntt.inverse(expect.data());
      hl::detail::NttKernelArgs args;
      hl::detail::fillKernelArgs(ntt, args);
      hl::detail::nttInverseMulAvx2(got.data(), args, fm.doubles());
      ASSERT_EQ(got, expect) << "n=" << n << " q=" << q;
    }
  }
}

// The IFMA kernel's algorithm on emulated instructions (this machine may lack AVX-512).
TEST(FixedMultiplier, IfmaAlgorithmMatchesOnEmulatedInstructions) {
  std::mt19937_64 rng(22);
  for (int bits : {30, 50}) {
    const uint64_t q = hl::generatePrimes(bits, 1, 2)[0];
    hl::Modulus mod(q);
    const size_t n = 77;
    std::vector<uint64_t> w(n), ws(n), a(n), out(n), lazy(n);
    for (size_t i = 0; i < n; ++i) {
      w[i] = i == 0 ? q - 1 : rng() % q;
      ws[i] = static_cast<uint64_t>((static_cast<unsigned __int128>(w[i]) << 52) / q);
      a[i] = i == 0 ? 2 * q - 1 : rng() % (2 * q);
    }
    hl::detail::ifma::mulFixed<hl::test::EmulatedOps, false>(out.data(), a.data(), w.data(),
                                                             ws.data(), n, q);
    hl::detail::ifma::mulFixed<hl::test::EmulatedOps, true>(lazy.data(), a.data(), w.data(),
                                                            ws.data(), n, q);
    for (size_t i = 0; i < n; ++i) {
      const uint64_t expect = mod.mul(a[i] % q, w[i]);
      ASSERT_EQ(out[i], expect) << i;
      ASSERT_LT(lazy[i], 2 * q);
      ASSERT_EQ(lazy[i] % q, expect);
    }
  }
}

}  // namespace
