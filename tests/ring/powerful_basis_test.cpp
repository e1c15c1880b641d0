#include "helib-like/ring/powerful_basis.h"

#include <NTL/ZZ_pX.h>
#include <NTL/lzz_p.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "helib-like/math/cyclotomic_dft.h"
#include "helib-like/math/powerful_dft.h"
#include "ring/powerful_basis_detail.h"

namespace {

struct Factor {
  uint64_t pe, phi;
};

// The prime power factors of m in increasing order, by trial division (independent of the
// library's factorisation).
std::vector<Factor> factorsOf(uint64_t m) {
  std::vector<Factor> f;
  for (uint64_t p = 2; m > 1; ++p) {
    if (m % p != 0) continue;
    uint64_t pe = 1;
    while (m % p == 0) {
      m /= p;
      pe *= p;
    }
    f.push_back({pe, pe / p * (p - 1)});
  }
  std::sort(f.begin(), f.end(), [](const Factor& a, const Factor& b) { return a.pe < b.pe; });
  return f;
}

NTL::ZZ_pX phiModT(uint64_t m) {
  NTL::ZZ_pX phi;
  const auto c = hl::cyclotomicPolynomial(m);
  for (size_t i = 0; i < c.size(); ++i) NTL::SetCoeff(phi, static_cast<long>(i), c[i]);
  return phi;
}

// The NTL model (ZZ_pX modulo Phi_m, p = t): the element sum_J a_J prod_i X^((m/m_i) j_i) with
// the exponents added over the integers (not reduced mod m, coefficients added where exponents
// meet), then reduced modulo Phi_m. The current ZZ_p modulus must be t.
std::vector<uint64_t> modelPowerfulToPower(uint64_t m, const std::vector<uint64_t>& a) {
  const auto f = factorsOf(m);
  NTL::ZZ_pX x;
  std::vector<uint64_t> j(f.size(), 0);
  for (size_t J = 0; J < a.size(); ++J) {
    long e = 0;
    for (size_t i = 0; i < f.size(); ++i) e += static_cast<long>((m / f[i].pe) * j[i]);
    NTL::SetCoeff(x, e, NTL::coeff(x, e) + NTL::conv<NTL::ZZ_p>(NTL::conv<NTL::ZZ>(a[J])));
    for (size_t i = f.size(); i-- > 0;) {  // row-major, last factor fastest
      if (++j[i] < f[i].phi) break;
      j[i] = 0;
    }
  }
  const NTL::ZZ_pX r = x % phiModT(m);
  std::vector<uint64_t> out(a.size(), 0);
  for (long i = 0; i <= NTL::deg(r); ++i) out[i] = NTL::conv<uint64_t>(NTL::rep(NTL::coeff(r, i)));
  return out;
}

using Case = std::tuple<uint64_t, uint64_t>;  // m, t
class PowerfulToPowerMod : public ::testing::TestWithParam<Case> {};

// Against the NTL model, against hl::powerfulToPower over the integers (where its result fits
// in 64 bits) and, for the unreduced form, congruence modulo Phi_m.
TEST_P(PowerfulToPowerMod, MatchesNtlAndTheIntegerBasisChange) {
  const auto [m, t] = GetParam();
  const size_t n = hl::eulerPhi(m);
  const hl::Modulus T(t);
  NTL::ZZ_pPush push(NTL::conv<NTL::ZZ>(t));
  std::mt19937_64 rng(m * 31 + t);
  for (int round = 0; round < 3; ++round) {
    std::vector<uint64_t> a(n);
    for (auto& x : a) x = rng() % t;
    if (round == 1) std::fill(a.begin(), a.end(), t - 1);  // every coefficient -1
    if (round == 2) {                                      // one basis element at a time
      std::fill(a.begin(), a.end(), 0);
      a[n - 1] = 1;
      a[rng() % n] = t - 1;
    }
    const std::vector<uint64_t> got = hl::powerfulToPowerMod(m, T, a);
    ASSERT_EQ(got.size(), n);
    EXPECT_EQ(got, modelPowerfulToPower(m, a)) << "round " << round;

    // The integer basis change on the centred inputs, reduced mod t.
    std::vector<int64_t> centred(n);
    for (size_t j = 0; j < n; ++j) {
      centred[j] = a[j] > t / 2 ? static_cast<int64_t>(a[j]) - static_cast<int64_t>(t)
                                : static_cast<int64_t>(a[j]);
    }
    try {
      const std::vector<int64_t> power = hl::powerfulToPower(m, centred);
      size_t wrong = 0;
      for (size_t j = 0; j < n; ++j) wrong += got[j] != T.reduceSigned(power[j]);
      EXPECT_EQ(wrong, 0u) << "round " << round;
    } catch (const std::overflow_error&) {
      // Some power-basis coefficient exceeds 64 bits (large t): only the NTL model applies.
    }

    // The unreduced polynomial: degree < m, congruent modulo Phi_m.
    const std::vector<uint64_t> un = hl::detail::powerfulToPowerModUnreduced(m, T, a);
    ASSERT_EQ(un.size(), m);
    NTL::ZZ_pX A;
    for (size_t i = 0; i < m; ++i) {
      ASSERT_LT(un[i], t);
      NTL::SetCoeff(A, static_cast<long>(i), NTL::conv<NTL::ZZ_p>(NTL::conv<NTL::ZZ>(un[i])));
    }
    const NTL::ZZ_pX r = A % phiModT(m);
    size_t wrong = 0;
    for (size_t j = 0; j < n; ++j) {
      wrong += got[j] != NTL::conv<uint64_t>(NTL::rep(NTL::coeff(r, static_cast<long>(j))));
    }
    EXPECT_EQ(wrong, 0u) << "round " << round;
  }
}

// m = 4369, 21845, 53261 (products of primes, the rings with a powerful working basis), a power
// of two (power and powerful bases coincide), 105 and 210 (odd and even products of small
// primes, where Phi_m has coefficients other than 0 and +-1 in 105's case), 81 = 3^4 and a
// prime; t = 2 (GF2X), 257^2 (composite, zz_pX), a 40-bit prime (zz_pX) and 2^61 - 1 (beyond
// NTL's single-precision bound: ZZ_pX).
INSTANTIATE_TEST_SUITE_P(
    Rings, PowerfulToPowerMod,
    ::testing::Combine(::testing::Values(4369, 21845, 53261, 4096, 105, 210, 81, 8191),
                       ::testing::Values(uint64_t{2}, uint64_t{257 * 257},
                                         uint64_t{1099511627689},  // 2^40 - 87, prime
                                         (uint64_t{1} << 61) - 1)),
    [](const auto& info) {
      return "m" + std::to_string(std::get<0>(info.param)) + "_t" +
             std::to_string(std::get<1>(info.param));
    });

// The exponent map is injective (no two powerful basis elements are the same monomial mod
// X^m - 1) and matches its definition.
TEST(PowerfulExponents, AreDistinctAndMatchTheDefinition) {
  for (uint64_t m : {105u, 210u, 81u, 4369u, 53261u, 1024u}) {
    const auto& e = hl::detail::powerfulExponents(m);
    const auto f = factorsOf(m);
    ASSERT_EQ(e.size(), hl::eulerPhi(m));
    std::vector<uint32_t> sorted(e.begin(), e.end());
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(std::adjacent_find(sorted.begin(), sorted.end()), sorted.end()) << "m = " << m;
    EXPECT_LT(sorted.back(), m);
    std::mt19937_64 rng(m);
    for (int k = 0; k < 100; ++k) {
      size_t J = rng() % e.size(), rest = J;
      uint64_t want = 0;
      for (size_t i = f.size(); i-- > 0;) {
        want = (want + (m / f[i].pe) * (rest % f[i].phi)) % m;
        rest /= f[i].phi;
      }
      EXPECT_EQ(e[J], want) << "m = " << m << ", J = " << J;
    }
  }
}

// Concurrent first calls build the cached tables once, every thread gets the right result,
// and the caller's NTL zz_p modulus is left as it was.
TEST(PowerfulToPowerModThreads, ConcurrentCallsAgreeAndKeepTheCallersModulus) {
  const uint64_t m = 1155;  // 3 * 5 * 7 * 11, used by no other test: the cache starts empty
  const size_t n = hl::eulerPhi(m);
  const hl::Modulus T(65537 * 3);
  std::vector<uint64_t> a(n);
  std::mt19937_64 rng(5);
  for (auto& x : a) x = rng() % T.value();
  std::vector<std::vector<uint64_t>> results(4);
  std::vector<long> moduli(4);
  std::vector<std::thread> threads;
  for (size_t k = 0; k < results.size(); ++k) {
    threads.emplace_back([&, k] {
      NTL::zz_p::init(17 + 2 * static_cast<long>(k));
      results[k] = hl::powerfulToPowerMod(m, T, a);
      moduli[k] = NTL::zz_p::modulus();
    });
  }
  for (auto& th : threads) th.join();
  NTL::ZZ_pPush push(NTL::conv<NTL::ZZ>(T.value()));
  const auto want = modelPowerfulToPower(m, a);
  for (size_t k = 0; k < results.size(); ++k) {
    EXPECT_EQ(results[k], want) << "thread " << k;
    EXPECT_EQ(moduli[k], 17 + 2 * static_cast<long>(k));
  }
}

TEST(PowerfulToPowerModErrors, RejectsBadInput) {
  const hl::Modulus T(2);
  std::vector<uint64_t> a(hl::eulerPhi(105), 0);
  EXPECT_THROW(hl::powerfulToPowerMod(105, T, std::span<const uint64_t>(a).first(47)),
               std::invalid_argument);
  a[3] = 2;
  EXPECT_THROW(hl::powerfulToPowerMod(105, T, a), std::invalid_argument);
  EXPECT_THROW(hl::detail::powerfulToPowerModUnreduced(105, T, a), std::invalid_argument);
  EXPECT_THROW(hl::powerfulToPowerMod(1, T, std::vector<uint64_t>{}), std::invalid_argument);
  EXPECT_THROW(hl::powerfulToPowerMod(uint64_t{1} << 31, T, a), std::invalid_argument);
}

}  // namespace
