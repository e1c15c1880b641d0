// The AVX-512 IFMA RNS kernels (src/math/rns_kernels_ifma_impl.h) run on the portable lane-by-
// lane emulation of tests/math/ifma_emulation.h, extended with the instructions only these
// kernels use, so that they are checked bit for bit on machines without AVX-512.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "helib-like/math/modulus.h"
#include "helib-like/math/primes.h"
#include "ifma_emulation.h"
#include "math/rns_kernels.h"
#include "math/rns_kernels_ifma_impl.h"

namespace {

using u128 = unsigned __int128;
namespace rns = hl::detail::ifma::rns;

// The emulated instruction set plus vpsrlvq, vpsllvq, vpmovzxbq and vpgatherqq, each after the
// Intel Intrinsics Guide pseudocode of the intrinsic rns_kernels_avx512ifma.cpp uses.
struct RnsEmulatedOps : hl::test::EmulatedOps {
  // _mm512_srlv_epi64 / _mm512_sllv_epi64: counts above 63 give 0.
  static Reg srlv(Reg a, Reg count) {
    return map([&](int i) { return count.lane[i] > 63 ? 0 : a.lane[i] >> count.lane[i]; });
  }
  static Reg sllv(Reg a, Reg count) {
    return map([&](int i) { return count.lane[i] > 63 ? 0 : a.lane[i] << count.lane[i]; });
  }
  // _mm512_cvtepu8_epi64(_mm_loadl_epi64(p)): the 8 bytes at p, zero-extended.
  static Reg loadBytes(const uint8_t* p) {
    return map([&](int i) { return static_cast<uint64_t>(p[i]); });
  }
  // _mm512_cvtepu32_epi64(_mm256_loadu_si256(p)): the 8 words of 32 bits at p, zero-extended.
  static Reg loadU32(const uint32_t* p) {
    return map([&](int i) { return static_cast<uint64_t>(p[i]); });
  }
  // _mm512_i64gather_epi64(index, base, 8): lane i = the word at base + 8 * index_i bytes.
  static Reg gather(const uint64_t* base, Reg index) {
    return map([&](int i) { return base[index.lane[i]]; });
  }
  // _mm512_cmpeq_epu64_mask(a, b) == 0xFF.
  static bool equal(Reg a, Reg b) {
    for (int i = 0; i < 8; ++i)
      if (a.lane[i] != b.lane[i]) return false;
    return true;
  }
};
using E = RnsEmulatedOps;

TEST(RnsIfmaEmulated, ExtraOpsFollowTheInstructionSemantics) {
  const E::Reg a = E::set1(0xF0F0F0F0F0F0F0F0ull);
  const uint64_t counts[8] = {0, 1, 4, 52, 63, 64, 100, ~uint64_t{0}};
  const E::Reg r = E::srlv(a, E::loadu(counts)), l = E::sllv(a, E::loadu(counts));
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(r.lane[i], counts[i] > 63 ? 0 : 0xF0F0F0F0F0F0F0F0ull >> counts[i]);
    EXPECT_EQ(l.lane[i], counts[i] > 63 ? 0 : 0xF0F0F0F0F0F0F0F0ull << counts[i]);
  }
  const uint8_t bytes[8] = {0, 1, 2, 255, 7, 64, 3, 3};
  const E::Reg b = E::loadBytes(bytes);
  std::vector<uint64_t> table(256);
  for (size_t i = 0; i < table.size(); ++i) table[i] = 1000 + i;
  const E::Reg g = E::gather(table.data(), b);
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(b.lane[i], bytes[i]);
    EXPECT_EQ(g.lane[i], 1000u + bytes[i]);
  }
}

// Primes of 50, 40, 36, 20 bits, just above 2^49 (2^49 + 69), 2^30 and 2^20, and 17, the
// smallest the kernels take.
std::vector<uint64_t> testPrimes() {
  std::vector<uint64_t> p = hl::generatePrimes(50, 2, 2);
  for (int bits : {40, 36, 20}) p.push_back(hl::generatePrimes(bits, 1, 2)[0]);
  for (int bits : {49, 30, 20}) {
    uint64_t q = (uint64_t{1} << bits) + 1;
    while (!hl::isPrime(q)) q += 2;
    p.push_back(q);
  }
  p.push_back(17);
  return p;
}

const std::vector<size_t> kLengths = {0, 1, 3, 7, 8, 9, 31, 1024 + 5};

std::vector<uint64_t> randomRow(size_t n, uint64_t bound, std::mt19937_64& rng) {
  std::vector<uint64_t> v(n);
  for (auto& x : v) {
    const uint64_t r = rng();
    x = (r & 7) == 0 ? 0 : (r & 7) == 1 ? bound - 1 : (r >> 3) % bound;
  }
  if (n > 0) v[n - 1] = bound - 1;
  return v;
}

std::string where(uint64_t q, size_t n) {
  return "q=" + std::to_string(q) + " n=" + std::to_string(n);
}

TEST(RnsIfmaEmulated, ElementwiseOpsMatchInt128) {
  std::mt19937_64 rng(41);
  for (uint64_t q : testPrimes()) {
    for (size_t n : kLengths) {
      SCOPED_TRACE(where(q, n));
      const auto a = randomRow(n, q, rng), b = randomRow(n, q, rng);
      for (uint64_t c : {rng() % q, q - 1, uint64_t{0}, uint64_t{1}}) {
        std::vector<uint64_t> mul(n), add(n), sub(n), mulc(n), submul(n), out(n);
        for (size_t j = 0; j < n; ++j) {
          mul[j] = static_cast<uint64_t>(static_cast<u128>(a[j]) * b[j] % q);
          add[j] = static_cast<uint64_t>((static_cast<u128>(a[j]) + b[j]) % q);
          sub[j] = static_cast<uint64_t>((static_cast<u128>(a[j]) + q - b[j]) % q);
          mulc[j] = static_cast<uint64_t>(static_cast<u128>(a[j]) * c % q);
          submul[j] = static_cast<uint64_t>(static_cast<u128>(sub[j]) * c % q);
        }
        rns::mulMod<E>(q, a.data(), b.data(), out.data(), n);
        EXPECT_EQ(out, mul);
        rns::addMod<E>(q, a.data(), b.data(), out.data(), n);
        EXPECT_EQ(out, add);
        rns::subMod<E>(q, a.data(), b.data(), out.data(), n);
        EXPECT_EQ(out, sub);
        rns::mulScalarMod<E>(q, a.data(), c, out.data(), n);
        EXPECT_EQ(out, mulc) << "c=" << c;
        rns::subMulScalarMod<E>(q, a.data(), b.data(), c, out.data(), n);
        EXPECT_EQ(out, submul) << "c=" << c;
        // out = out * d + (a - b) * c, and out = out + a * c (b absent).
        for (uint64_t d : {uint64_t{1}, q - 1}) {
          std::vector<uint64_t> acc = mul, fused(n), fusedNoB(n);
          for (size_t j = 0; j < n; ++j) {
            fused[j] = static_cast<uint64_t>(
                (static_cast<u128>(mul[j]) * d + static_cast<u128>(sub[j]) * c) % q);
            fusedNoB[j] = static_cast<uint64_t>(
                (static_cast<u128>(mul[j]) * d + static_cast<u128>(a[j]) * c) % q);
          }
          rns::subMulScalarAddMod<E>(q, a.data(), b.data(), c, d, acc.data(), n);
          EXPECT_EQ(acc, fused) << "c=" << c << " d=" << d;
          acc = mul;
          rns::subMulScalarAddMod<E>(q, a.data(), nullptr, c, d, acc.data(), n);
          EXPECT_EQ(acc, fusedNoB) << "c=" << c << " d=" << d;
        }
      }
      // The gather through a permutation, with and without the product.
      std::vector<uint32_t> perm(n);
      for (size_t j = 0; j < n; ++j) perm[j] = static_cast<uint32_t>((j * 7 + 3) % n);
      std::vector<uint64_t> gathered(n), gmul(n);
      for (size_t j = 0; j < n; ++j) {
        gathered[j] = a[perm[j]];
        gmul[j] = static_cast<uint64_t>(static_cast<u128>(a[perm[j]]) * b[j] % q);
      }
      if (n % 7 != 0) {  // j -> 7j + 3 is a permutation of [0, n)
        std::vector<uint64_t> g(n), gm = b;
        rns::gatherMulMod<E>(q, a.data(), perm.data(), nullptr, g.data(), n);
        EXPECT_EQ(g, gathered);
        rns::gatherMulMod<E>(q, a.data(), perm.data(), gm.data(), gm.data(), n);  // out = b
        EXPECT_EQ(gm, gmul);
      }
      // Every product at its largest, in place.
      std::vector<uint64_t> m(n, q - 1), expect(n);
      for (size_t j = 0; j < n; ++j) {
        expect[j] = static_cast<uint64_t>(static_cast<u128>(q - 1) * (q - 1) % q);
      }
      rns::mulMod<E>(q, m.data(), m.data(), m.data(), n);
      EXPECT_EQ(m, expect);
    }
  }
}

std::vector<const uint64_t*> pointers(const std::vector<std::vector<uint64_t>>& rows) {
  std::vector<const uint64_t*> p;
  p.reserve(rows.size());
  for (const auto& r : rows) p.push_back(r.data());
  return p;
}

// Bit-identical with the scalar level of the library (and with unsigned __int128), including
// the largest sums: 64 products (q - 1)^2, or 64 digits 2^50 - 1 times q - 1 plus q - 1.
TEST(RnsIfmaEmulated, InnerProductsMatchScalarLevelAndInt128) {
  std::mt19937_64 rng(42);
  // Plus two plaintext moduli 2^r, the target of a conversion mod t (even: no Montgomery step).
  std::vector<uint64_t> moduli = testPrimes();
  moduli.push_back(256);
  moduli.push_back(uint64_t{1} << 20);
  for (uint64_t q : moduli) {
    const hl::Modulus mod(q);
    for (size_t terms : {1, 3, 7, 8, 15, 16, 17, 64}) {
      for (size_t n : kLengths) {
        SCOPED_TRACE(where(q, n) + " terms=" + std::to_string(terms));
        std::vector<std::vector<uint64_t>> x, y, u;
        for (size_t t = 0; t < terms; ++t) {
          x.push_back(randomRow(n, q, rng));
          y.push_back(randomRow(n, q, rng));
          u.push_back(randomRow(n, uint64_t{1} << 50, rng));
        }
        // Odd term counts use a doubled correction table (scaleDown's combined index): 16
        // entries for 7 terms (the largest in registers), gathers beyond.
        const size_t corrSize = terms % 2 == 1 ? 2 * (terms + 1) : terms + 1;
        auto hat = randomRow(terms, q, rng), corr = randomRow(corrSize, q, rng);
        std::vector<uint8_t> neg(n);
        for (auto& c : neg) c = static_cast<uint8_t>(rng() % corrSize);
        if (n > 1) {
          for (size_t t = 0; t < terms; ++t) {
            x[t][1] = y[t][1] = q - 1;
            u[t][1] = (uint64_t{1} << 50) - 1;
          }
          for (auto& h : hat) h = q - 1;
          corr[corrSize - 1] = q - 1;
          neg[1] = static_cast<uint8_t>(corrSize - 1);
        }
        std::vector<uint64_t> dot(n), conv(n);
        for (size_t j = 0; j < n; ++j) {
          u128 s = 0, c = corr[neg[j]];
          for (size_t t = 0; t < terms; ++t) {
            s += static_cast<u128>(x[t][j]) * y[t][j];
            c += static_cast<u128>(u[t][j]) * hat[t];
          }
          dot[j] = static_cast<uint64_t>(s % q);
          conv[j] = static_cast<uint64_t>(c % q);
        }
        const auto px = pointers(x), py = pointers(y), pu = pointers(u);
        std::vector<uint64_t> out(n), scalar(n);
        const bool prime = (q & 1) != 0;  // inner products with key rows: prime moduli only
        if (prime) rns::dotProductMod<E>(q, px.data(), py.data(), terms, out.data(), n);
        if (prime) ASSERT_EQ(out, dot);
        if (prime && q >> 32 == 0) {  // the rows of y in 32-bit words
          std::vector<std::vector<uint32_t>> narrow;
          std::vector<const uint32_t*> pn;
          for (const auto& row : y) narrow.emplace_back(row.begin(), row.end());
          for (const auto& row : narrow) pn.push_back(row.data());
          std::vector<uint64_t> viaNarrow(n);
          rns::dotProductMod<E, uint32_t>(q, px.data(), pn.data(), terms, viaNarrow.data(), n);
          ASSERT_EQ(viaNarrow, dot);
        }
        if (prime) {
          hl::detail::dotProductMod(mod, px.data(), py.data(), terms, scalar.data(), n,
                                    hl::SimdLevel::kScalar);
          ASSERT_EQ(out, scalar);
        }
        rns::baseConvert<E>(q, pu.data(), hat.data(), terms, neg.data(), corr.data(), corrSize,
                            out.data(), n);
        ASSERT_EQ(out, conv);
        hl::detail::baseConvert(mod, pu.data(), hat.data(), terms, neg.data(), corr.data(),
                                corrSize, scalar.data(), n, hl::SimdLevel::kScalar);
        ASSERT_EQ(out, scalar);
      }
    }
  }
}

// The final Barrett step on x = N q + r near the quotients where its estimate is worst (just
// below 2^(b-1), just below q, at the top of its domain x < q^2 + 2^53): for q = 2^49 + 69 and
// N = 2^49 - 1, the estimate is 2 too small, which the second correction must catch.
TEST(RnsIfmaEmulated, BarrettStepIsExactAtItsEdges) {
  for (uint64_t q : testPrimes()) {
    const rns::Consts<E> c = rns::makeConsts<E>(q);
    int b = 0;
    while ((q >> b) != 0) ++b;
    const u128 limit = static_cast<u128>(q) * q + (u128{1} << 53);
    const u128 top = (limit - 1) / q;
    std::vector<u128> xs;
    for (u128 center : {(u128{1} << (b - 1)) - 1, static_cast<u128>(q) - 1, top - 100}) {
      for (u128 N = center > 100 ? center - 100 : 0; N <= center + 100; ++N) {
        for (uint64_t r : {uint64_t{0}, uint64_t{1}, uint64_t{2}, q / 2, q - 1}) {
          const u128 x = N * q + r;
          if (x < limit) xs.push_back(x);
        }
      }
    }
    while (xs.size() % 8 != 0) xs.push_back(xs.back());
    for (size_t i = 0; i < xs.size(); i += 8) {
      uint64_t lo[8], hi[8], res[8];
      for (int l = 0; l < 8; ++l) {
        lo[l] = static_cast<uint64_t>(xs[i + l]) & rns::kMask52;
        hi[l] = static_cast<uint64_t>(xs[i + l] >> 52);
      }
      E::storeu(res, rns::barrett<E>(E::loadu(lo), E::loadu(hi), c));
      for (int l = 0; l < 8; ++l) {
        ASSERT_EQ(res[l], static_cast<uint64_t>(xs[i + l] % q))
            << "q=" << q << " N=" << static_cast<uint64_t>(xs[i + l] / q);
      }
    }
  }
}

// Eight lanes of a wide sum hi * 2^52 + lo: lo below 2^59, hi at most hiMax, by turns at their
// largest, both zero, and random (hi at every magnitude).
void wideLimbs(std::mt19937_64& rng, int trial, uint64_t hiMax, uint64_t (&lo)[8],
               uint64_t (&hi)[8]) {
  for (int i = 0; i < 8; ++i) {
    const int shape = (trial + i) % 4;
    lo[i] = shape == 0 ? (uint64_t{1} << 59) - 1 : rng() >> 5;
    hi[i] = shape == 1 ? hiMax : (rng() % (hiMax + 1)) >> (rng() % 54);
    if (shape == 2) lo[i] = hi[i] = 0;
  }
}

// The Barrett steps at the edges of their ranges: every high limb below 2^54 reaches the
// reduction of wide sums through a single coefficient (one term hi * 2^52 + lo is not a
// product, so this drives reduceWide directly).
TEST(RnsIfmaEmulated, WideReductionCoversItsWholeDomain) {
  std::mt19937_64 rng(43);
  for (uint64_t q : testPrimes()) {
    const rns::Consts<E> c = rns::makeConsts<E>(q);
    for (int trial = 0; trial < 2000; ++trial) {
      uint64_t lo[8], hi[8];
      wideLimbs(rng, trial, (uint64_t{1} << 54) - 1, lo, hi);
      uint64_t res[8];
      E::storeu(res, rns::reduceWide<E>(E::loadu(lo), E::loadu(hi), c));
      for (int i = 0; i < 8; ++i) {
        const u128 x = (static_cast<u128>(hi[i]) << 52) + lo[i];
        ASSERT_EQ(res[i], static_cast<uint64_t>(x % q))
            << "q=" << q << " hi=" << hi[i] << " lo=" << lo[i];
      }
    }
  }
}

// Montgomery's step for the inner products of at most kMontgomeryTerms terms: for every high
// limb H up to that many products' (11 * 2^48) and low limb L below 2^59, r * 2^52 = H * 2^52 + L
// (mod q) with r below H + q + 2^7; then the two ways to [0, q) (Shoup's product by 2^52 mod q,
// and the conditional subtractions) give the residue of H * 2^52 + L.
TEST(RnsIfmaEmulated, MontgomeryStepCoversItsDomain) {
  std::mt19937_64 rng(44);
  const uint64_t hMax = rns::kMontgomeryTerms * (uint64_t{1} << 48);
  for (uint64_t q : testPrimes()) {
    const rns::Consts<E> c = rns::makeConsts<E>(q);
    for (int trial = 0; trial < 2000; ++trial) {
      uint64_t lo[8], hi[8];
      wideLimbs(rng, trial, hMax, lo, hi);
      uint64_t r[8], viaShoup[8];
      const auto rv = rns::montgomery<E>(E::loadu(lo), E::loadu(hi), c);
      E::storeu(r, rv);
      E::storeu(viaShoup, rns::mulShoup<E>(rv, c.c52, c.c52Shoup, c));
      for (int i = 0; i < 8; ++i) {
        const u128 x = (static_cast<u128>(hi[i]) << 52) + lo[i];
        ASSERT_LT(r[i], hi[i] + q + 128) << "q=" << q;
        ASSERT_EQ((static_cast<u128>(r[i]) << 52) % q, x % q) << "q=" << q;
        ASSERT_EQ(viaShoup[i], static_cast<uint64_t>(x % q)) << "q=" << q;
      }
    }
    // The subtractions of baseConvert for k terms: every r below their bound reaches [0, q).
    for (size_t k : {1, 4, 7, 11}) {
      const rns::Subtractions<E> sub(q, k);
      const u128 bound = static_cast<u128>(q) * (k + 4) / 4 + 128;
      for (int trial = 0; trial < 200; ++trial) {
        uint64_t x[8], out[8];
        for (int i = 0; i < 8; ++i) {
          x[i] = trial == 0 ? static_cast<uint64_t>(bound - 1 - i)
                            : static_cast<uint64_t>(static_cast<u128>(rng()) % bound);
        }
        E::storeu(out, sub.apply(E::loadu(x)));
        for (int i = 0; i < 8; ++i) ASSERT_EQ(out[i], x[i] % q) << "q=" << q << " k=" << k;
      }
    }
  }
}

}  // namespace
