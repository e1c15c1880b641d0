#include "helib-like/math/prng.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <bit>
#include <cmath>
#include <stdexcept>
#include <utility>
#include <vector>

namespace {

hl::Prng::Seed patternSeed(uint8_t start) {
  hl::Prng::Seed s;
  for (size_t i = 0; i < s.size(); ++i) s[i] = static_cast<uint8_t>(start + 7 * i);
  return s;
}

// One AES-256 block encryption through EVP in ECB mode (no padding).
void aes256Block(const uint8_t key[32], const uint8_t in[16], uint8_t out[16]) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  ASSERT_NE(ctx, nullptr);
  ASSERT_EQ(EVP_EncryptInit_ex(ctx, EVP_aes_256_ecb(), nullptr, key, nullptr), 1);
  EVP_CIPHER_CTX_set_padding(ctx, 0);
  int outl = 0;
  ASSERT_EQ(EVP_EncryptUpdate(ctx, out, &outl, in, 16), 1);
  ASSERT_EQ(outl, 16);
  EVP_CIPHER_CTX_free(ctx);
}

// The documented stream, built block by block: block i = AES-256_seed(i as 128-bit big-endian).
std::vector<uint8_t> modelStream(const hl::Prng::Seed& seed, size_t bytes) {
  std::vector<uint8_t> out((bytes + 15) / 16 * 16);
  for (uint64_t i = 0; i < out.size() / 16; ++i) {
    uint8_t counter[16] = {};
    for (int b = 0; b < 8; ++b) counter[15 - b] = static_cast<uint8_t>(i >> (8 * b));
    aes256Block(seed.data(), counter, out.data() + 16 * i);
  }
  out.resize(bytes);
  return out;
}

// The same stream as OpenSSL's AES-256-CTR with an all-zero IV encrypting zeros.
std::vector<uint8_t> evpCtrStream(const hl::Prng::Seed& seed, size_t bytes) {
  std::vector<uint8_t> out(bytes, 0);
  const uint8_t iv[16] = {};
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  EXPECT_EQ(EVP_EncryptInit_ex(ctx, EVP_aes_256_ctr(), nullptr, seed.data(), iv), 1);
  int outl = 0;
  EXPECT_EQ(EVP_EncryptUpdate(ctx, out.data(), &outl, out.data(), static_cast<int>(bytes)), 1);
  EVP_CIPHER_CTX_free(ctx);
  return out;
}

uint64_t le64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

// Upper 1e-6 quantile of chi-square with `dof` degrees of freedom (Wilson-Hilferty).
double chiSquareLimit(int dof) {
  const double z = 4.75, d = dof;
  return d * std::pow(1.0 - 2.0 / (9.0 * d) + z * std::sqrt(2.0 / (9.0 * d)), 3.0);
}

TEST(Prng, ModelIsAes256PerFips197) {
  // FIPS-197 appendix C.3: AES-256, key 00 01 .. 1f, plaintext 00 11 22 .. ff.
  uint8_t key[32], pt[16], ct[16];
  for (int i = 0; i < 32; ++i) key[i] = static_cast<uint8_t>(i);
  for (int i = 0; i < 16; ++i) pt[i] = static_cast<uint8_t>(0x11 * i);
  aes256Block(key, pt, ct);
  const uint8_t expect[16] = {0x8e, 0xa2, 0xb7, 0xca, 0x51, 0x67, 0x45, 0xbf,
                              0xea, 0xfc, 0x49, 0x90, 0x4b, 0x49, 0x60, 0x89};
  for (int i = 0; i < 16; ++i) EXPECT_EQ(ct[i], expect[i]) << i;
}

TEST(Prng, FixedSeedReproducesDocumentedAesCtrKeystream) {
  const hl::Prng::Seed seed = patternSeed(3);
  const size_t total = 3 * hl::Prng::kBufferBytes + 1000;
  const std::vector<uint8_t> model = modelStream(seed, total);
  ASSERT_EQ(model, evpCtrStream(seed, total));

  // Draw the same stream in pieces that straddle buffer boundaries and exceed the buffer.
  hl::Prng prng(seed);
  std::vector<uint8_t> got;
  const size_t pieces[] = {
      1, 7, 16, 4000, hl::Prng::kBufferBytes - 4024 - 3, 5, 2 * hl::Prng::kBufferBytes + 17, 0, 1};
  for (size_t n : pieces) {
    std::vector<uint8_t> part(n);
    prng.fill(part);
    got.insert(got.end(), part.begin(), part.end());
  }
  // next64 continues the byte stream, little-endian, also across the next buffer boundary.
  while (got.size() + 8 <= total) {
    const uint64_t v = prng.next64();
    for (int b = 0; b < 8; ++b) got.push_back(static_cast<uint8_t>(v >> (8 * b)));
  }
  ASSERT_GT(got.size(), total - 8);
  for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], model[i]) << "byte " << i;
}

TEST(Prng, Next64ReadsLittleEndianAcrossBufferEnd) {
  const hl::Prng::Seed seed = patternSeed(40);
  const std::vector<uint8_t> model = modelStream(seed, hl::Prng::kBufferBytes + 64);
  hl::Prng prng(seed);
  std::vector<uint8_t> skip(hl::Prng::kBufferBytes - 3);  // 3 bytes left in the buffer
  prng.fill(skip.data(), skip.size());
  EXPECT_EQ(prng.next64(), le64(model.data() + skip.size()));
  EXPECT_EQ(prng.next64(), le64(model.data() + skip.size() + 8));
}

TEST(Prng, SameSeedSameStreamDifferentSeedsDiffer) {
  hl::Prng::Seed s1 = patternSeed(9), s2 = s1;
  s2[31] ^= 1;
  hl::Prng a(s1), b(s1), c(s2);
  int equalAc = 0;
  for (int i = 0; i < 5000; ++i) {
    const uint64_t va = a.next64(), vc = c.next64();
    ASSERT_EQ(va, b.next64());
    equalAc += va == vc;
  }
  EXPECT_EQ(equalAc, 0);

  hl::Prng os1, os2;  // OS-seeded
  EXPECT_NE(os1.next64(), os2.next64());
  EXPECT_NE(hl::Prng::freshSeed(), hl::Prng::freshSeed());
}

TEST(Prng, UniformFollowsDocumentedRejectionRule) {
  const hl::Prng::Seed seed = patternSeed(77);
  hl::Prng prng(seed), twin(seed);
  const uint64_t bounds[] = {1, 2, 3, 10, 1000, (1ull << 40) + 1, (1ull << 63) + 1, ~0ull};
  for (uint64_t bound : bounds) {
    const int width = std::bit_width(bound - 1);
    const uint64_t mask = width == 64 ? ~0ull : (1ull << width) - 1;
    for (int i = 0; i < 200; ++i) {
      uint64_t w;
      do w = twin.next64() & mask;
      while (w >= bound);
      const uint64_t u = prng.uniform(bound);
      ASSERT_LT(u, bound);
      ASSERT_EQ(u, w) << "bound " << bound;
    }
  }
  EXPECT_THROW(prng.uniform(0), std::invalid_argument);
}

TEST(Prng, UniformSmallBoundPassesChiSquare) {
  hl::Prng prng(patternSeed(5));
  const int bound = 10, samples = 200000;
  std::vector<int> counts(bound, 0);
  for (int i = 0; i < samples; ++i) {
    const uint64_t u = prng.uniform(bound);
    ASSERT_LT(u, static_cast<uint64_t>(bound));
    ++counts[u];
  }
  const double expect = static_cast<double>(samples) / bound;
  double chi2 = 0;
  for (int c : counts) chi2 += (c - expect) * (c - expect) / expect;
  EXPECT_LT(chi2, chiSquareLimit(bound - 1));
}

TEST(Prng, MovesCarryTheStreamAndEmptyTheSource) {
  const hl::Prng::Seed seed = patternSeed(11);
  hl::Prng ref(seed), a(seed);
  ASSERT_EQ(a.next64(), ref.next64());
  hl::Prng b(std::move(a));
  ASSERT_EQ(b.next64(), ref.next64());
  EXPECT_THROW(a.next64(), std::logic_error);  // NOLINT(bugprone-use-after-move)
  uint8_t byte;
  EXPECT_THROW(a.fill(&byte, 1), std::logic_error);

  hl::Prng c(patternSeed(12));
  c = std::move(b);
  for (int i = 0; i < 3000; ++i) ASSERT_EQ(c.next64(), ref.next64());
  EXPECT_THROW(b.uniform(5), std::logic_error);  // NOLINT(bugprone-use-after-move)
  a = std::move(c);                              // a moved-from object can be assigned again
  EXPECT_EQ(a.next64(), ref.next64());
}

}  // namespace
