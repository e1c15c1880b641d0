#include "helib-like/math/modulus.h"

#include <gtest/gtest.h>

#include <NTL/ZZ.h>

#include <random>
#include <stdexcept>

namespace {

uint64_t ntlMulMod(uint64_t a, uint64_t b, uint64_t q) {
  NTL::ZZ r = NTL::MulMod(NTL::conv<NTL::ZZ>(a), NTL::conv<NTL::ZZ>(b), NTL::conv<NTL::ZZ>(q));
  return NTL::conv<unsigned long>(r);
}

// Moduli at the edges of the allowed range, plus typical NTT primes.
const uint64_t kModuli[] = {2,
                            3,
                            65537,
                            (1ull << 32) - 5,
                            (1ull << 32) + 15,
                            1125899906826241ull,    // 50-bit prime, 1 mod 2^18
                            (1ull << 50) - 27,      // largest 50-bit prime
                            (1ull << 61) - 1,       // Mersenne prime
                            (1ull << 62) - 57,      // largest 62-bit prime
                            (1ull << 62) - 1,       // composite, top of the range
                            1ull << 40};

TEST(Modulus, ArithmeticMatchesNtlOnRandomAndEdgeValues) {
  std::mt19937_64 rng(1);
  for (uint64_t q : kModuli) {
    hl::Modulus mod(q);
    std::vector<uint64_t> vals = {0, 1, q - 1, q / 2, q - 2 < q ? q - 2 : 0};
    for (int i = 0; i < 300; ++i) vals.push_back(rng() % q);
    for (uint64_t a : vals) {
      for (uint64_t b : {vals[0], vals[1], vals[2], vals[3], vals[(a % 50) + 5]}) {
        ASSERT_EQ(mod.mul(a, b), ntlMulMod(a, b, q)) << a << " * " << b << " mod " << q;
        ASSERT_EQ(mod.add(a, b), static_cast<uint64_t>((static_cast<unsigned __int128>(a) + b) % q));
        ASSERT_EQ(mod.sub(a, b), static_cast<uint64_t>((static_cast<unsigned __int128>(a) + q - b) % q));
        const uint64_t ws = mod.shoup(b);
        ASSERT_EQ(mod.mulShoup(a, b, ws), ntlMulMod(a, b, q));
        const uint64_t lazy = mod.mulShoupLazy(a, b, ws);
        ASSERT_LT(lazy, 2 * q);
        ASSERT_EQ(lazy % q, ntlMulMod(a, b, q));
      }
      ASSERT_EQ(mod.neg(a), (q - a) % q);
      uint64_t big = rng();
      ASSERT_EQ(mod.reduce(big), big % q);
      int64_t s = static_cast<int64_t>(rng());
      NTL::ZZ zs = NTL::conv<NTL::ZZ>(static_cast<long>(s)) % NTL::conv<NTL::ZZ>(q);
      ASSERT_EQ(mod.reduceSigned(s), NTL::conv<unsigned long>(zs)) << s;
    }
    for (int64_t s : {INT64_MIN, INT64_MIN + 1, int64_t{-1}, int64_t{0}, INT64_MAX}) {
      NTL::ZZ zs = NTL::conv<NTL::ZZ>(static_cast<long>(s)) % NTL::conv<NTL::ZZ>(q);
      ASSERT_EQ(mod.reduceSigned(s), NTL::conv<unsigned long>(zs)) << s << " mod " << q;
    }
  }
}

TEST(Modulus, Reduce128MatchesNtlForFullProducts) {
  std::mt19937_64 rng(2);
  for (uint64_t q : kModuli) {
    hl::Modulus mod(q);
    for (int i = 0; i < 1000; ++i) {
      uint64_t hi = rng() % q, lo = rng();
      unsigned __int128 z = (static_cast<unsigned __int128>(hi) << 64) | lo;
      NTL::ZZ zz = (NTL::conv<NTL::ZZ>(hi) << 64) + NTL::conv<NTL::ZZ>(lo);
      ASSERT_EQ(mod.reduce128(z), NTL::conv<unsigned long>(zz % NTL::conv<NTL::ZZ>(q)));
    }
  }
}

TEST(Modulus, PowerAndInverseMatchNtl) {
  std::mt19937_64 rng(3);
  for (uint64_t q : kModuli) {
    hl::Modulus mod(q);
    NTL::ZZ zq = NTL::conv<NTL::ZZ>(q);
    for (int i = 0; i < 100; ++i) {
      uint64_t a = rng() % q, e = rng();
      ASSERT_EQ(mod.pow(a, e),
                NTL::conv<unsigned long>(NTL::PowerMod(NTL::conv<NTL::ZZ>(a), NTL::conv<NTL::ZZ>(e), zq)));
      if (NTL::GCD(NTL::conv<NTL::ZZ>(a), zq) == 1) {
        uint64_t ai = mod.inv(a);
        ASSERT_EQ(ai, NTL::conv<unsigned long>(NTL::InvMod(NTL::conv<NTL::ZZ>(a), zq)));
        ASSERT_EQ(mod.mul(a, ai), 1 % q);
      } else {
        EXPECT_THROW(mod.inv(a), std::invalid_argument);
      }
    }
  }
}

TEST(Modulus, RejectsOutOfRangeModuli) {
  EXPECT_THROW(hl::Modulus(0), std::invalid_argument);
  EXPECT_THROW(hl::Modulus(1), std::invalid_argument);
  EXPECT_THROW(hl::Modulus(1ull << 62), std::invalid_argument);
  EXPECT_THROW(hl::Modulus(~0ull), std::invalid_argument);
  EXPECT_THROW(hl::Modulus(65537).inv(0), std::invalid_argument);
}

}  // namespace
