// Key switching stays bit for bit what it was before it was split into ModUp and the inner
// product + ModDown (for hoisting): fingerprints of relinearized and rotated ciphertexts made
// from fixed seeds, recorded with the code before the split (commit b40b668).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "bgv_fixture.h"

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
