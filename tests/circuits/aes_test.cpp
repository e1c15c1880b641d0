// AES-128: the plain reference against OpenSSL and FIPS-197, and the homomorphic circuit, both
// directions and transciphering, against OpenSSL on a small insecure ring with a 16-long first
// dimension (m = 4369 = 17 * 257: generators 258 (order 16, good) and 4115 (16, bad), 16 blocks
// per ciphertext in slots of GF(2^16)).
#include "helib-like/circuits/aes.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <memory>
#include <random>
#include <string_view>

namespace {

hl::AesBlock openssl(const hl::AesBlock& key, const hl::AesBlock& in, bool encrypt) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  EVP_CipherInit_ex(ctx, EVP_aes_128_ecb(), nullptr, key.data(), nullptr, encrypt ? 1 : 0);
  EVP_CIPHER_CTX_set_padding(ctx, 0);
  hl::AesBlock out{};
  int len = 0;
  EVP_CipherUpdate(ctx, out.data(), &len, in.data(), 16);
  EVP_CIPHER_CTX_free(ctx);
  return out;
}

hl::AesBlock randomBlock(std::mt19937_64& rng) {
  hl::AesBlock b{};
  for (auto& x : b) x = static_cast<uint8_t>(rng());
  return b;
}

hl::AesBlock hex(const char* s) {
  hl::AesBlock b{};
  for (int i = 0; i < 16; ++i)
    b[i] = static_cast<uint8_t>(std::stoi(std::string(s + 2 * i, 2), nullptr, 16));
  return b;
}

TEST(AesPlain, Fips197AppendixC1) {
  const hl::AesBlock key = hex("000102030405060708090a0b0c0d0e0f");
  const hl::AesBlock pt = hex("00112233445566778899aabbccddeeff");
  const hl::AesBlock ct = hex("69c4e0d86a7b0430d8cdb78070b4c55a");
  EXPECT_EQ(hl::aesEncryptBlock(key, pt), ct);
  EXPECT_EQ(hl::aesDecryptBlock(key, ct), pt);
  // Appendix A.1: the last round key of 2b7e1516 28aed2a6 abf71588 09cf4f3c.
  EXPECT_EQ(hl::aesExpandKey(hex("2b7e151628aed2a6abf7158809cf4f3c"))[10],
            hex("d014f9a8c9ee2589e13f0cc8b6630ca6"));
}

TEST(AesPlain, MatchesOpenSsl) {
  std::mt19937_64 rng(17);
  for (int i = 0; i < 200; ++i) {
    const hl::AesBlock key = randomBlock(rng), in = randomBlock(rng);
    EXPECT_EQ(hl::aesEncryptBlock(key, in), openssl(key, in, true));
    EXPECT_EQ(hl::aesDecryptBlock(key, in), openssl(key, in, false));
  }
}

struct AesSetup {
  std::shared_ptr<const hl::Context> ctx;
  std::unique_ptr<hl::SecretKey> sk;
  std::unique_ptr<hl::PublicKey> pk;
  std::unique_ptr<hl::EvaluationKeys> keys;
  std::unique_ptr<hl::HomomorphicAes> aes;
};

AesSetup& setup() {
  static std::unique_ptr<AesSetup> s;
  if (!s) {
    s = std::make_unique<AesSetup>();
    s->ctx = hl::Context::create({.m = 4369,
                                  .p = 2,
                                  .ciphertextBits = 1400,
                                  .digits = 3,
                                  .generators = {258, 4115},
                                  .allowInsecure = true});
    hl::Prng prng(hl::Prng::Seed{3});
    s->sk = std::make_unique<hl::SecretKey>(s->ctx, prng);
    s->pk = std::make_unique<hl::PublicKey>(s->sk->publicKey(prng));
    s->keys = std::make_unique<hl::EvaluationKeys>(s->ctx);
    s->keys->add(s->sk->relinearizationKey(prng));
    s->aes = std::make_unique<hl::HomomorphicAes>(s->ctx);
    s->aes->array().addKeys(*s->keys, *s->sk, s->aes->keyExponents());
  }
  return *s;
}

TEST(HomomorphicAes, EncryptsEveryBlockLikeOpenSsl) {
  AesSetup& s = setup();
  ASSERT_EQ(s.aes->blocksPerCiphertext(), 16u);
  std::mt19937_64 rng(23);
  const hl::AesBlock key = randomBlock(rng);
  std::vector<hl::AesBlock> blocks(16);
  for (auto& b : blocks) b = randomBlock(rng);
  blocks[0] = hex("00112233445566778899aabbccddeeff");
  const hl::EncryptedAesKey ek = s.aes->encryptKey(*s.pk, key, hl::AesDirection::kEncrypt);
  hl::Ciphertext state = s.aes->array().encrypt(*s.pk, s.aes->pack(blocks));
  s.aes->encrypt(state, ek, *s.keys);
  EXPECT_GT(state.capacity(), 0);
  const auto out = s.aes->unpack(s.aes->array().decrypt(*s.sk, state), blocks.size());
  for (size_t b = 0; b < blocks.size(); ++b) {
    EXPECT_EQ(out[b], openssl(key, blocks[b], true)) << "block " << b;
  }
  std::printf("capacity left after AES-128 encryption: %.1f bits\n", state.capacity());
}

TEST(HomomorphicAes, DecryptsAndTranscipheresLikeOpenSsl) {
  AesSetup& s = setup();
  std::mt19937_64 rng(29);
  const hl::AesBlock key = randomBlock(rng);
  std::vector<hl::AesBlock> plain(11), cipher(11);
  for (size_t b = 0; b < plain.size(); ++b) {
    plain[b] = randomBlock(rng);
    cipher[b] = openssl(key, plain[b], true);
  }
  const hl::EncryptedAesKey dk = s.aes->encryptKey(*s.pk, key, hl::AesDirection::kDecrypt);
  // Decryption of encrypted AES ciphertexts.
  hl::Ciphertext state = s.aes->array().encrypt(*s.pk, s.aes->pack(cipher));
  s.aes->decrypt(state, dk, *s.keys);
  auto out = s.aes->unpack(s.aes->array().decrypt(*s.sk, state), plain.size());
  for (size_t b = 0; b < plain.size(); ++b) EXPECT_EQ(out[b], plain[b]) << "block " << b;
  // Transciphering: the AES ciphertext arrives in the clear.
  // The capacity of the first Frobenius image in round 1, by path.
  auto firstImage = [](double& capacity) {
    return [&capacity](int round, std::string_view step, const hl::Ciphertext& ct) {
      if (round == 1 && step == "x^2") capacity = ct.capacity();
    };
  };
  double fastImage = 0, slowImage = 0;
  const hl::Ciphertext fhe = s.aes->transcipher(cipher, dk, *s.keys, firstImage(fastImage));
  out = s.aes->unpack(s.aes->array().decrypt(*s.sk, fhe), plain.size());
  for (size_t b = 0; b < plain.size(); ++b) EXPECT_EQ(out[b], plain[b]) << "block " << b;
  std::printf("capacity left after transciphering: %.1f bits\n", fhe.capacity());
  // The key carries A^-1(rk_10) so that the first inverse affine map runs in the clear; it
  // leaves one linear layer less of noise in round 1 than the path without it (later modulus
  // switches may even it out), which must agree too.
  ASSERT_TRUE(dk.transcipherKey.has_value());
  hl::EncryptedAesKey plainFirst = dk;
  plainFirst.transcipherKey.reset();
  const hl::Ciphertext slow =
      s.aes->transcipher(cipher, plainFirst, *s.keys, firstImage(slowImage));
  out = s.aes->unpack(s.aes->array().decrypt(*s.sk, slow), plain.size());
  for (size_t b = 0; b < plain.size(); ++b) EXPECT_EQ(out[b], plain[b]) << "block " << b;
  EXPECT_GT(fastImage, slowImage + 5);
  EXPECT_GE(fhe.capacity(), slow.capacity());
  // Encryption keys have no such key.
  EXPECT_FALSE(s.aes->encryptKey(*s.pk, key, hl::AesDirection::kEncrypt).transcipherKey);
}

TEST(HomomorphicAes, BadInputIsRefused) {
  AesSetup& s = setup();
  std::mt19937_64 rng(31);
  const hl::EncryptedAesKey ek =
      s.aes->encryptKey(*s.sk, randomBlock(rng), hl::AesDirection::kEncrypt);
  hl::Ciphertext state = s.aes->array().encrypt(*s.sk, s.aes->pack({}));
  EXPECT_THROW(s.aes->decrypt(state, ek, *s.keys), std::invalid_argument);
  EXPECT_THROW(s.aes->transcipher({}, ek, *s.keys), std::invalid_argument);
  std::vector<hl::AesBlock> tooMany(17);
  EXPECT_THROW(s.aes->pack(tooMany), std::invalid_argument);
  // Automatic generators give 128 x 2 at m = 4369: no 16-long first dimension.
  auto other = hl::Context::create(
      {.m = 4369, .p = 2, .ciphertextBits = 100, .digits = 1, .allowInsecure = true});
  EXPECT_THROW(hl::HomomorphicAes{other}, std::invalid_argument);
  auto odd = hl::Context::create(
      {.m = 4369, .p = 3, .ciphertextBits = 100, .digits = 1, .allowInsecure = true});
  EXPECT_THROW(hl::HomomorphicAes{odd}, std::invalid_argument);
}

// The keys: Frobenius 1..4 and the rotations by 1..5 of the first dimension (the giant steps
// by 5 and 10 by Horner's rule with the rotation by 5), the same for both directions (every
// linear layer in baby-step giant-step form, the test preset having 3 digits).
TEST(HomomorphicAes, KeyExponentsAreTheBabyAndGiantSteps) {
  auto ctx = hl::Context::create(hl::aesPreset("test").params);
  ASSERT_GE(ctx->digits().size(), 3u);
  const hl::HomomorphicAes aes(ctx);
  std::vector<uint64_t> want;
  for (size_t j = 1; j <= 4; ++j) want.push_back(aes.array().frobeniusExponent(j));
  for (int64_t k : {1, 2, 3, 4, 5}) want.push_back(aes.array().rotationExponents(0, k).at(0));
  std::sort(want.begin(), want.end());
  EXPECT_EQ(aes.keyExponents(hl::AesDirection::kEncrypt), want);
  EXPECT_EQ(aes.keyExponents(hl::AesDirection::kDecrypt), want);
  EXPECT_EQ(aes.keyExponents(), want);
}

}  // namespace
