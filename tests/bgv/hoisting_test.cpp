// Prepared plaintexts, hoisted automorphisms and automorphism sums against the NTL model of
// R_t (bgv_fixture.h): every result decrypts to what the model computes on the plaintexts, and
// its measured noise is within its bound.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "bgv/noise.h"
#include "bgv_fixture.h"
#include "helib-like/bgv/prepared_plaintext.h"
#include "helib-like/detail/canonical_embedding.h"

namespace {

using bgvtest::Fixture;
using bgvtest::fixtureFor;
using bgvtest::Model;
using bgvtest::randomPlaintext;
using bgvtest::Setting;

class Hoisting : public ::testing::TestWithParam<Setting> {};

// A ciphertext of x one level down, so that its plaintext factor is q^-1 mod t (not 1 unless
// t = 2) and it lives on fewer primes than the prepared plaintexts.
hl::Ciphertext lowered(Fixture& f, const hl::Plaintext& x) {
  hl::Ciphertext c = f.pk->encrypt(x, f.prng);
  c.modSwitchDown();
  return c;
}

TEST_P(Hoisting, PreparedPlaintextHoldsTheCentredValuesOverEveryPrime) {
  Fixture& f = fixtureFor(GetParam());
  const hl::Plaintext x = randomPlaintext(f);
  const hl::PreparedPlaintext px(x);
  const hl::IndexSet all = f.ctx->levelPrimes(f.ctx->levels()) | f.ctx->specialPrimes();
  EXPECT_EQ(px.values().primes(), all);
  EXPECT_EQ(px.plaintext(), x);
  // The centred coefficients come back from the values by CRT.
  EXPECT_EQ(px.values().toCoefficients(), x.centred());
  // The norm: at most the L1 norm, at least the largest coefficient divided by n (the
  // inverse transform's bound), and that of canonicalNormLog2 on the centred coefficients.
  EXPECT_LE(px.normLog2(), std::log2(x.l1Norm()) + 1e-9);
  const std::vector<int64_t> c = x.centred();
  const std::vector<double> cd(c.begin(), c.end());
  EXPECT_DOUBLE_EQ(px.normLog2(), hl::detail::canonicalNormLog2(f.ctx->ring(), cd));
  // Exact values: -3 X^5 has norm 3 (X^5 norm 1 when t = 2), zero has norm 0 (log2: -infinity).
  const int64_t c5 = f.ctx->t() > 7 ? -3 : 1;
  std::vector<int64_t> mono(6, 0);
  mono[5] = c5;
  EXPECT_NEAR(hl::PreparedPlaintext(hl::Plaintext(f.ctx, mono)).normLog2(),
              std::log2(std::abs(static_cast<double>(c5))), 1e-9);
  EXPECT_EQ(hl::PreparedPlaintext(hl::Plaintext(f.ctx)).normLog2(),
            -std::numeric_limits<double>::infinity());
}

TEST_P(Hoisting, PreparedPlaintextProductMatchesModel) {
  Fixture& f = fixtureFor(GetParam());
  const Model model(*f.ctx);
  for (int round = 0; round < 2; ++round) {
    const hl::Plaintext x = randomPlaintext(f), y = randomPlaintext(f);
    hl::Ciphertext a = round == 0 ? f.pk->encrypt(x, f.prng) : lowered(f, x);
    hl::Ciphertext b = a;
    a.multiplyByPlaintext(hl::PreparedPlaintext(y));
    b.multiplyByPlaintext(y);
    const hl::Plaintext want = model.back(model.mul(model.of(x), model.of(y)), f.ctx);
    EXPECT_EQ(f.sk->decrypt(a), want);
    EXPECT_EQ(f.sk->decrypt(b), want);
    EXPECT_LE(f.sk->measureNoise(a), a.noiseBound());
    // The canonical norm is never above the L1 norm.
    EXPECT_LE(a.noiseBound(), b.noiseBound() + 1e-9);
    EXPECT_EQ(a.plaintextFactor(), b.plaintextFactor());
  }
  // A product by zero leaves a noiseless ciphertext of 0.
  hl::Ciphertext z = f.pk->encrypt(randomPlaintext(f), f.prng);
  z.multiplyByPlaintext(hl::PreparedPlaintext(hl::Plaintext(f.ctx)));
  EXPECT_EQ(f.sk->decrypt(z), hl::Plaintext(f.ctx));
}

TEST_P(Hoisting, PreparedPlaintextSumAndDifferenceMatchModel) {
  Fixture& f = fixtureFor(GetParam());
  const Model model(*f.ctx);
  const hl::Modulus& t = f.ctx->plaintextModulus();
  for (int round = 0; round < 2; ++round) {
    const hl::Plaintext x = randomPlaintext(f), y = randomPlaintext(f);
    const hl::PreparedPlaintext py(y);
    hl::Ciphertext a = round == 0 ? f.pk->encrypt(x, f.prng) : lowered(f, x);
    hl::Ciphertext s = a, d = a;
    s.addPlaintext(py);
    d.subPlaintext(py);
    EXPECT_EQ(f.sk->decrypt(s), model.back(model.of(x) + model.of(y), f.ctx));
    EXPECT_EQ(f.sk->decrypt(d), model.back(model.of(x) - model.of(y), f.ctx));
    EXPECT_LE(f.sk->measureNoise(s), s.noiseBound());
    EXPECT_LE(f.sk->measureNoise(d), d.noiseBound());

    // c * X^5 with [f c]_t = 1: the centred f m is X^5 (norm 1), far below |f_c| * |c| when
    // f != +-1, so the sum goes through the coefficient path and its bound grows by 1 only.
    const uint64_t fInv = t.inv(a.plaintextFactor());
    std::vector<uint64_t> mono(6, 0);
    mono[5] = fInv;
    const hl::Plaintext z = hl::Plaintext::fromReduced(f.ctx, mono);
    hl::Ciphertext e = a;
    e.addPlaintext(hl::PreparedPlaintext(z));
    EXPECT_EQ(f.sk->decrypt(e), model.back(model.of(x) + model.of(z), f.ctx));
    EXPECT_LE(f.sk->measureNoise(e), e.noiseBound());
    EXPECT_NEAR(e.noiseBound(), hl::detail::noise::logAdd(a.noiseBound(), 0.0), 1e-9);
  }
}

INSTANTIATE_TEST_SUITE_P(Rings, Hoisting,
                         ::testing::Values(Setting{4369, 2, 1}, Setting{4369, 2, 8},
                                           Setting{2048, 257, 1}, Setting{2048, 257, 2}),
                         [](const auto& info) { return bgvtest::name(info.param); });

}  // namespace
