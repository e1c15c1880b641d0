// BGV end to end against an independent model: the same computation on plaintexts in
// Z_t[X]/Phi_m(X) done with NTL (ZZ_pX modulo Phi_m, t possibly composite).
#include <gtest/gtest.h>

#include "bgv_fixture.h"

namespace {

using bgvtest::Fixture;
using bgvtest::Model;
using bgvtest::Setting;
using bgvtest::bigPrimeFor;
using bgvtest::fixtureFor;
using bgvtest::randomPlaintext;

class Bgv : public ::testing::TestWithParam<Setting> {};

TEST_P(Bgv, EncryptDecryptRoundTrip) {
  Fixture& f = fixtureFor(GetParam());
  for (int i = 0; i < 2; ++i) {
    const hl::Plaintext pt = randomPlaintext(f);
    const hl::Ciphertext a = f.pk->encrypt(pt, f.prng);
    EXPECT_EQ(f.sk->decrypt(a), pt);
    EXPECT_GT(a.capacity(), 0);
    EXPECT_LE(f.sk->measureNoise(a), a.noiseBound());
    const hl::Ciphertext b = f.sk->encrypt(pt, f.prng);
    EXPECT_EQ(f.sk->decrypt(b), pt);
    EXPECT_LE(f.sk->measureNoise(b), b.noiseBound());
  }
}

TEST_P(Bgv, AddSubtractNegateMatchModel) {
  Fixture& f = fixtureFor(GetParam());
  const Model model(*f.ctx);
  const hl::Plaintext x = randomPlaintext(f), y = randomPlaintext(f), z = randomPlaintext(f);
  hl::Ciphertext a = f.pk->encrypt(x, f.prng);
  const hl::Ciphertext b = f.pk->encrypt(y, f.prng);
  a += b;
  a.subPlaintext(z);
  a.negate();
  a -= b;
  a.addPlaintext(y);
  const NTL::ZZ_pX want = -(model.of(x) + model.of(y) - model.of(z)) - model.of(y) + model.of(y);
  EXPECT_EQ(f.sk->decrypt(a), model.back(want, f.ctx));
  EXPECT_LE(f.sk->measureNoise(a), a.noiseBound());
}

TEST_P(Bgv, MultiplyRelinearizeMatchesModel) {
  Fixture& f = fixtureFor(GetParam());
  const Model model(*f.ctx);
  const hl::Plaintext x = randomPlaintext(f), y = randomPlaintext(f), c = randomPlaintext(f);
  hl::Ciphertext a = f.pk->encrypt(x, f.prng);
  const hl::Ciphertext b = f.pk->encrypt(y, f.prng);
  a.multiply(b);
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(f.sk->decrypt(a), model.back(model.mul(model.of(x), model.of(y)), f.ctx));
  EXPECT_LE(f.sk->measureNoise(a), a.noiseBound());
  a.relinearize(*f.keys);
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(f.sk->decrypt(a), model.back(model.mul(model.of(x), model.of(y)), f.ctx));
  EXPECT_LE(f.sk->measureNoise(a), a.noiseBound());
  a.multiplyByPlaintext(c);
  a.multiplyByConstant(-3);
  const NTL::ZZ_pX want =
      model.mul(model.mul(model.of(x), model.of(y)), model.of(c)) * NTL::conv<NTL::ZZ_p>(-3);
  EXPECT_EQ(f.sk->decrypt(a), model.back(want, f.ctx));
  EXPECT_LE(f.sk->measureNoise(a), a.noiseBound());
  hl::Ciphertext sq = f.pk->encrypt(x, f.prng);
  sq.square();
  sq.relinearize(*f.keys);
  EXPECT_EQ(f.sk->decrypt(sq), model.back(model.mul(model.of(x), model.of(x)), f.ctx));
}

TEST_P(Bgv, AutomorphismsMatchModel) {
  Fixture& f = fixtureFor(GetParam());
  const Model model(*f.ctx);
  const hl::Plaintext x = randomPlaintext(f);
  hl::Ciphertext a = f.pk->encrypt(x, f.prng);
  a.automorph(f.rotation, *f.keys);
  EXPECT_EQ(f.sk->decrypt(a), model.back(model.automorph(model.of(x), f.rotation), f.ctx));
  EXPECT_LE(f.sk->measureNoise(a), a.noiseBound());
  const uint64_t frob = GetParam().p % GetParam().m;
  if (frob != 1) {
    hl::Ciphertext b = f.pk->encrypt(x, f.prng);
    b.frobenius(1, *f.keys);
    EXPECT_EQ(f.sk->decrypt(b), model.back(model.automorph(model.of(x), frob), f.ctx));
  }
}

TEST_P(Bgv, ModulusSwitchingKeepsThePlaintext) {
  Fixture& f = fixtureFor(GetParam());
  const Model model(*f.ctx);
  const hl::Plaintext x = randomPlaintext(f), y = randomPlaintext(f);
  hl::Ciphertext a = f.pk->encrypt(x, f.prng);
  const size_t top = a.level();
  a.modSwitchDown();
  EXPECT_EQ(a.level(), top - 1);
  EXPECT_EQ(f.sk->decrypt(a), x);
  EXPECT_LE(f.sk->measureNoise(a), a.noiseBound());
  // Mixed levels (and plaintext factors) are aligned automatically.
  const hl::Ciphertext b = f.pk->encrypt(y, f.prng);
  hl::Ciphertext sum = a + b;
  EXPECT_EQ(sum.level(), top - 1);
  EXPECT_EQ(f.sk->decrypt(sum), model.back(model.of(x) + model.of(y), f.ctx));
  hl::Ciphertext prod = b;
  prod.multiplyBy(a, *f.keys);
  EXPECT_EQ(f.sk->decrypt(prod), model.back(model.mul(model.of(x), model.of(y)), f.ctx));
  EXPECT_LE(f.sk->measureNoise(prod), prod.noiseBound());
  // The product carries the factor f^2 (f = q_top^{-1} mod t); adding a ciphertext with
  // factor f at the same level needs a factor alignment.
  hl::Ciphertext mixed = prod;
  mixed += a;
  EXPECT_EQ(f.sk->decrypt(mixed),
            model.back(model.mul(model.of(x), model.of(y)) + model.of(x), f.ctx));
  EXPECT_LE(f.sk->measureNoise(mixed), mixed.noiseBound());
  mixed = a;
  mixed -= prod;
  EXPECT_EQ(f.sk->decrypt(mixed),
            model.back(model.of(x) - model.mul(model.of(x), model.of(y)), f.ctx));
  prod.modSwitchTo(1);
  EXPECT_EQ(f.sk->decrypt(prod), model.back(model.mul(model.of(x), model.of(y)), f.ctx));
}

INSTANTIATE_TEST_SUITE_P(
    Rings, Bgv,
    // p must not divide m: p = 2 is refused for a power-of-two m, and 257 divides 4369 = 17 * 257
    // and 21845 = 5 * 17 * 257 (ContextValidation checks the refusals).
    ::testing::Values(Setting{2048, 257, 1}, Setting{2048, bigPrimeFor(2048), 1},
                      Setting{4369, 2, 1}, Setting{4369, 2, 8},
                      Setting{4369, bigPrimeFor(4369), 1}, Setting{21845, 2, 1},
                      Setting{21845, 2, 8},
                      Setting{21845, bigPrimeFor(21845), 1}, Setting{4369, 2, 1, bgvtest::kMixed},
                      Setting{21845, 2, 8, bgvtest::kMixed}),
    [](const auto& info) { return bgvtest::name(info.param); });

}  // namespace
