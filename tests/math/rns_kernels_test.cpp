// The RNS kernels of src/math/rns_kernels.h at every level this machine runs, against
// unsigned __int128 arithmetic.
#include "math/rns_kernels.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "helib-like/detail/aligned.h"
#include "helib-like/math/primes.h"

namespace {

using hl::SimdLevel;
using u128 = unsigned __int128;
using Row = hl::detail::AlignedVector<uint64_t>;

constexpr uint64_t kDigitBound = uint64_t{1} << 50;

std::vector<SimdLevel> levelsToTest() {
  std::vector<SimdLevel> levels = {SimdLevel::kScalar};
  for (auto l : {SimdLevel::kAvx2, SimdLevel::kAvx512Ifma}) {
    if (hl::cpuSupports(l)) levels.push_back(l);
  }
  return levels;
}

// Primes just below 2^50, of 40, 36 and 20 bits, just above 2^49 and 2^30 (the quotient
// estimates are tightest just above a power of two), and tiny ones (17 is the smallest the IFMA
// kernels take; 3 runs them at the next level down).
std::vector<uint64_t> testPrimes() {
  std::vector<uint64_t> p = hl::generatePrimes(50, 2, 2);
  for (int bits : {40, 36, 20}) p.push_back(hl::generatePrimes(bits, 1, 2)[0]);
  for (int bits : {49, 30}) {
    uint64_t q = (uint64_t{1} << bits) + 1;
    while (!hl::isPrime(q)) q += 2;
    p.push_back(q);
  }
  p.push_back(17);
  p.push_back(3);
  return p;
}

const std::vector<size_t> kLengths = {0, 1, 3, 7, 8, 9, 31, 4096 + 5};

// Random values below `bound`, with the edge values 0 and bound - 1 sprinkled in (and at both
// ends, so that the masked tails see them too).
Row randomRow(size_t n, uint64_t bound, std::mt19937_64& rng) {
  Row v(n);
  for (auto& x : v) {
    const uint64_t r = rng();
    x = (r & 7) == 0 ? 0 : (r & 7) == 1 ? bound - 1 : (r >> 3) % bound;
  }
  if (n > 0) v[n - 1] = bound - 1;
  if (n > 1) v[0] = bound - 1;
  return v;
}

std::string where(uint64_t q, size_t n, SimdLevel level) {
  return "q=" + std::to_string(q) + " n=" + std::to_string(n) + " level " +
         std::string(hl::toString(level));
}

TEST(RnsKernels, LevelFallsBackForTinyPrimes) {
  const hl::Modulus small(3), big(hl::generatePrimes(50, 1, 2)[0]);
  EXPECT_EQ(hl::detail::rnsKernelLevel(big, SimdLevel::kScalar), SimdLevel::kScalar);
  EXPECT_NE(hl::detail::rnsKernelLevel(small, SimdLevel::kAvx512Ifma), SimdLevel::kAvx512Ifma);
  for (auto level : levelsToTest()) {
    EXPECT_LE(hl::detail::rnsKernelLevel(big, level), level);
  }
}

TEST(RnsKernels, ElementwiseOpsMatchInt128OnEveryLevel) {
  std::mt19937_64 rng(31);
  for (uint64_t q : testPrimes()) {
    const hl::Modulus mod(q);
    for (size_t n : kLengths) {
      const Row a = randomRow(n, q, rng), b = randomRow(n, q, rng);
      const uint64_t c = rng() % q;
      Row mul(n), add(n), sub(n), mulc(n), mulcMax(n), submul(n);
      for (size_t j = 0; j < n; ++j) {
        mul[j] = static_cast<uint64_t>(static_cast<u128>(a[j]) * b[j] % q);
        add[j] = static_cast<uint64_t>((static_cast<u128>(a[j]) + b[j]) % q);
        sub[j] = static_cast<uint64_t>((static_cast<u128>(a[j]) + q - b[j]) % q);
        mulc[j] = static_cast<uint64_t>(static_cast<u128>(a[j]) * c % q);
        mulcMax[j] = static_cast<uint64_t>(static_cast<u128>(a[j]) * (q - 1) % q);
        submul[j] = static_cast<uint64_t>(static_cast<u128>(sub[j]) * c % q);
      }
      for (auto level : levelsToTest()) {
        SCOPED_TRACE(where(q, n, level));
        Row out(n, ~uint64_t{0});
        hl::detail::mulMod(mod, a.data(), b.data(), out.data(), n, level);
        EXPECT_EQ(out, mul);
        hl::detail::addMod(mod, a.data(), b.data(), out.data(), n, level);
        EXPECT_EQ(out, add);
        hl::detail::subMod(mod, a.data(), b.data(), out.data(), n, level);
        EXPECT_EQ(out, sub);
        hl::detail::mulScalarMod(mod, a.data(), c, out.data(), n, level);
        EXPECT_EQ(out, mulc);
        hl::detail::mulScalarMod(mod, a.data(), q - 1, out.data(), n, level);
        EXPECT_EQ(out, mulcMax);
        hl::detail::subMulScalarMod(mod, a.data(), b.data(), c, out.data(), n, level);
        EXPECT_EQ(out, submul);
      }
    }
  }
}

// The fused accumulation out = out * d + (a - b) * c, with b absent (zeros) and d = 1 or not,
// at the largest inputs too, and in place (out = a, out = b).
TEST(RnsKernels, SubMulScalarAddMatchesInt128OnEveryLevel) {
  std::mt19937_64 rng(36);
  for (uint64_t q : testPrimes()) {
    const hl::Modulus mod(q);
    for (size_t n : kLengths) {
      Row a = randomRow(n, q, rng), b = randomRow(n, q, rng), acc = randomRow(n, q, rng);
      if (n > 1) {  // every term at its largest
        a[1] = acc[1] = q - 1;
        b[1] = 0;
      }
      for (uint64_t c : {rng() % q, q - 1}) {
        for (uint64_t d : {uint64_t{1}, rng() % q, q - 1}) {
          for (bool withB : {true, false}) {
            Row expect(n);
            for (size_t j = 0; j < n; ++j) {
              const u128 x = withB ? (static_cast<u128>(a[j]) + q - b[j]) % q : a[j];
              expect[j] = static_cast<uint64_t>((static_cast<u128>(acc[j]) * d + x * c) % q);
            }
            for (auto level : levelsToTest()) {
              SCOPED_TRACE(where(q, n, level) + " c=" + std::to_string(c) +
                           " d=" + std::to_string(d) + (withB ? " with b" : " no b"));
              Row out = acc;
              hl::detail::subMulScalarAddMod(mod, a.data(), withB ? b.data() : nullptr, c, d,
                                             out.data(), n, level);
              EXPECT_EQ(out, expect);
              if (withB) {  // out = b
                Row inPlace = b, bufA = a;
                Row exp2(n);
                for (size_t j = 0; j < n; ++j) {
                  const u128 x = (static_cast<u128>(a[j]) + q - b[j]) % q;
                  exp2[j] = static_cast<uint64_t>((static_cast<u128>(b[j]) * d + x * c) % q);
                }
                hl::detail::subMulScalarAddMod(mod, bufA.data(), inPlace.data(), c, d,
                                               inPlace.data(), n, level);
                EXPECT_EQ(inPlace, exp2);
              }
            }
          }
        }
      }
    }
  }
}

// The automorphism gather, alone and fused with a product, against a plain loop; out = b too.
TEST(RnsKernels, GatherMulModMatchesInt128OnEveryLevel) {
  std::mt19937_64 rng(36);
  for (uint64_t q : testPrimes()) {
    const hl::Modulus mod(q);
    for (size_t n : kLengths) {
      const Row a = randomRow(n, q, rng), b = randomRow(n, q, rng);
      for (int kind = 0; kind < 2; ++kind) {
        // kind 0: a random permutation; kind 1: runs of consecutive indices in random order, as
        // automorphisms have (the kernels load such groups of 8 instead of gathering them), some
        // with two neighbours swapped (8 distinct indices spanning 8 values, not in order).
        std::vector<uint32_t> perm(n);
        for (size_t j = 0; j < n; ++j) perm[j] = static_cast<uint32_t>(j);
        if (kind == 0) {
          std::shuffle(perm.begin(), perm.end(), rng);
        } else {
          std::vector<std::vector<uint32_t>> runs;
          for (size_t j = 0; j < n;) {
            const size_t len = std::min<size_t>(n - j, 1 + rng() % 40);
            runs.emplace_back(perm.begin() + j, perm.begin() + j + len);
            if (len > 4 && rng() % 3 == 0)
              std::swap(runs.back()[len / 2], runs.back()[len / 2 + 1]);
            j += len;
          }
          std::shuffle(runs.begin(), runs.end(), rng);
          perm.clear();
          for (const auto& r : runs) perm.insert(perm.end(), r.begin(), r.end());
        }
        Row gathered(n), product(n);
        for (size_t j = 0; j < n; ++j) {
          gathered[j] = a[perm[j]];
          product[j] = static_cast<uint64_t>(static_cast<u128>(a[perm[j]]) * b[j] % q);
        }
        for (auto level : levelsToTest()) {
          SCOPED_TRACE(where(q, n, level));
          Row out(n, ~uint64_t{0});
          hl::detail::gatherMulMod(mod, a.data(), perm.data(), nullptr, out.data(), n, level);
          EXPECT_EQ(out, gathered);
          hl::detail::gatherMulMod(mod, a.data(), perm.data(), b.data(), out.data(), n, level);
          EXPECT_EQ(out, product);
          Row inPlace = b;
          hl::detail::gatherMulMod(mod, a.data(), perm.data(), inPlace.data(), inPlace.data(), n,
                                   level);
          EXPECT_EQ(inPlace, product);
        }
      }
    }
  }
}

// In place (out = a or out = b) and on rows that start off a 32-byte boundary.
TEST(RnsKernels, ElementwiseOpsWorkInPlaceAndUnaligned) {
  std::mt19937_64 rng(32);
  const uint64_t q = hl::generatePrimes(50, 1, 2)[0];
  const hl::Modulus mod(q);
  const size_t n = 45;
  const Row a0 = randomRow(n + 1, q, rng), b0 = randomRow(n + 1, q, rng);
  const uint64_t c = rng() % q;
  for (auto level : levelsToTest()) {
    SCOPED_TRACE(hl::toString(level));
    for (int op = 0; op < 5; ++op) {
      auto run = [&](const uint64_t* a, const uint64_t* b, uint64_t* out) {
        switch (op) {
          case 0:
            return hl::detail::mulMod(mod, a, b, out, n, level);
          case 1:
            return hl::detail::addMod(mod, a, b, out, n, level);
          case 2:
            return hl::detail::subMod(mod, a, b, out, n, level);
          case 3:
            return hl::detail::mulScalarMod(mod, a, c, out, n, level);
          default:
            return hl::detail::subMulScalarMod(mod, a, b, c, out, n, level);
        }
      };
      Row expect(n);
      run(a0.data() + 1, b0.data() + 1, expect.data());
      Row a = a0, b = b0;
      run(a.data() + 1, b.data() + 1, a.data() + 1);
      EXPECT_TRUE(std::equal(expect.begin(), expect.end(), a.begin() + 1)) << "op " << op;
      if (op != 3) {
        a = a0;
        run(a.data() + 1, b.data() + 1, b.data() + 1);
        EXPECT_TRUE(std::equal(expect.begin(), expect.end(), b.begin() + 1)) << "op " << op;
      }
    }
  }
}

std::vector<const uint64_t*> pointers(const std::vector<Row>& rows) {
  std::vector<const uint64_t*> p;
  p.reserve(rows.size());
  for (const auto& r : rows) p.push_back(r.data());
  return p;
}

TEST(RnsKernels, DotProductMatchesInt128OnEveryLevel) {
  std::mt19937_64 rng(33);
  for (uint64_t q : testPrimes()) {
    const hl::Modulus mod(q);
    for (size_t terms : {1, 2, 4, 8, 9, 17, 64}) {
      for (size_t n : kLengths) {
        std::vector<Row> x, y;
        for (size_t t = 0; t < terms; ++t) {
          x.push_back(randomRow(n, q, rng));
          y.push_back(randomRow(n, q, rng));
        }
        if (n > 3) {
          // One coefficient with every product at its largest, and one where every product is
          // (q - 1)/2 mod q: its remainders all have the same sign and the largest magnitude,
          // which is what the AVX2 accumulator must absorb between reductions.
          for (size_t t = 0; t < terms; ++t) {
            x[t][2] = y[t][2] = q - 1;
            x[t][3] = 1 + rng() % (q - 1);
            y[t][3] = mod.mul((q - 1) / 2, mod.inv(x[t][3]));
          }
        }
        Row expect(n);
        for (size_t j = 0; j < n; ++j) {
          u128 s = 0;
          for (size_t t = 0; t < terms; ++t) s += static_cast<u128>(x[t][j]) * y[t][j];
          expect[j] = static_cast<uint64_t>(s % q);
        }
        const auto px = pointers(x), py = pointers(y);
        for (auto level : levelsToTest()) {
          SCOPED_TRACE(where(q, n, level) + " terms=" + std::to_string(terms));
          Row out(n, ~uint64_t{0});
          hl::detail::dotProductMod(mod, px.data(), py.data(), terms, out.data(), n, level);
          ASSERT_EQ(out, expect);
          if (n > 0) {  // out = x[0]
            Row x0 = x[0];
            auto pxa = px;
            pxa[0] = x0.data();
            hl::detail::dotProductMod(mod, pxa.data(), py.data(), terms, x0.data(), n, level);
            ASSERT_EQ(x0, expect);
          }
        }
      }
    }
  }
}

// Two inner products over shared x rows: each output equals its own int128 model, also where
// both key parts are at their extremes; for primes below 2^32 also with the key rows in 32-bit
// words (dotProductMod2Narrow).
TEST(RnsKernels, DotProductPairMatchesInt128OnEveryLevel) {
  std::mt19937_64 rng(34);
  for (uint64_t q : testPrimes()) {
    const hl::Modulus mod(q);
    for (size_t terms : {1, 3, 8, 9, 64}) {
      for (size_t n : kLengths) {
        std::vector<Row> x, y0, y1;
        for (size_t t = 0; t < terms; ++t) {
          x.push_back(randomRow(n, q, rng));
          y0.push_back(randomRow(n, q, rng));
          y1.push_back(randomRow(n, q, rng));
        }
        if (n > 3) {
          for (size_t t = 0; t < terms; ++t) {
            x[t][2] = y0[t][2] = y1[t][2] = q - 1;
            x[t][3] = 1 + rng() % (q - 1);
            y1[t][3] = mod.mul((q - 1) / 2, mod.inv(x[t][3]));
          }
        }
        Row e0(n), e1(n);
        for (size_t j = 0; j < n; ++j) {
          u128 s0 = 0, s1 = 0;
          for (size_t t = 0; t < terms; ++t) {
            s0 += static_cast<u128>(x[t][j]) * y0[t][j];
            s1 += static_cast<u128>(x[t][j]) * y1[t][j];
          }
          e0[j] = static_cast<uint64_t>(s0 % q);
          e1[j] = static_cast<uint64_t>(s1 % q);
        }
        const auto px = pointers(x), p0 = pointers(y0), p1 = pointers(y1);
        for (auto level : levelsToTest()) {
          SCOPED_TRACE(where(q, n, level) + " terms=" + std::to_string(terms));
          Row out0(n, ~uint64_t{0}), out1(n, ~uint64_t{0});
          hl::detail::dotProductMod2(mod, px.data(), p0.data(), p1.data(), terms, out0.data(),
                                     out1.data(), n, level);
          ASSERT_EQ(out0, e0);
          ASSERT_EQ(out1, e1);
          if (q >> 32 != 0) continue;
          // The same key rows in 32-bit words (primes below 2^32).
          std::vector<std::vector<uint32_t>> n0, n1;
          std::vector<const uint32_t*> q0, q1;
          for (size_t t = 0; t < terms; ++t) {
            n0.emplace_back(y0[t].begin(), y0[t].end());
            n1.emplace_back(y1[t].begin(), y1[t].end());
          }
          for (size_t t = 0; t < terms; ++t) {
            q0.push_back(n0[t].data());
            q1.push_back(n1[t].data());
          }
          Row m0(n, ~uint64_t{0}), m1(n, ~uint64_t{0});
          hl::detail::dotProductMod2Narrow(mod, px.data(), q0.data(), q1.data(), terms,
                                           m0.data(), m1.data(), n, level);
          ASSERT_EQ(m0, e0);
          ASSERT_EQ(m1, e1);
        }
      }
    }
  }
}

// (sum_i u[i][j] hat[i] + corr[neg[j]]) mod q for every j, in 128-bit arithmetic.
Row expectedConversion(const std::vector<Row>& u, const Row& hat, const Row& corr,
                       const std::vector<uint8_t>& neg, uint64_t q) {
  Row expect(neg.size());
  for (size_t j = 0; j < neg.size(); ++j) {
    u128 s = corr[neg[j]];
    for (size_t i = 0; i < u.size(); ++i) s += static_cast<u128>(u[i][j]) * hat[i];
    expect[j] = static_cast<uint64_t>(s % q);
  }
  return expect;
}

// baseConvert at one level into a fresh row, against the expected values.
void convertAndCompare(const hl::Modulus& mod, const std::vector<const uint64_t*>& pu,
                       const Row& hat, const Row& corr, const std::vector<uint8_t>& neg,
                       const Row& expect, hl::SimdLevel level) {
  Row out(neg.size(), ~uint64_t{0});
  hl::detail::baseConvert(mod, pu.data(), hat.data(), pu.size(), neg.data(), corr.data(),
                          corr.size(), out.data(), neg.size(), level);
  ASSERT_EQ(out, expect);
}

TEST(RnsKernels, BaseConvertMatchesInt128OnEveryLevel) {
  std::mt19937_64 rng(34);
  for (uint64_t q : testPrimes()) {
    const hl::Modulus mod(q);
    for (size_t k : {1, 2, 4, 8, 9, 33, 64}) {
      for (size_t n : kLengths) {
        std::vector<Row> u;
        for (size_t i = 0; i < k; ++i) u.push_back(randomRow(n, kDigitBound, rng));
        // Odd k: a doubled correction table (scaleDown's combined index).
        const size_t corrSize = k % 2 == 1 ? 2 * (k + 1) : k + 1;
        Row hat = randomRow(k, q, rng), corr = randomRow(corrSize, q, rng);
        std::vector<uint8_t> neg(n);
        for (auto& c : neg) c = static_cast<uint8_t>(rng() % corrSize);
        if (n > 3) {
          // One coefficient with the digits and the correction at their largest (and half of
          // the hat), and one where
          // every product is (q - 1)/2 mod q (see DotProductMatchesInt128OnEveryLevel), with
          // digits above q where they fit.
          for (size_t i = 0; i < k; ++i) hat[i] = i % 2 == 0 ? q - 1 : 1 + rng() % (q - 1);
          for (size_t i = 0; i < k; ++i) {
            u[i][2] = kDigitBound - 1;
            const uint64_t v = mod.mul((q - 1) / 2, mod.inv(hat[i]));
            u[i][3] = v + q * (rng() % ((kDigitBound - 1 - v) / q + 1));
          }
          corr[corrSize - 1] = q - 1;
          neg[2] = static_cast<uint8_t>(corrSize - 1);
          neg[3] = 0;
        }
        if (n > 0) neg[n - 1] = static_cast<uint8_t>(corrSize - 1);
        const Row expect = expectedConversion(u, hat, corr, neg, q);
        const auto pu = pointers(u);
        for (auto level : levelsToTest()) {
          SCOPED_TRACE(where(q, n, level) + " k=" + std::to_string(k));
          convertAndCompare(mod, pu, hat, corr, neg, expect, level);
          if (n > 0) {  // out = u[0]
            Row u0 = u[0];
            auto pua = pu;
            pua[0] = u0.data();
            hl::detail::baseConvert(mod, pua.data(), hat.data(), k, neg.data(), corr.data(),
                                    corrSize, u0.data(), n, level);
            ASSERT_EQ(u0, expect);
          }
        }
      }
    }
  }
}

// The conversion mod the plaintext modulus t = 2^r (BaseConverter::convertModT): every level
// gives the residue in [0, t), with the digits and the correction at their largest.
TEST(RnsKernels, BaseConvertModPowerOfTwoOnEveryLevel) {
  std::mt19937_64 rng(35);
  for (uint64_t q : {uint64_t{32}, uint64_t{256}, uint64_t{1} << 20}) {
    const hl::Modulus mod(q);
    for (size_t k : {1, 4, 7, 12}) {
      for (size_t n : kLengths) {
        std::vector<Row> u;
        for (size_t i = 0; i < k; ++i) u.push_back(randomRow(n, kDigitBound, rng));
        const size_t corrSize = k + 1;
        Row hat = randomRow(k, q, rng), corr = randomRow(corrSize, q, rng);
        std::vector<uint8_t> neg(n);
        for (auto& c : neg) c = static_cast<uint8_t>(rng() % corrSize);
        if (n > 0) {
          for (size_t i = 0; i < k; ++i) {
            u[i][0] = kDigitBound - 1;
            hat[i] = q - 1;
          }
          corr[corrSize - 1] = q - 1;
          neg[0] = static_cast<uint8_t>(corrSize - 1);
        }
        const Row expect = expectedConversion(u, hat, corr, neg, q);
        const auto pu = pointers(u);
        for (auto level : levelsToTest()) {
          SCOPED_TRACE(where(q, n, level) + " k=" + std::to_string(k));
          convertAndCompare(mod, pu, hat, corr, neg, expect, level);
        }
      }
    }
  }
}

}  // namespace
