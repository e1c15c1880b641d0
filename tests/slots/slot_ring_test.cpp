// The slot algebra against NTL: factors of Phi_m mod p^r, the root property that ties each
// factor to its slot, and decode / encode against direct evaluation a(zeta^u) in E.
#include "slots/slot_ring.h"

#include <NTL/ZZ_pX.h>
#include <gtest/gtest.h>

#include <random>

#include "helib-like/bgv/context.h"

namespace {

using hl::detail::SlotRing;

struct Ring {
  uint64_t m, p;
  unsigned r;
};

std::string ringName(const testing::TestParamInfo<Ring>& info) {
  return "m" + std::to_string(info.param.m) + "_p" + std::to_string(info.param.p) + "_r" +
         std::to_string(info.param.r);
}

class SlotRingTest : public testing::TestWithParam<Ring> {
 protected:
  void SetUp() override {
    const Ring& g = GetParam();
    ctx_ = hl::Context::create(
        {.m = g.m, .p = g.p, .r = g.r, .ciphertextBits = 120, .digits = 1, .allowInsecure = true});
    ring_ = SlotRing::of(*ctx_);
  }

  NTL::ZZ_pX poly(const std::vector<uint64_t>& c) const {
    NTL::ZZ_pX f;
    for (size_t i = 0; i < c.size(); ++i) {
      NTL::SetCoeff(f, static_cast<long>(i), NTL::conv<NTL::ZZ_p>(NTL::conv<NTL::ZZ>(c[i])));
    }
    return f;
  }
  std::vector<uint64_t> coeffs(const NTL::ZZ_pX& f, size_t len) const {
    std::vector<uint64_t> c(len, 0);
    for (long i = 0; i <= NTL::deg(f) && i < static_cast<long>(len); ++i) {
      c[i] = NTL::conv<uint64_t>(NTL::rep(NTL::coeff(f, i)));
    }
    return c;
  }
  std::vector<uint64_t> random(size_t len) {
    std::vector<uint64_t> v(len);
    for (auto& x : v) x = rng_() % ctx_->t();
    return v;
  }

  std::shared_ptr<const hl::Context> ctx_;
  std::shared_ptr<const SlotRing> ring_;
  std::mt19937_64 rng_{99};
};

TEST_P(SlotRingTest, FactorsMultiplyToPhiAndHaveTheirRootsInTheirSlots) {
  NTL::ZZ_pPush push(NTL::conv<NTL::ZZ>(ctx_->t()));
  const size_t d = ring_->degree(), ell = ring_->slots();
  EXPECT_EQ(d * ell, ctx_->n());
  EXPECT_EQ(d, ctx_->hypercube().degree());
  const NTL::ZZ_pX F = poly(ring_->slotPolynomial());
  ASSERT_EQ(NTL::deg(F), static_cast<long>(d));
  NTL::ZZ_pX prod;
  NTL::set(prod);
  NTL::ZZ_pXModulus Fmod(F);
  for (size_t s = 0; s < ell; ++s) {
    const NTL::ZZ_pX Fs = poly(ring_->factor(s));
    ASSERT_EQ(NTL::deg(Fs), static_cast<long>(d));
    EXPECT_TRUE(NTL::IsOne(NTL::LeadCoeff(Fs)));
    prod *= Fs;
    // F_s(zeta^u) = 0 in E = Z_t[Y]/F: the factor of slot s has the root zeta^u_s.
    NTL::ZZ_pX w, val;
    NTL::PowerMod(w, NTL::ZZ_pX(NTL::INIT_MONO, 1) % F,
                  static_cast<long>(ctx_->hypercube().representative(s)), Fmod);
    NTL::CompMod(val, Fs % F, w, Fmod);  // F_s = X^d + lower: compose the lower part, add w^d
    NTL::ZZ_pX wd;
    NTL::PowerMod(wd, w, static_cast<long>(d), Fmod);
    NTL::ZZ_pX lower = Fs;
    NTL::SetCoeff(lower, static_cast<long>(d), 0);
    NTL::CompMod(val, lower, w, Fmod);
    EXPECT_TRUE(NTL::IsZero(val + wd)) << "slot " << s;
  }
  NTL::ZZ_pX phi;
  const auto& c = ctx_->ring().phiPolynomial();
  for (size_t i = 0; i < c.size(); ++i) NTL::SetCoeff(phi, static_cast<long>(i), c[i]);
  EXPECT_EQ(prod, phi);
}

TEST_P(SlotRingTest, DecodeEvaluatesAtTheSlotRoots) {
  NTL::ZZ_pPush push(NTL::conv<NTL::ZZ>(ctx_->t()));
  const size_t d = ring_->degree(), ell = ring_->slots(), n = ctx_->n();
  const std::vector<uint64_t> a = random(n);
  std::vector<uint64_t> values(ell * d);
  ring_->decode(a, values);
  const NTL::ZZ_pX F = poly(ring_->slotPolynomial());
  NTL::ZZ_pXModulus Fmod(F);
  const NTL::ZZ_pX A = poly(a);
  // a(zeta^u) by Horner in E for a few slots spread over the hypercube.
  for (size_t s = 0; s < ell; s += std::max<size_t>(1, ell / 7)) {
    NTL::ZZ_pX w, acc;
    NTL::PowerMod(w, NTL::ZZ_pX(NTL::INIT_MONO, 1) % F,
                  static_cast<long>(ctx_->hypercube().representative(s)), Fmod);
    for (long i = NTL::deg(A); i >= 0; --i) {
      NTL::MulMod(acc, acc, w, Fmod);
      acc += NTL::coeff(A, i);
    }
    const std::vector<uint64_t> expect = coeffs(acc, d);
    EXPECT_EQ(std::vector<uint64_t>(values.begin() + s * d, values.begin() + (s + 1) * d), expect)
        << "slot " << s;
  }
}

TEST_P(SlotRingTest, EncodeInvertsDecodeAndProductsAreSlotwise) {
  NTL::ZZ_pPush push(NTL::conv<NTL::ZZ>(ctx_->t()));
  const size_t d = ring_->degree(), ell = ring_->slots(), n = ctx_->n();
  const std::vector<uint64_t> v = random(ell * d), w = random(ell * d);
  std::vector<uint64_t> a(n), b(n), back(ell * d);
  ring_->encode(v, a);
  ring_->decode(a, back);
  EXPECT_EQ(back, v);
  ring_->encode(w, b);
  // (a b mod Phi_m) decodes to the slot-wise products in E.
  NTL::ZZ_pX phi;
  const auto& c = ctx_->ring().phiPolynomial();
  for (size_t i = 0; i < c.size(); ++i) NTL::SetCoeff(phi, static_cast<long>(i), c[i]);
  const std::vector<uint64_t> ab = coeffs((poly(a) * poly(b)) % phi, n);
  ring_->decode(ab, back);
  for (size_t s = 0; s < ell; ++s) {
    std::vector<uint64_t> expect(d);
    ring_->mul(v.data() + s * d, w.data() + s * d, expect.data());
    ASSERT_EQ(std::vector<uint64_t>(back.begin() + s * d, back.begin() + (s + 1) * d), expect)
        << "slot " << s;
  }
}

TEST_P(SlotRingTest, AutomorphismsMoveSlotsAndFrobeniusActsInside) {
  NTL::ZZ_pPush push(NTL::conv<NTL::ZZ>(ctx_->t()));
  const size_t d = ring_->degree(), ell = ring_->slots(), n = ctx_->n();
  const hl::Hypercube& cube = ctx_->hypercube();
  const uint64_t m = ctx_->m();
  const std::vector<uint64_t> v = random(ell * d);
  std::vector<uint64_t> a(n), back(ell * d);
  ring_->encode(v, a);
  NTL::ZZ_pX phi;
  const auto& c = ctx_->ring().phiPolynomial();
  for (size_t i = 0; i < c.size(); ++i) NTL::SetCoeff(phi, static_cast<long>(i), c[i]);
  for (uint64_t k : {ctx_->p() % m, cube.dimensions() ? cube.generator(0) : 1,
                     ctx_->ring().units()[ctx_->ring().units().size() / 2]}) {
    // a(X^k) holds, in the slot of u, the value of a at zeta^(u k) = zeta^(u' p^j): slot u'
    // with Frobenius j.
    NTL::ZZ_pX ak;
    for (size_t i = 0; i < n; ++i) {
      const long e = static_cast<long>((i * k) % m);
      NTL::SetCoeff(ak, e, NTL::coeff(ak, e) + NTL::conv<NTL::ZZ_p>(NTL::conv<NTL::ZZ>(a[i])));
    }
    ring_->decode(coeffs(ak % phi, n), back);
    for (size_t s = 0; s < ell; ++s) {
      const auto pos = cube.locate((cube.representative(s) * k) % m);
      std::vector<uint64_t> expect(d);
      ring_->frobenius(v.data() + pos.slot * d, pos.frobenius, expect.data());
      ASSERT_EQ(std::vector<uint64_t>(back.begin() + s * d, back.begin() + (s + 1) * d), expect)
          << "k " << k << " slot " << s;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Rings, SlotRingTest,
                         testing::Values(Ring{4369, 2, 1}, Ring{21845, 2, 1}, Ring{819, 257, 2},
                                         Ring{256, 257, 1}, Ring{256, 257, 2}, Ring{91, 3, 3},
                                         Ring{2048, 12289, 1}),
                         ringName);

}  // namespace
