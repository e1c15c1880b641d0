// Prepared plaintexts, hoisted automorphisms and automorphism sums against the NTL model of
// R_t (bgv_fixture.h): every result decrypts to what the model computes on the plaintexts, and
// its measured noise is within its bound.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <span>
#include <string>
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
  // The values hold a representative of x: congruent to the centred coefficients mod t, each
  // in [-t/2, t/2], the centred one itself for odd t.
  const std::vector<int64_t> rep = px.values().toCoefficients();
  const std::vector<int64_t> c = x.centred();
  const auto t = static_cast<int64_t>(f.ctx->t());
  ASSERT_EQ(rep.size(), c.size());
  for (size_t i = 0; i < c.size(); ++i) {
    EXPECT_EQ(((rep[i] - c[i]) % t + t) % t, 0) << i;
    EXPECT_LE(2 * std::abs(rep[i]), t) << i;
    if (t % 2 == 1) EXPECT_EQ(rep[i], c[i]) << i;
  }
  // The norm: at most the L1 norm, that of canonicalNormLog2 on the representative, and at
  // most that of the centred coefficients; the whole embedding has it as its largest value.
  EXPECT_LE(px.normLog2(), std::log2(x.l1Norm()) + 1e-9);
  const std::vector<double> rd(rep.begin(), rep.end()), cd(c.begin(), c.end());
  EXPECT_DOUBLE_EQ(px.normLog2(), hl::detail::canonicalNormLog2(f.ctx->ring(), rd));
  EXPECT_LE(px.normLog2(), hl::detail::canonicalNormLog2(f.ctx->ring(), cd) + 1e-12);
  ASSERT_EQ(px.embeddingAbs().size(), f.ctx->n());
  // In single precision, rounded up: at or above the norm, within float's relative 2^-23.
  const double largestStored = std::log2(
      static_cast<double>(*std::max_element(px.embeddingAbs().begin(), px.embeddingAbs().end())));
  EXPECT_GE(largestStored, px.normLog2());
  EXPECT_NEAR(largestStored, px.normLog2(), 1e-6);
  const std::vector<double> whole = hl::detail::canonicalEmbeddingAbs(f.ctx->ring(), rd);
  for (size_t i = 0; i < whole.size(); ++i) ASSERT_GE(px.embeddingAbs()[i], whole[i]) << i;
  // For t = 2 the centred coefficients are 0 or 1, with a large norm near zeta = 1; the signed
  // representative of a random plaintext is smaller on average (by 0.3 bits at m = 4369, where
  // the geometric sum stays small, and by about 3 bits at m = 53261), not for every plaintext:
  // the mean over 16 plaintexts of a fixed seed (not the fixture's generator, whose state
  // depends on the tests run before this one in the same process).
  if (t == 2) {
    std::mt19937_64 local(4369);
    double gain = 0;
    constexpr int kDraws = 16;
    for (int d = 0; d < kDraws; ++d) {
      std::vector<uint64_t> bits(f.ctx->n());
      for (auto& b : bits) b = local() % 2;
      const hl::Plaintext y = hl::Plaintext::fromReduced(f.ctx, bits);
      const std::vector<int64_t> yc = y.centred();
      const std::vector<double> ycd(yc.begin(), yc.end());
      gain += hl::detail::canonicalNormLog2(f.ctx->ring(), ycd) -
              hl::PreparedPlaintext(y).normLog2();
    }
    EXPECT_GT(gain / kDraws, 0.2);
  }
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

// p^j mod m.
uint64_t frobeniusExponent(const hl::Context& ctx, unsigned j) {
  uint64_t k = 1 % ctx.m();
  for (unsigned i = 0; i < j; ++i) k = k * (ctx.p() % ctx.m()) % ctx.m();
  return k;
}

// The fixture's keys plus keys for p^2, p^3 and one more unit.
hl::EvaluationKeys keysWithMore(Fixture& f, std::vector<uint64_t>& ks) {
  hl::EvaluationKeys keys = *f.keys;
  const hl::Context& ctx = *f.ctx;
  const auto& units = ctx.ring().units();
  ks = {1,
        frobeniusExponent(ctx, 1),
        f.rotation,
        frobeniusExponent(ctx, 2),
        frobeniusExponent(ctx, 3),
        units[units.size() / 2]};
  for (uint64_t k : ks) {
    if (k != 1 && !keys.hasAutomorphism(k)) keys.add(f.sk->automorphismKey(k, f.prng));
  }
  // The same exponent again, and one above m (taken mod m).
  ks.push_back(f.rotation);
  ks.push_back(ks[5] + ctx.m());
  return keys;
}

TEST_P(Hoisting, AutomorphismsMatchSequentialAutomorph) {
  Fixture& f = fixtureFor(GetParam());
  const Model model(*f.ctx);
  std::vector<uint64_t> ks;
  const hl::EvaluationKeys keys = keysWithMore(f, ks);
  for (int round = 0; round < 2; ++round) {
    const hl::Plaintext x = randomPlaintext(f);
    const hl::Ciphertext a = round == 0 ? f.pk->encrypt(x, f.prng) : lowered(f, x);
    const std::vector<hl::Ciphertext> images = a.automorphisms(ks, keys);
    ASSERT_EQ(images.size(), ks.size());
    for (size_t i = 0; i < ks.size(); ++i) {
      hl::Ciphertext seq = a;
      seq.automorph(ks[i], keys);
      const hl::Plaintext got = f.sk->decrypt(images[i]);
      EXPECT_EQ(got, model.back(model.automorph(model.of(x), ks[i] % f.ctx->m()), f.ctx))
          << "k = " << ks[i];
      EXPECT_EQ(got, f.sk->decrypt(seq)) << "k = " << ks[i];
      EXPECT_EQ(images[i].level(), a.level());
      EXPECT_EQ(images[i].plaintextFactor(), a.plaintextFactor());
      EXPECT_DOUBLE_EQ(images[i].noiseBound(), seq.noiseBound());
      EXPECT_LE(f.sk->measureNoise(images[i]), images[i].noiseBound()) << "k = " << ks[i];
      // In the power basis (m a power of two) X -> X^k permutes the coefficients up to sign,
      // so the ModUp of c1(X^k) is that of c1 permuted: the bits agree as well.
      if (f.ctx->chain()->workingBasis() == hl::ModulusChain::Basis::kPower) {
        EXPECT_EQ(images[i].part(0), seq.part(0)) << "k = " << ks[i];
        EXPECT_EQ(images[i].part(1), seq.part(1)) << "k = " << ks[i];
      }
    }
  }
}

// sum_j c_j(X) m(X^{k_j}) mod (Phi_m, t) in NTL.
NTL::ZZ_pX modelSum(const Model& model, const NTL::ZZ_pX& x, const std::vector<uint64_t>& ks,
                    const std::vector<const hl::PreparedPlaintext*>& consts, uint64_t m) {
  NTL::ZZ_pX sum;
  for (size_t j = 0; j < ks.size(); ++j) {
    const NTL::ZZ_pX image = model.automorph(x, ks[j] % m);
    sum += consts[j] == nullptr ? image : model.mul(model.of(consts[j]->plaintext()), image);
  }
  return sum;
}

// A bound computed by the library against the one computed here in double precision: the
// prepared constants keep their embeddings in single precision rounded up, so the library's
// may be larger by float's relative 2^-23 (a few 1e-8 bits), never smaller.
void expectBound(double actual, double expected) {
  EXPECT_GE(actual, expected - 1e-12);
  EXPECT_LE(actual, expected + 1e-6);
}

// The bound automorphismSum should give, computed here from the constants' coefficients:
// the input's bound times max over zeta of sum_j |c_j(zeta)|, plus the key-switching error
// times the same maximum over the switched terms, plus the ModDown rounding term; never above
// the sum of the constants' norms.
double sumBound(const hl::Context& ctx, const hl::Ciphertext& x, std::span<const uint64_t> ks,
                std::span<const hl::PreparedPlaintext* const> consts) {
  namespace noise = hl::detail::noise;
  const size_t n = ctx.n();
  std::vector<double> all(n, 0.0), sw(n, 0.0);
  double sumOfNorms = 0, sumOfSwitchedNorms = 0;
  bool anySwitched = false;
  for (size_t j = 0; j < ks.size(); ++j) {
    const bool switched = ks[j] % ctx.m() != 1;
    anySwitched |= switched;
    std::vector<double> e(n, 1.0);
    if (consts[j] != nullptr) {
      const std::vector<int64_t> rep = consts[j]->values().toCoefficients();
      e = hl::detail::canonicalEmbeddingAbs(ctx.ring(),
                                            std::vector<double>(rep.begin(), rep.end()));
    }
    const double norm = *std::max_element(e.begin(), e.end());
    sumOfNorms += norm;
    if (switched) sumOfSwitchedNorms += norm;
    for (size_t i = 0; i < n; ++i) (switched ? sw : all)[i] += e[i];
  }
  for (size_t i = 0; i < n; ++i) all[i] += sw[i];
  const double maxAll = *std::max_element(all.begin(), all.end());
  const double maxSw = *std::max_element(sw.begin(), sw.end());
  EXPECT_LE(maxAll, sumOfNorms * (1 + 1e-12));
  EXPECT_LE(maxSw, sumOfSwitchedNorms * (1 + 1e-12));
  double b = x.noiseBound() + std::log2(maxAll);
  if (anySwitched) {
    b = noise::logAdd(b, noise::keySwitchError(ctx, x.level()) + std::log2(maxSw));
    b = noise::logAdd(b, noise::rounding(ctx, ctx.specialPrimes().size(), 2));
  }
  return b == -std::numeric_limits<double>::infinity() ? 0.0 : b;
}

TEST_P(Hoisting, AutomorphismSumMatchesModel) {
  Fixture& f = fixtureFor(GetParam());
  const Model model(*f.ctx);
  std::vector<uint64_t> ks;
  const hl::EvaluationKeys keys = keysWithMore(f, ks);
  for (int round = 0; round < 4; ++round) {
    const hl::Plaintext x = randomPlaintext(f);
    hl::Ciphertext a = round % 2 == 0 ? f.pk->encrypt(x, f.prng) : lowered(f, x);
    // Random constants; some terms without one (the constant 1), one zero constant.
    std::vector<hl::PreparedPlaintext> prepared;
    prepared.reserve(ks.size());
    std::vector<const hl::PreparedPlaintext*> consts;
    for (size_t j = 0; j < ks.size(); ++j) {
      if ((j + round) % 4 == 1) {
        consts.push_back(nullptr);
        continue;
      }
      prepared.emplace_back(j == 4 && round >= 2 ? hl::Plaintext(f.ctx) : randomPlaintext(f));
      consts.push_back(&prepared.back());
    }
    // Rounds 2 and 3 use a subset: a shuffled prefix.
    std::vector<uint64_t> useK = ks;
    std::vector<const hl::PreparedPlaintext*> useC = consts;
    if (round >= 2) {
      std::rotate(useK.begin(), useK.begin() + 2, useK.end());
      std::rotate(useC.begin(), useC.begin() + 2, useC.end());
      useK.resize(5);
      useC.resize(5);
    }
    const NTL::ZZ_pX want = modelSum(model, model.of(x), useK, useC, f.ctx->m());
    const size_t level = a.level();
    const uint64_t factor = a.plaintextFactor();
    const double expectedBound = sumBound(*f.ctx, a, useK, useC);
    a.automorphismSum(useK, useC, keys);
    EXPECT_EQ(f.sk->decrypt(a), model.back(want, f.ctx)) << "round " << round;
    expectBound(a.noiseBound(), expectedBound);
    EXPECT_EQ(a.level(), level);
    EXPECT_EQ(a.plaintextFactor(), factor);
    EXPECT_LE(f.sk->measureNoise(a), a.noiseBound()) << "round " << round;
  }
}

// The baby-step giant-step form against the model: sum_g tau_g(sum_i c_gi sigma_b(gi)(x)) with
// babies {1, sigma_1, rotation, sigma_2, sigma_3, another unit}, three groups (giants 1, the
// rotation and a Frobenius map) sharing babies, constants missing (1) and zero; the bound is
// automorphismSum's per group plus a key switch per giant step, and holds the measured noise.
TEST_P(Hoisting, AutomorphismSumGroupsMatchesModel) {
  Fixture& f = fixtureFor(GetParam());
  const Model model(*f.ctx);
  std::vector<uint64_t> ks;
  const hl::EvaluationKeys keys = keysWithMore(f, ks);
  const std::vector<uint64_t> babies(ks.begin(), ks.begin() + 6);
  for (int round = 0; round < 2; ++round) {
    const hl::Plaintext x = randomPlaintext(f);
    hl::Ciphertext a = round == 0 ? f.pk->encrypt(x, f.prng) : lowered(f, x);
    std::vector<hl::PreparedPlaintext> prepared;
    prepared.reserve(12);
    for (int i = 0; i < 10; ++i) prepared.emplace_back(randomPlaintext(f));
    prepared.emplace_back(hl::Plaintext(f.ctx));  // zero
    std::vector<hl::Ciphertext::AutomorphismGroup> groups(3);
    groups[0] = {1, {0, 1, 2, 5}, {&prepared[0], nullptr, &prepared[1], &prepared[2]}};
    groups[1] = {f.rotation, {1, 3, 4}, {&prepared[3], &prepared[10], &prepared[4]}};
    groups[2] = {ks[1] + (round == 1 ? f.ctx->m() : 0),
                 {0, 1, 2, 3, 4},
                 {nullptr, &prepared[5], &prepared[6], &prepared[7], &prepared[8]}};
    NTL::ZZ_pX want;
    for (const auto& g : groups) {
      std::vector<uint64_t> k;
      for (size_t t : g.terms) k.push_back(babies[t]);
      const NTL::ZZ_pX inner = modelSum(model, model.of(x), k, g.consts, f.ctx->m());
      want += model.automorph(inner, g.giant % f.ctx->m());
    }
    const size_t level = a.level();
    const uint64_t factor = a.plaintextFactor();
    // The expected bound: each group's automorphismSum bound, plus a key switch for a giant.
    double expected = -std::numeric_limits<double>::infinity();
    for (const auto& g : groups) {
      std::vector<uint64_t> k;
      for (size_t t : g.terms) k.push_back(babies[t]);
      double b = sumBound(*f.ctx, a, k, g.consts);
      if (g.giant % f.ctx->m() != 1) {
        b = hl::detail::noise::logAdd(b, hl::detail::noise::keySwitch(*f.ctx, a.level()));
      }
      expected = hl::detail::noise::logAdd(expected, b);
    }
    a.automorphismSumGroups(babies, groups, keys);
    EXPECT_EQ(f.sk->decrypt(a), model.back(want, f.ctx)) << "round " << round;
    EXPECT_EQ(a.level(), level);
    EXPECT_EQ(a.plaintextFactor(), factor);
    expectBound(a.noiseBound(), expected);
    EXPECT_LE(f.sk->measureNoise(a), a.noiseBound()) << "round " << round;
  }
  // Bad input, nothing changed: no groups, terms and constants of different numbers, a baby
  // that does not exist, a giant without a key.
  hl::Ciphertext a = f.pk->encrypt(randomPlaintext(f), f.prng);
  const hl::Ciphertext copy = a;
  const hl::PreparedPlaintext c(randomPlaintext(f));
  auto expectThrow = [&](std::vector<hl::Ciphertext::AutomorphismGroup> groups,
                         const std::string& needle) {
    try {
      a.automorphismSumGroups(babies, groups, keys);
      ADD_FAILURE() << "no exception (" << needle << ")";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
    EXPECT_EQ(a.part(0), copy.part(0));
    EXPECT_EQ(a.noiseBound(), copy.noiseBound());
  };
  expectThrow({}, "no groups");
  expectThrow({{1, {0, 1}, {&c}}}, "expected the same positive number");
  expectThrow({{1, {9}, {&c}}}, "names baby 9");
  uint64_t missing = 0;
  for (uint64_t u : f.ctx->ring().units()) {
    if (u != 1 && !keys.hasAutomorphism(u)) {
      missing = u;
      break;
    }
  }
  expectThrow({{missing, {0}, {&c}}}, "X^" + std::to_string(missing));
}

// Giants that are the powers 1, g, g^2, g^3 of one exponent g (rotations by 0, 5, 10 in the
// AES byte layers) go by Horner's rule with the key of g alone: against the model, with the
// bound of three nested key switches (y_3 through three, y_2 through two, ...), and the keys it
// names (Ciphertext::giantKeyExponents) are g alone. With g's key missing as well it throws.
TEST_P(Hoisting, AutomorphismSumGroupsByHornersRule) {
  Fixture& f = fixtureFor(GetParam());
  const Model model(*f.ctx);
  const uint64_t m = f.ctx->m(), g = f.rotation;
  const uint64_t g2 = g * g % m, g3 = g2 * g % m;
  ASSERT_FALSE(f.keys->hasAutomorphism(g2));
  std::vector<uint64_t> giants{1, g, g2, g3};
  EXPECT_EQ(hl::Ciphertext::giantKeyExponents(*f.ctx, giants), std::vector<uint64_t>{g});
  const std::vector<uint64_t> babies{1, f.ctx->p() % m == 1 ? g : f.ctx->p() % m};
  const hl::Plaintext x = randomPlaintext(f);
  hl::Ciphertext a = f.pk->encrypt(x, f.prng);
  std::vector<hl::PreparedPlaintext> prepared;
  prepared.reserve(8);
  for (int i = 0; i < 8; ++i) prepared.emplace_back(randomPlaintext(f));
  // The groups out of order (g^2 first), and one power (g^3) by itself.
  std::vector<hl::Ciphertext::AutomorphismGroup> groups{
      {g2, {0, 1}, {&prepared[0], &prepared[1]}},
      {1, {0, 1}, {&prepared[2], &prepared[3]}},
      {g3, {1}, {&prepared[4]}},
      {g, {0, 1}, {&prepared[5], nullptr}}};
  NTL::ZZ_pX want;
  std::vector<double> groupBound;
  for (const auto& grp : groups) {
    std::vector<uint64_t> k;
    for (size_t t : grp.terms) k.push_back(babies[t]);
    want += model.automorph(modelSum(model, model.of(x), k, grp.consts, m), grp.giant);
    groupBound.push_back(sumBound(*f.ctx, a, k, grp.consts));
  }
  const double ks = hl::detail::noise::keySwitch(*f.ctx, a.level());
  double expected = groupBound[2];                                    // g^3
  expected = hl::detail::noise::logAdd(expected, ks);                 // through g
  expected = hl::detail::noise::logAdd(expected, groupBound[0]);      // + g^2
  expected = hl::detail::noise::logAdd(expected, ks);                 // through g
  expected = hl::detail::noise::logAdd(expected, groupBound[3]);      // + g
  expected = hl::detail::noise::logAdd(expected, ks);                 // through g
  expected = hl::detail::noise::logAdd(expected, groupBound[1]);      // + 1
  hl::Ciphertext b = a;
  b.automorphismSumGroups(babies, groups, *f.keys);
  EXPECT_EQ(f.sk->decrypt(b), model.back(want, f.ctx));
  expectBound(b.noiseBound(), expected);
  EXPECT_LE(f.sk->measureNoise(b), b.noiseBound());
  // Without a group of power 0: the last step of Horner's rule applies g to the whole sum.
  {
    std::vector<hl::Ciphertext::AutomorphismGroup> noIdentity{groups[0], groups[2], groups[3]};
    NTL::ZZ_pX want2;
    for (const auto& grp : noIdentity) {
      std::vector<uint64_t> k;
      for (size_t t : grp.terms) k.push_back(babies[t]);
      want2 += model.automorph(modelSum(model, model.of(x), k, grp.consts, m), grp.giant);
    }
    double bound = hl::detail::noise::logAdd(groupBound[2], ks);
    bound = hl::detail::noise::logAdd(hl::detail::noise::logAdd(bound, groupBound[0]), ks);
    bound = hl::detail::noise::logAdd(hl::detail::noise::logAdd(bound, groupBound[3]), ks);
    hl::Ciphertext c = a;
    c.automorphismSumGroups(babies, noIdentity, *f.keys);
    EXPECT_EQ(f.sk->decrypt(c), model.back(want2, f.ctx));
    expectBound(c.noiseBound(), bound);
    EXPECT_LE(f.sk->measureNoise(c), c.noiseBound());
  }
  // Without g's key (only the babies'): nothing to do it with.
  hl::EvaluationKeys babyKeys(f.ctx);
  babyKeys.add(f.sk->automorphismKey(babies[1], f.prng));
  const hl::Ciphertext copy = a;
  try {
    a.automorphismSumGroups(babies, groups, babyKeys);
    ADD_FAILURE() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("X^"), std::string::npos) << e.what();
  }
  EXPECT_EQ(a.part(0), copy.part(0));
}

// Special cases: only k = 1 terms (no key switch at all), and one term, which is a product by
// the constant after the automorphism.
TEST_P(Hoisting, AutomorphismSumSpecialCases) {
  Fixture& f = fixtureFor(GetParam());
  const Model model(*f.ctx);
  const hl::Plaintext x = randomPlaintext(f), y = randomPlaintext(f);
  const hl::PreparedPlaintext py(y);
  const hl::Ciphertext a = lowered(f, x);

  hl::Ciphertext identity = a;
  const uint64_t ones[] = {1, 1};
  const hl::PreparedPlaintext* c2[] = {&py, nullptr};
  identity.automorphismSum(ones, c2, *f.keys);
  EXPECT_EQ(f.sk->decrypt(identity),
            model.back(model.mul(model.of(x), model.of(y)) + model.of(x), f.ctx));
  EXPECT_LE(f.sk->measureNoise(identity), identity.noiseBound());

  hl::Ciphertext one = a;
  const uint64_t k[] = {f.rotation};
  const hl::PreparedPlaintext* c1[] = {&py};
  one.automorphismSum(k, c1, *f.keys);
  hl::Ciphertext seq = a;
  seq.automorph(f.rotation, *f.keys).multiplyByPlaintext(py);
  EXPECT_EQ(f.sk->decrypt(one), f.sk->decrypt(seq));
  EXPECT_LE(f.sk->measureNoise(one), one.noiseBound());
}

TEST_P(Hoisting, BadInputIsReportedBeforeAnyChange) {
  Fixture& f = fixtureFor(GetParam());
  const Setting other = GetParam().r == 1 ? Setting{GetParam().m, GetParam().p, 2}
                                          : Setting{GetParam().m, GetParam().p, 1};
  Fixture& g = fixtureFor(other);
  const hl::Plaintext x = randomPlaintext(f);
  hl::Ciphertext a = f.pk->encrypt(x, f.prng);
  const hl::Ciphertext copy = a;
  uint64_t missing = 3;
  while (f.keys->hasAutomorphism(missing) || !f.ctx->ring().isUnit(missing)) ++missing;
  const hl::PreparedPlaintext py(randomPlaintext(f));
  const hl::PreparedPlaintext foreign(randomPlaintext(g));
  auto expectThrow = [&](auto&& op, const std::string& needle) {
    try {
      op();
      ADD_FAILURE() << "no exception; expected one mentioning \"" << needle << "\"";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
    EXPECT_EQ(a.part(0), copy.part(0));
    EXPECT_EQ(a.part(1), copy.part(1));
    EXPECT_EQ(a.noiseBound(), copy.noiseBound());
  };
  const uint64_t withMissing[] = {1, f.rotation, missing};
  const hl::PreparedPlaintext* three[] = {&py, nullptr, &py};
  expectThrow([&] { (void)a.automorphisms(withMissing, *f.keys); }, "X^" + std::to_string(missing));
  expectThrow([&] { a.automorphismSum(withMissing, three, *f.keys); },
              "X^" + std::to_string(missing));
  const uint64_t nonUnit[] = {f.rotation, f.ctx->m() % 2 == 0 ? 2u : 17u};
  const hl::PreparedPlaintext* two[] = {&py, &py};
  expectThrow([&] { (void)a.automorphisms(nonUnit, *f.keys); }, "not a unit");
  expectThrow([&] { a.automorphismSum(nonUnit, two, *f.keys); }, "not a unit");
  const uint64_t fine[] = {1, f.rotation};
  expectThrow([&] { (void)a.automorphisms(fine, *g.keys); }, "another context");
  expectThrow([&] { a.automorphismSum(fine, two, *g.keys); }, "another context");
  const hl::PreparedPlaintext* foreignConst[] = {&py, &foreign};
  expectThrow([&] { a.automorphismSum(fine, foreignConst, *f.keys); }, "another context");
  expectThrow([&] { a.multiplyByPlaintext(foreign); }, "another context");
  expectThrow([&] { a.addPlaintext(foreign); }, "another context");
  expectThrow(
      [&] {
        a.automorphismSum(fine, std::span<const hl::PreparedPlaintext* const>(two, 1), *f.keys);
      },
      "same positive number");
  expectThrow([&] { a.automorphismSum({}, {}, *f.keys); }, "same positive number");
  // A 3-part ciphertext.
  hl::Ciphertext three_parts = copy;
  three_parts.multiply(copy);
  const hl::Ciphertext threeCopy = three_parts;
  EXPECT_THROW((void)three_parts.automorphisms(fine, *f.keys), std::invalid_argument);
  EXPECT_THROW(three_parts.automorphismSum(fine, two, *f.keys), std::invalid_argument);
  EXPECT_EQ(three_parts.size(), 3u);
  EXPECT_EQ(three_parts.part(2), threeCopy.part(2));
  // An empty list of images is an empty result.
  EXPECT_TRUE(a.automorphisms({}, *f.keys).empty());
}

// A ciphertext whose capacity is below the constants' norm (products by a prepared plaintext
// until the next would throw): automorphismSum throws hl::CapacityError and changes nothing.
TEST_P(Hoisting, AutomorphismSumChecksCapacityFirst) {
  Fixture& f = fixtureFor(GetParam());
  hl::Ciphertext a = f.pk->encrypt(randomPlaintext(f), f.prng);
  a.modSwitchTo(1);
  std::vector<hl::PreparedPlaintext> prepared;
  for (int i = 0; i < 4; ++i) prepared.emplace_back(randomPlaintext(f));
  try {
    for (;;) a.multiplyByPlaintext(prepared[0]);
  } catch (const hl::CapacityError&) {
  }
  ASSERT_LT(a.capacity(), prepared[0].normLog2());
  const hl::Ciphertext copy = a;
  std::vector<const hl::PreparedPlaintext*> consts;
  for (auto& p : prepared) consts.push_back(&p);
  const std::vector<uint64_t> ks = {1, f.rotation, f.rotation, 1};
  EXPECT_THROW(a.automorphismSum(ks, consts, *f.keys), hl::CapacityError);
  EXPECT_EQ(a.part(0), copy.part(0));
  EXPECT_EQ(a.part(1), copy.part(1));
  EXPECT_EQ(a.noiseBound(), copy.noiseBound());
}

INSTANTIATE_TEST_SUITE_P(Rings, Hoisting,
                         ::testing::Values(Setting{4369, 2, 1}, Setting{4369, 2, 8},
                                           Setting{2048, 257, 1}, Setting{2048, 257, 2}),
                         [](const auto& info) { return bgvtest::name(info.param); });

}  // namespace
