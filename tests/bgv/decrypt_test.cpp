// SecretKey::decrypt (powerful-basis lift where the chain works in the powerful basis) against
// the power-basis path it replaced (hl::detail::decryptViaPowerBasis) and the NTL model, on
// fresh ciphertexts, after every kind of operation, and with the capacity used up.
#include <gtest/gtest.h>

#include "bgv_fixture.h"

namespace {

using bgvtest::Fixture;
using bgvtest::fixtureFor;
using bgvtest::Model;
using bgvtest::randomPlaintext;
using bgvtest::Setting;

class Decrypt : public ::testing::TestWithParam<Setting> {};

void expectBothPaths(const Fixture& f, const hl::Ciphertext& c, const hl::Plaintext& want,
                     const std::string& what) {
  const hl::Plaintext got = f.sk->decrypt(c);
  EXPECT_EQ(got, hl::detail::decryptViaPowerBasis(*f.sk, c)) << what;
  EXPECT_EQ(got, want) << what;
}

TEST_P(Decrypt, MatchesThePowerBasisPathAndTheModel) {
  Fixture& f = fixtureFor(GetParam());
  const Model model(*f.ctx);
  const hl::Plaintext x = randomPlaintext(f), y = randomPlaintext(f);
  hl::Ciphertext a = f.pk->encrypt(x, f.prng);
  const hl::Ciphertext b = f.sk->encrypt(y, f.prng);
  expectBothPaths(f, a, x, "public-key encryption");
  expectBothPaths(f, b, y, "secret-key encryption");
  hl::Ciphertext prod = a;
  prod.multiply(b);  // three parts: the phase has an s^2 term
  expectBothPaths(f, prod, model.back(model.mul(model.of(x), model.of(y)), f.ctx), "3 parts");
  prod.relinearize(*f.keys);
  expectBothPaths(f, prod, model.back(model.mul(model.of(x), model.of(y)), f.ctx), "relin");
  a.automorph(f.rotation, *f.keys);
  expectBothPaths(f, a, model.back(model.automorph(model.of(x), f.rotation), f.ctx),
                  "automorphism");
  a.modSwitchTo(1);  // plaintext factor != 1
  expectBothPaths(f, a, model.back(model.automorph(model.of(x), f.rotation), f.ctx), "level 1");
}

// Squarings until the next one would throw, then (for t > 2) products by the constant
// floor(t/2), then doublings, each until the next would throw: the phase is then as large as
// the noise bound lets it be (less than a bit of capacity left), and both paths still agree
// with the model at every step.
TEST_P(Decrypt, MatchesThePowerBasisPathWithTheCapacityUsedUp) {
  Fixture& f = fixtureFor(GetParam());
  const Model model(*f.ctx);
  const hl::Plaintext x = randomPlaintext(f);
  hl::Ciphertext c = f.pk->encrypt(x, f.prng);
  NTL::ZZ_pX plain = model.of(x);
  int squarings = 0;
  for (;;) {
    hl::Ciphertext next = c;
    try {
      next.multiplyBy(c, *f.keys);
    } catch (const hl::CapacityError&) {
      break;
    }
    c = std::move(next);
    plain = model.mul(plain, plain);
    ++squarings;
    expectBothPaths(f, c, model.back(plain, f.ctx), "squaring " + std::to_string(squarings));
  }
  EXPECT_GE(squarings, 1);
  const uint64_t t = f.ctx->t();
  int constants = 0;
  if (t > 2) {
    const int64_t k = static_cast<int64_t>(t / 2);
    for (;;) {
      hl::Ciphertext next = c;
      try {
        next.multiplyByConstant(k);
      } catch (const hl::CapacityError&) {
        break;
      }
      c = std::move(next);
      plain *= NTL::conv<NTL::ZZ_p>(k);
      ++constants;
      expectBothPaths(f, c, model.back(plain, f.ctx), "constant " + std::to_string(constants));
    }
  }
  // Then doublings c + c (phase and noise bound twice as large) down to the last bit.
  int doublings = 0;
  for (;;) {
    hl::Ciphertext next = c;
    try {
      next += c;
    } catch (const hl::CapacityError&) {
      break;
    }
    c = std::move(next);
    plain += plain;
    ++doublings;
    expectBothPaths(f, c, model.back(plain, f.ctx), "doubling " + std::to_string(doublings));
  }
  RecordProperty("doublings", doublings);
  RecordProperty("squarings", squarings);
  RecordProperty("constants", constants);
  RecordProperty("capacity_left", std::to_string(c.capacity()));
  EXPECT_LT(c.capacity(), 1.0);
}

// Powerful working basis: 4369, 21845 and the AES ring 53261 (p = 2, r = 1 and 8, a 30-bit p);
// power basis: 2048 (power of two) and 8191 (prime), where the old path stays.
INSTANTIATE_TEST_SUITE_P(Rings, Decrypt,
                         ::testing::Values(Setting{4369, 2, 1, 100}, Setting{4369, 2, 8, 100},
                                           Setting{21845, bgvtest::bigPrimeFor(21845), 1, 150},
                                           Setting{53261, 2, 1, 100}, Setting{2048, 257, 1, 100},
                                           Setting{2048, bgvtest::bigPrimeFor(2048), 1, 150},
                                           Setting{8191, 2, 1, 100}),
                         [](const auto& info) { return bgvtest::name(info.param); });

}  // namespace
