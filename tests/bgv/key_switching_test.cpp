// Key switching stays bit for bit what it was before it was split into ModUp and the inner
// product + ModDown (for hoisting): fingerprints of relinearized and rotated ciphertexts made
// from fixed seeds, recorded with the code before the split (commit b40b668).
#include "bgv/key_switching.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "bgv/rns.h"
#include "bgv_fixture.h"
#include "helib-like/bgv/prepared_plaintext.h"

namespace {

// FNV-1a over every evaluation value of every part.
uint64_t fingerprint(const hl::Ciphertext& c) {
  uint64_t h = 1469598103934665603ull;
  for (size_t e = 0; e < c.size(); ++e) {
    const hl::DoubleCRT& part = c.part(e);
    for (size_t i : part.primes()) {
      for (uint64_t v : part.values(i)) {
        h ^= v;
        h *= 1099511628211ull;
      }
    }
  }
  return h;
}

struct Golden {
  uint64_t m, p;
  uint64_t relinTop, rotateTop, rotateLow;
};

// Deterministic: the context's primes, the seeded keys and encryptions, then a product with
// relinearization at the top level and rotations at the top level and one level lower.
std::vector<uint64_t> fingerprints(uint64_t m, uint64_t p) {
  auto ctx = hl::Context::create(
      {.m = m, .p = p, .r = 1, .ciphertextBits = 250, .digits = 2, .allowInsecure = true});
  hl::Prng prng(hl::Prng::Seed{42});
  const hl::SecretKey sk(ctx, prng);
  hl::EvaluationKeys keys(ctx);
  keys.add(sk.relinearizationKey(prng));
  const uint64_t k = ctx->ring().units()[ctx->ring().units().size() / 3];
  keys.add(sk.automorphismKey(k, prng));
  std::vector<int64_t> c(ctx->n());
  for (size_t i = 0; i < c.size(); ++i) c[i] = static_cast<int64_t>((i * 7919 + 13) % p);
  const hl::Plaintext pt(ctx, c);
  const hl::Ciphertext a = sk.encrypt(pt, prng);
  const hl::Ciphertext b = sk.encrypt(pt, prng);
  hl::Ciphertext prod = a;
  prod.multiplyBy(b, keys);
  hl::Ciphertext rot = a;
  rot.automorph(k, keys);
  hl::Ciphertext low = a;
  low.modSwitchDown();
  low.automorph(k, keys);
  return {fingerprint(prod), fingerprint(rot), fingerprint(low)};
}

TEST(KeySwitching, OutputIsBitIdenticalToTheUnsplitCode) {
  const Golden golden[] = {
      {4369, 2, 12205527552684292900ull, 6622126359062588259ull, 5522979913656856883ull},
      {2048, 257, 10388240242866296325ull, 17952872257981756731ull, 7639082545437537259ull},
  };
  for (const Golden& g : golden) {
    const std::vector<uint64_t> got = fingerprints(g.m, g.p);
    EXPECT_EQ(got[0], g.relinTop) << "m = " << g.m << ": relinearization";
    EXPECT_EQ(got[1], g.rotateTop) << "m = " << g.m << ": rotation at the top level";
    EXPECT_EQ(got[2], g.rotateLow) << "m = " << g.m << ": rotation one level lower";
  }
}

}  // namespace

namespace {

// A small ring with a chain of 50-, 40- and 27- to 45-bit primes: half its rows are narrow.
std::shared_ptr<const hl::Context> mixedContext() {
  return hl::Context::create({.m = 4369,
                              .p = 2,
                              .r = 1,
                              .primeBits = {50, 27, 40, 28, 27, 45},
                              .digits = 2,
                              .allowInsecure = true});
}

// A key keeps the rows of primes below 2^32 in 32-bit words (half the memory) and gives every
// row back unchanged: b(j) and a(j) against the rows read one by one, the storage size against
// the count of narrow and wide primes, and a ciphertext relinearized with such a key against
// the clear product.
TEST(KeySwitching, KeysStorePrimesBelow2To32In32BitWords) {
  const auto ctx = mixedContext();
  hl::Prng prng(hl::Prng::Seed{5});
  const hl::SecretKey sk(ctx, prng);
  const hl::KeySwitchKey key = sk.relinearizationKey(prng);
  const hl::ModulusChain& chain = *ctx->chain();
  size_t narrow = 0;
  for (size_t p = 0; p < chain.size(); ++p) narrow += chain.modulus(p).value() >> 32 == 0 ? 1 : 0;
  ASSERT_GE(narrow, 3u);
  ASSERT_LT(narrow, chain.size());
  const size_t n = ctx->n(), parts = 2 * key.digitCount();
  EXPECT_EQ(key.storageBytes(), parts * n * (4 * narrow + 8 * (chain.size() - narrow)));
  for (size_t d = 0; d < key.digitCount(); ++d) {
    const hl::DoubleCRT b = key.b(d), a = key.a(d);
    for (size_t p = 0; p < chain.size(); ++p) {
      const bool isNarrow = chain.modulus(p).value() >> 32 == 0;
      EXPECT_EQ(key.narrowRow(0, d, p) != nullptr, isNarrow);
      EXPECT_EQ(key.wideRow(1, d, p) == nullptr, isNarrow);
      for (size_t j = 0; j < n; j += 97) {
        const uint64_t vb = isNarrow ? key.narrowRow(0, d, p)[j] : key.wideRow(0, d, p)[j];
        const uint64_t va = isNarrow ? key.narrowRow(1, d, p)[j] : key.wideRow(1, d, p)[j];
        EXPECT_EQ(b.values(p)[j], vb);
        EXPECT_EQ(a.values(p)[j], va);
        EXPECT_LT(va, chain.modulus(p).value());
      }
    }
  }
  EXPECT_THROW(key.b(key.digitCount()), std::out_of_range);
  // The key at work: (x y) relinearized decrypts to the product of the plaintexts.
  hl::EvaluationKeys keys(ctx);
  keys.add(key);
  std::vector<int64_t> xs(n), ys(n);
  std::mt19937_64 rng(3);
  for (size_t i = 0; i < n; ++i) {
    xs[i] = static_cast<int64_t>(rng() % 2);
    ys[i] = static_cast<int64_t>(rng() % 2);
  }
  const hl::Plaintext x(ctx, xs), y(ctx, ys);
  hl::Ciphertext cx = sk.encrypt(x, prng);
  cx.multiplyBy(sk.encrypt(y, prng), keys);
  EXPECT_EQ(cx.size(), 2u);
  const bgvtest::Model model(*ctx);
  EXPECT_EQ(sk.decrypt(cx), model.back(model.mul(model.of(x), model.of(y)), ctx));
}

}  // namespace

namespace {

// Prepared plaintexts keep the rows of primes below 2^32 in 32-bit words as well: values() and
// the widened blocks give the same residues, and products by the constant, direct and inside a
// hoisted sum of automorphisms, decrypt to the model's.
TEST(KeySwitching, PreparedPlaintextsStorePrimesBelow2To32In32BitWords) {
  const auto ctx = mixedContext();
  hl::Prng prng(hl::Prng::Seed{9});
  const hl::SecretKey sk(ctx, prng);
  const size_t n = ctx->n();
  std::mt19937_64 rng(4);
  auto random = [&] {
    std::vector<int64_t> c(n);
    for (auto& v : c) v = static_cast<int64_t>(rng() % 2);
    return hl::Plaintext(ctx, c);
  };
  const hl::Plaintext x = random(), c = random();
  const hl::PreparedPlaintext prepared(c);
  const hl::detail::CompactRows& rows = prepared.rows();
  const hl::DoubleCRT values = prepared.values();
  const hl::ModulusChain& chain = *ctx->chain();
  std::vector<uint64_t> scratch(n);
  for (size_t p = 0; p < chain.size(); ++p) {
    EXPECT_EQ(rows.narrow(p), chain.modulus(p).value() >> 32 == 0);
    const uint64_t* b = rows.block(0, p, 0, n, scratch.data());
    EXPECT_TRUE(std::equal(b, b + n, values.values(p).begin())) << "prime " << p;
  }
  EXPECT_LT(rows.bytes(), n * 8 * chain.size());
  const bgvtest::Model model(*ctx);
  hl::Ciphertext ct = sk.encrypt(x, prng);
  ct.multiplyByPlaintext(prepared);
  EXPECT_EQ(sk.decrypt(ct), model.back(model.mul(model.of(x), model.of(c)), ctx));
  // x + c sigma(x), one hoisted sum with a key switch.
  const uint64_t k = ctx->ring().units()[5];
  hl::EvaluationKeys keys(ctx);
  keys.add(sk.automorphismKey(k, prng));
  hl::Ciphertext sum = sk.encrypt(x, prng);
  const std::vector<uint64_t> ks{1, k};
  const std::vector<const hl::PreparedPlaintext*> consts{nullptr, &prepared};
  sum.automorphismSum(ks, consts, keys);
  const NTL::ZZ_pX want = model.of(x) + model.mul(model.of(c), model.automorph(model.of(x), k));
  EXPECT_EQ(sk.decrypt(sum), model.back(want, ctx));
}

}  // namespace

namespace {

bool sameParts(const hl::Ciphertext& a, const hl::Ciphertext& b) {
  if (a.size() != b.size()) return false;
  for (size_t e = 0; e < a.size(); ++e) {
    if (!(a.part(e) == b.part(e))) return false;
  }
  return true;
}

// Then::kReduceNoise (the first modulus switch fused with the key switch's ModDown) gives the
// ciphertext that the key switch followed by reduceNoise() gives, bit for bit, with the same
// level, noise bound and plaintext factor, and it decrypts to the model's result.
TEST(KeySwitching, ReduceNoiseFusedWithTheModDownIsReduceNoiseAfterwards) {
  using Then = hl::Ciphertext::Then;
  for (const bgvtest::Setting& s :
       {bgvtest::Setting{4369, 2, 1, bgvtest::kMixed},
        bgvtest::Setting{4369, 2, 8, bgvtest::kMixed}, bgvtest::Setting{2048, 257, 1}}) {
    SCOPED_TRACE(bgvtest::name(s));
    bgvtest::Fixture& f = bgvtest::fixtureFor(s);
    const bgvtest::Model model(*f.ctx);
    const hl::Plaintext x = bgvtest::randomPlaintext(f), y = bgvtest::randomPlaintext(f);
    const hl::Ciphertext cx = f.pk->encrypt(x, f.prng), cy = f.pk->encrypt(y, f.prng);
    // Operands of growing noise: fresh, a product, a product of products.
    hl::Ciphertext x2 = cx;
    x2.multiplyBy(cy, *f.keys);
    hl::Ciphertext x4 = x2;
    x4.multiplyBy(x2, *f.keys);
    const NTL::ZZ_pX mxy = model.mul(model.of(x), model.of(y));
    const std::vector<std::pair<const hl::Ciphertext*, NTL::ZZ_pX>> operands = {
        {&cx, model.of(x)}, {&x2, mxy}, {&x4, model.mul(mxy, mxy)}};
    size_t switched = 0;
    for (size_t i = 0; i < operands.size(); ++i) {
      SCOPED_TRACE("operand " + std::to_string(i));
      const hl::Ciphertext& a = *operands[i].first;
      const NTL::ZZ_pX& ma = operands[i].second;
      // automorph
      hl::Ciphertext fused = a, separate = a;
      fused.automorph(f.rotation, *f.keys, Then::kReduceNoise);
      separate.automorph(f.rotation, *f.keys).reduceNoise();
      EXPECT_EQ(fused.level(), separate.level());
      EXPECT_EQ(fused.noiseBound(), separate.noiseBound());
      EXPECT_EQ(fused.plaintextFactor(), separate.plaintextFactor());
      EXPECT_TRUE(sameParts(fused, separate));
      EXPECT_EQ(f.sk->decrypt(fused), model.back(model.automorph(ma, f.rotation), f.ctx));
      EXPECT_LE(f.sk->measureNoise(fused), fused.noiseBound());
      switched += fused.level() < a.level() ? 1 : 0;
      // multiplyBy (relinearization)
      hl::Ciphertext pf = a, ps = a;
      pf.multiplyBy(cy, *f.keys, Then::kReduceNoise);
      ps.multiplyBy(cy, *f.keys).reduceNoise();
      EXPECT_EQ(pf.level(), ps.level());
      EXPECT_EQ(pf.noiseBound(), ps.noiseBound());
      EXPECT_EQ(pf.plaintextFactor(), ps.plaintextFactor());
      EXPECT_TRUE(sameParts(pf, ps));
      EXPECT_EQ(f.sk->decrypt(pf), model.back(model.mul(ma, model.of(y)), f.ctx));
      hl::Ciphertext unswitched = a;
      unswitched.multiplyBy(cy, *f.keys);
      switched += pf.level() < unswitched.level() ? 1 : 0;
    }
    EXPECT_GE(switched, 2u) << "the fused path never ran";
  }
}

// The fused ModDown and switch at the level of the primitives, dropping 1 to 4 top primes at
// once (Ciphertext takes 4 or more as one step): the words of keySwitch and then scaleDown.
TEST(KeySwitching, ModDownThenSwitchDropsSeveralPrimesAsScaleDownDoes) {
  bgvtest::Fixture& f = bgvtest::fixtureFor({4369, 2, 1, bgvtest::kMixed});
  const hl::Context& ctx = *f.ctx;
  hl::Ciphertext a = f.pk->encrypt(bgvtest::randomPlaintext(f), f.prng);
  a.multiplyBy(f.pk->encrypt(bgvtest::randomPlaintext(f), f.prng), *f.keys);
  const size_t L = a.level();
  ASSERT_GE(L, 6u);
  const hl::KeySwitchKey& key = f.keys->relinearization();
  for (size_t drop = 1; drop <= 4; ++drop) {
    for (bool overwrite1 : {false, true}) {
      SCOPED_TRACE("drop " + std::to_string(drop) + (overwrite1 ? " overwrite1" : ""));
      hl::DoubleCRT f0 = a.part(0), f1 = a.part(1), s0 = a.part(0), s1 = a.part(1);
      hl::detail::keySwitch(ctx, a.part(1), key, f0, f1, overwrite1, {}, drop);
      hl::detail::keySwitch(ctx, a.part(1), key, s0, s1, overwrite1);
      std::vector<hl::DoubleCRT> both;
      both.push_back(std::move(s0));
      both.push_back(std::move(s1));
      hl::detail::scaleDown(both, ctx.rnsTables().converter(hl::IndexSet::range(L - drop, L)),
                            ctx.plaintextModulus());
      EXPECT_EQ(f0.primes().size(), L - drop);
      EXPECT_TRUE(f0 == both[0]);
      EXPECT_TRUE(f1 == both[1]);
    }
  }
}

}  // namespace
