// The tracked noise bound against the real noise (measured with the secret key), and the
// capacity limit of a multiplication tree.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "bgv_fixture.h"

namespace {

using bgvtest::Fixture;
using bgvtest::Model;
using bgvtest::Setting;
using bgvtest::fixtureFor;
using bgvtest::randomPlaintext;

class Noise : public ::testing::TestWithParam<Setting> {};

// Random circuits of additions, multiplications (with relinearization), automorphisms,
// constant and plaintext products and modulus switches: every intermediate result decrypts
// right, its measured noise is within the bound, and the bound is on average at most 10 bits
// above the measurement.
TEST_P(Noise, BoundHoldsOverRandomCircuits) {
  Fixture& f = fixtureFor(GetParam());
  const Model model(*f.ctx);
  double slackSum = 0;
  int samples = 0;
  for (int circuit = 0; circuit < 3; ++circuit) {
    std::vector<hl::Ciphertext> cts;
    std::vector<NTL::ZZ_pX> pts;
    for (int i = 0; i < 3; ++i) {
      const hl::Plaintext x = randomPlaintext(f);
      cts.push_back(i == 0 ? f.sk->encrypt(x, f.prng) : f.pk->encrypt(x, f.prng));
      pts.push_back(model.of(x));
    }
    for (int step = 0; step < 8; ++step) {
      const size_t i = f.rng() % cts.size(), j = f.rng() % cts.size();
      hl::Ciphertext c = cts[i];
      NTL::ZZ_pX p = pts[i];
      try {
        switch (f.rng() % 6) {
          case 0:
            c += cts[j];
            p += pts[j];
            break;
          case 1:
            c.multiplyBy(cts[j], *f.keys);
            p = model.mul(p, pts[j]);
            break;
          case 2:
            c.automorph(f.rotation, *f.keys);
            p = model.automorph(p, f.rotation);
            break;
          case 3: {
            const int64_t k = static_cast<int64_t>(f.rng() % 7) - 3;
            c.multiplyByConstant(k);
            p *= NTL::conv<NTL::ZZ_p>(k);
            break;
          }
          case 4: {
            // A sparse plaintext keeps the growth moderate.
            std::vector<int64_t> sparse(8);
            for (auto& v : sparse) v = static_cast<int64_t>(f.rng() % 5) - 2;
            const hl::Plaintext q(f.ctx, sparse);
            c.multiplyByPlaintext(q);
            p = model.mul(p, model.of(q));
            break;
          }
          default:
            if (c.level() > 1) c.modSwitchDown();
            break;
        }
      } catch (const hl::CapacityError&) {
        continue;  // the circuit went deeper than the modulus allows; the operand is intact
      }
      ASSERT_EQ(f.sk->decrypt(c), model.back(p, f.ctx)) << "circuit " << circuit << " step " << step;
      const double measured = f.sk->measureNoise(c);
      ASSERT_LE(measured, c.noiseBound()) << "circuit " << circuit << " step " << step;
      if (measured > 0) {  // a noiseless result (a product by 0) says nothing about the slack
        slackSum += c.noiseBound() - measured;
        ++samples;
      }
      cts.push_back(c);
      pts.push_back(p);
    }
  }
  ASSERT_GT(samples, 10);
  EXPECT_LE(slackSum / samples, 10.0) << "the bound is too pessimistic on average";
  RecordProperty("average_slack_bits", std::to_string(slackSum / samples));
}

// modSwitchTo to every lower level, from a fresh ciphertext and from a 3-part product: one
// division by four primes or more, prime by prime below that. Every result decrypts right with
// its noise within the bound, and an addition that brings a top-level operand down to the
// lowest level (an AES round key) plans the same bound.
TEST_P(Noise, ModSwitchToEveryLevel) {
  Fixture& f = fixtureFor(GetParam());
  const Model model(*f.ctx);
  const hl::Plaintext x = randomPlaintext(f), y = randomPlaintext(f);
  const hl::Ciphertext a = f.pk->encrypt(x, f.prng);
  hl::Ciphertext prod = f.pk->encrypt(y, f.prng);
  prod.multiply(a);
  ASSERT_EQ(prod.size(), 3u);
  const NTL::ZZ_pX xy = model.mul(model.of(x), model.of(y));
  const size_t top = a.level();
  // With a large t the rounding term itself fills the lowest prime: such levels throw.
  size_t lowest = top;
  for (size_t l = top; l >= 1; --l) {
    hl::Ciphertext c = a;
    try {
      c.modSwitchTo(l);
    } catch (const hl::CapacityError&) {
      break;
    }
    lowest = l;
    EXPECT_EQ(c.level(), l);
    EXPECT_EQ(f.sk->decrypt(c), x) << "level " << l;
    EXPECT_LE(f.sk->measureNoise(c), c.noiseBound()) << "level " << l;
    hl::Ciphertext p = prod;
    try {
      p.modSwitchTo(l);
      EXPECT_EQ(f.sk->decrypt(p), model.back(xy, f.ctx)) << "level " << l;
      EXPECT_LE(f.sk->measureNoise(p), p.noiseBound()) << "level " << l;
    } catch (const hl::CapacityError&) {
      EXPECT_LE(l, 2u);  // the product has less room, but some
    }
    // The same level reached in two switches decrypts the same.
    if (l + 2 <= top) {
      hl::Ciphertext two = a;
      two.modSwitchTo(l + 2);
      two.modSwitchTo(l);
      EXPECT_EQ(f.sk->decrypt(two), x);
    }
  }
  EXPECT_LE(lowest, 2u);
  hl::Ciphertext low = f.pk->encrypt(y, f.prng);
  low.modSwitchTo(lowest);
  hl::Ciphertext down = a;
  down.modSwitchTo(lowest);
  low += a;
  EXPECT_EQ(low.level(), lowest);
  EXPECT_EQ(f.sk->decrypt(low), model.back(model.of(x) + model.of(y), f.ctx));
  EXPECT_LE(f.sk->measureNoise(low), low.noiseBound());
  EXPECT_GE(low.noiseBound(), down.noiseBound());
  // modSwitchToLowest reaches the lowest level that modSwitchTo accepts.
  hl::Ciphertext lowestSwitch = a;
  lowestSwitch.modSwitchToLowest();
  EXPECT_EQ(lowestSwitch.level(), lowest);
  EXPECT_GT(lowestSwitch.capacity(), 0);
  EXPECT_EQ(f.sk->decrypt(lowestSwitch), x);
}

// Adding an operand from a higher level: it either switches down (noise to about the rounding
// term, factor changed) or drops the primes above (noise and factor kept, no transform),
// whichever keeps the sum's bound within a thousandth of a bit of the switched one. Either
// way the sum decrypts right within its bound, in both orders, and the higher operand is
// unchanged. A noisy product plus a fresh ciphertext (an AES state plus its round key) drops:
// its bound is exactly the sum of the two bounds, at the product's level.
TEST_P(Noise, AdditionAcrossLevelsDropsOrSwitches) {
  Fixture& f = fixtureFor(GetParam());
  const Model model(*f.ctx);
  auto log2Sum = [](double a, double b) { return std::log2(std::exp2(a) + std::exp2(b)); };
  const hl::Plaintext x = randomPlaintext(f), y = randomPlaintext(f), z = randomPlaintext(f);
  const hl::Ciphertext fresh = f.pk->encrypt(x, f.prng);
  const size_t top = fresh.level();
  ASSERT_GE(top, 3u);
  hl::Ciphertext noisy = f.pk->encrypt(y, f.prng);
  noisy.modSwitchTo(top - 1);
  hl::Ciphertext other = f.pk->encrypt(z, f.prng);
  other.modSwitchTo(top - 1);
  noisy.multiplyBy(other, *f.keys);  // the product of two floors: far above a fresh bound
  ASSERT_EQ(noisy.level(), top - 1);
  const NTL::ZZ_pX sum = model.of(x) + model.mul(model.of(y), model.of(z));
  hl::Ciphertext viaSwitch = fresh;
  viaSwitch.modSwitchTo(top - 1);
  viaSwitch += noisy;  // the same level: nothing to choose
  for (int order = 0; order < 2; ++order) {
    hl::Ciphertext c = order == 0 ? noisy : fresh;
    c += order == 0 ? fresh : noisy;
    EXPECT_EQ(c.level(), top - 1);
    EXPECT_EQ(f.sk->decrypt(c), model.back(sum, f.ctx)) << "order " << order;
    EXPECT_LE(f.sk->measureNoise(c), c.noiseBound());
    EXPECT_LE(c.noiseBound(), viaSwitch.noiseBound() + 1e-3);
    if (fresh.noiseBound() + 12 < noisy.noiseBound() &&
        fresh.plaintextFactor() == noisy.plaintextFactor()) {
      // Dropped: the fresh operand's own bound, not the switched one.
      EXPECT_NEAR(c.noiseBound(), log2Sum(noisy.noiseBound(), fresh.noiseBound()), 1e-9);
    }
  }
  EXPECT_EQ(fresh.level(), top);
  EXPECT_EQ(f.sk->decrypt(fresh), x);
  // Two fresh operands: the switched one has the smaller noise, so it switches.
  hl::Ciphertext low = f.pk->encrypt(y, f.prng);
  low.modSwitchTo(1);
  hl::Ciphertext down = fresh;
  down.modSwitchTo(1);
  if (down.noiseBound() + 1 < fresh.noiseBound() &&
      down.plaintextFactor() == low.plaintextFactor()) {
    low += fresh;
    EXPECT_LT(low.noiseBound(), log2Sum(down.noiseBound(), fresh.noiseBound()) - 0.01);
    EXPECT_EQ(f.sk->decrypt(low), model.back(model.of(x) + model.of(y), f.ctx));
  }
}

// Products of a ciphertext and a key-switched automorphic image of it, as the AES S-box takes
// them: with NoiseRelation::kIndependent every result decrypts right with its measured noise
// within the (moment) bound, at least half a bit below the bound of the same product with
// kAny, which is the product of the operands' bounds plus the key-switching term; the gain
// carries through a chain of such products until the modulus runs out. A ciphertext is not
// independent of itself: squaring with kIndependent throws and changes nothing.
TEST_P(Noise, IndependentProductsHoldTheirMomentBound) {
  Fixture& f = fixtureFor(GetParam());
  const Model model(*f.ctx);
  using Rel = hl::Ciphertext::NoiseRelation;
  // sigma_{-1} would pair each coordinate with its conjugate: not independent.
  ASSERT_NE(f.rotation % f.ctx->m(), f.ctx->m() - 1);
  const hl::Plaintext x = randomPlaintext(f);
  hl::Ciphertext ind = f.pk->encrypt(x, f.prng), any = ind;
  NTL::ZZ_pX p = model.of(x);
  EXPECT_THROW(ind.multiply(ind, Rel::kIndependent), std::invalid_argument);
  EXPECT_THROW(ind.multiplyBy(ind, *f.keys, hl::Ciphertext::Then::kNothing, Rel::kIndependent),
               std::invalid_argument);
  EXPECT_EQ(ind.size(), 2u);
  EXPECT_EQ(f.sk->decrypt(ind), x);
  int products = 0;
  for (int step = 0; step < 8; ++step) {
    hl::Ciphertext imageInd = ind, imageAny = any;
    try {
      imageInd.automorph(f.rotation, *f.keys);
      imageAny.automorph(f.rotation, *f.keys);
      hl::Ciphertext a = any;
      if (step == 0) {
        // kAny: the product of the bounds at the common level, plus a key switch.
        a.multiply(imageAny);
        hl::Ciphertext l = any, r = imageAny;
        l.modSwitchTo(a.level());
        r.modSwitchTo(a.level());
        EXPECT_NEAR(a.noiseBound(), l.noiseBound() + r.noiseBound(), 1e-9);
        a = any;
      }
      a.multiplyBy(imageAny, *f.keys);
      ind.multiplyBy(imageInd, *f.keys, hl::Ciphertext::Then::kNothing, Rel::kIndependent);
      any = std::move(a);
    } catch (const hl::CapacityError&) {
      break;
    }
    p = model.mul(p, model.automorph(p, f.rotation));
    ++products;
    ASSERT_EQ(f.sk->decrypt(ind), model.back(p, f.ctx)) << "product " << products;
    ASSERT_EQ(f.sk->decrypt(any), model.back(p, f.ctx)) << "product " << products;
    EXPECT_LE(f.sk->measureNoise(ind), ind.noiseBound()) << "product " << products;
    EXPECT_LE(f.sk->measureNoise(any), any.noiseBound()) << "product " << products;
    if (ind.level() == any.level()) {
      EXPECT_LT(ind.noiseBound(), any.noiseBound() - 0.5) << "product " << products;
    }
  }
  EXPECT_GE(products, 1);
  RecordProperty("products", products);
}

class Depth : public ::testing::TestWithParam<Setting> {};

// x_1 * ... * x_{2^k} in a binary tree: every level the modulus allows decrypts right, and the
// first level it does not allow throws hl::CapacityError instead of decrypting wrong.
TEST_P(Depth, MultiplicationTreeStopsWithCapacityError) {
  Fixture& f = fixtureFor(GetParam());
  const Model model(*f.ctx);
  std::vector<hl::Ciphertext> level;
  std::vector<NTL::ZZ_pX> plain;
  for (int i = 0; i < 32; ++i) {
    const hl::Plaintext x = randomPlaintext(f);
    level.push_back(f.pk->encrypt(x, f.prng));
    plain.push_back(model.of(x));
  }
  int depth = 0;
  bool threw = false;
  while (level.size() > 1 && !threw) {
    std::vector<hl::Ciphertext> next;
    std::vector<NTL::ZZ_pX> nextPlain;
    for (size_t i = 0; i + 1 < level.size(); i += 2) {
      hl::Ciphertext c = level[i];
      try {
        c.multiplyBy(level[i + 1], *f.keys);
      } catch (const hl::CapacityError&) {
        threw = true;
        // The operand is unchanged and still decrypts.
        EXPECT_EQ(c.size(), 2u);
        EXPECT_EQ(f.sk->decrypt(c), model.back(plain[i], f.ctx));
        break;
      }
      next.push_back(c);
      nextPlain.push_back(model.mul(plain[i], plain[i + 1]));
      ASSERT_EQ(f.sk->decrypt(c), model.back(nextPlain.back(), f.ctx)) << "depth " << depth + 1;
      ASSERT_LE(f.sk->measureNoise(c), c.noiseBound());
    }
    if (threw) break;
    level = std::move(next);
    plain = std::move(nextPlain);
    ++depth;
  }
  EXPECT_TRUE(threw) << "32 factors did not exhaust the modulus; enlarge the test";
  EXPECT_GE(depth, 1);
  RecordProperty("depth", depth);
}

INSTANTIATE_TEST_SUITE_P(Rings, Noise,
                         ::testing::Values(Setting{4369, 2, 1}, Setting{2048, 257, 1},
                                           Setting{4369, 2, 8},
                                           Setting{2048, bgvtest::bigPrimeFor(2048), 1},
                                           Setting{4369, 2, 1, bgvtest::kMixed}),
                         [](const auto& info) { return bgvtest::name(info.param); });

// Moduli of two or three primes keep the tree within 32 factors.
INSTANTIATE_TEST_SUITE_P(Rings, Depth,
                         ::testing::Values(Setting{4369, 2, 1, 100}, Setting{2048, 257, 1, 100},
                                           Setting{4369, 2, 8, 100},
                                           Setting{2048, bgvtest::bigPrimeFor(2048), 1, 150}),
                         [](const auto& info) { return bgvtest::name(info.param); });

}  // namespace
