// The binary format: round trips against the objects themselves (the decryption of a loaded
// ciphertext, the coefficients of a loaded plaintext, the fingerprint and parameters of a
// loaded context), and every kind of bad input refused with hl::FormatError: truncation at
// every offset, bit flips, another context, another type, another version, an oversized
// length, and forged bodies whose checksum was recomputed (residues above their prime,
// levels, factors and noise out of range).
#include "helib-like/io/serialization.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "../bgv/bgv_fixture.h"
#include "helib-like/bgv/keys.h"
#include "helib-like/math/prng.h"

namespace {

struct IoSetup {
  std::shared_ptr<const hl::Context> ctx, other;
  std::unique_ptr<hl::SecretKey> sk;
  std::unique_ptr<hl::EvaluationKeys> keys;
  hl::Prng prng{hl::Prng::Seed{3}};
};

IoSetup& setup() {
  static IoSetup s = [] {
    IoSetup x;
    x.ctx = hl::Context::create(
        {.m = 4369, .p = 2, .r = 4, .primeBits = {50, 30, 40}, .allowInsecure = true});
    x.other = hl::Context::create(
        {.m = 4369, .p = 2, .r = 4, .primeBits = {50, 30, 45}, .allowInsecure = true});
    x.sk = std::make_unique<hl::SecretKey>(x.ctx, x.prng);
    x.keys = std::make_unique<hl::EvaluationKeys>(x.ctx);
    x.keys->add(x.sk->relinearizationKey(x.prng));
    return x;
  }();
  return s;
}

hl::Plaintext randomPlaintext(const std::shared_ptr<const hl::Context>& ctx, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint64_t> c(ctx->n());
  for (auto& v : c) v = rng() % ctx->t();
  return hl::Plaintext::fromReduced(ctx, c);
}

template <class F>
void expectFormatError(F&& f, const std::string& fragment) {
  try {
    f();
    ADD_FAILURE() << "no hl::FormatError (expected one mentioning \"" << fragment << "\")";
  } catch (const hl::FormatError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

std::string bytesOf(const hl::Ciphertext& ct) {
  std::ostringstream out;
  hl::io::save(out, ct);
  return out.str();
}

// Recomputes the trailing SHA-256 after a deliberate change, so that the body checks behind
// the checksum are reached.
void reseal(std::string& record) {
  unsigned char digest[32];
  unsigned len = 0;
  EVP_Digest(record.data(), record.size() - 32, digest, &len, EVP_sha256(), nullptr);
  std::memcpy(record.data() + record.size() - 32, digest, 32);
}

constexpr size_t kBody = 52;  // header bytes before the body

hl::Ciphertext loadCt(const std::string& bytes) {
  std::istringstream in(bytes);
  return hl::io::loadCiphertext(in, setup().ctx);
}

TEST(Serialization, CiphertextRoundTrip) {
  IoSetup& s = setup();
  const hl::Plaintext x = randomPlaintext(s.ctx, 1), y = randomPlaintext(s.ctx, 2);
  hl::Ciphertext a = s.sk->encrypt(x, s.prng);
  hl::Ciphertext prod = a;
  prod.multiply(s.sk->encrypt(y, s.prng));  // 3 parts
  hl::Ciphertext low = a;
  low.modSwitchDown();  // a lower level and another plaintext factor
  for (const hl::Ciphertext* ct : {&a, &prod, &low}) {
    const hl::Ciphertext back = loadCt(bytesOf(*ct));
    EXPECT_EQ(back.level(), ct->level());
    EXPECT_EQ(back.size(), ct->size());
    EXPECT_EQ(back.plaintextFactor(), ct->plaintextFactor());
    EXPECT_EQ(back.noiseBound(), ct->noiseBound());
    EXPECT_EQ(back.keyId(), ct->keyId());
    for (size_t p = 0; p < ct->size(); ++p) EXPECT_EQ(back.part(p), ct->part(p));
    EXPECT_EQ(s.sk->decrypt(back), s.sk->decrypt(*ct));
  }
  EXPECT_EQ(s.sk->decrypt(loadCt(bytesOf(a))), x);
  // The loaded ciphertext computes like the original.
  hl::Ciphertext loaded = loadCt(bytesOf(a));
  loaded.multiplyBy(a, *s.keys);
  hl::Ciphertext direct = a;
  direct.multiplyBy(a, *s.keys);
  EXPECT_EQ(s.sk->decrypt(loaded), s.sk->decrypt(direct));
  // Size: header, 32 bytes of metadata, 8 bytes per residue, checksum.
  EXPECT_EQ(bytesOf(a).size(), kBody + 32 + 2 * 3 * s.ctx->n() * 8 + 32);
}

TEST(Serialization, PlaintextAndContextRoundTrip) {
  IoSetup& s = setup();
  const hl::Plaintext x = randomPlaintext(s.ctx, 5);
  std::stringstream buf;
  hl::io::save(buf, x);
  EXPECT_EQ(hl::io::loadPlaintext(buf, s.ctx), x);

  std::stringstream cbuf;
  hl::io::save(cbuf, *s.ctx);
  const auto back = hl::io::loadContext(cbuf);
  EXPECT_EQ(hl::io::contextFingerprint(*back), hl::io::contextFingerprint(*s.ctx));
  EXPECT_EQ(back->levels(), s.ctx->levels());
  EXPECT_EQ(back->parameters().primeBits, s.ctx->parameters().primeBits);
  EXPECT_EQ(back->parameters().digits, s.ctx->parameters().digits);
  EXPECT_EQ(back->t(), s.ctx->t());
  // A ciphertext saved under the original loads into the rebuilt context (same fingerprint).
  const hl::Ciphertext a = s.sk->encrypt(x, s.prng);
  std::istringstream in(bytesOf(a));
  EXPECT_NO_THROW(hl::io::loadCiphertext(in, back));
  // Different contexts have different fingerprints.
  EXPECT_NE(hl::io::contextFingerprint(*s.other), hl::io::contextFingerprint(*s.ctx));
}

TEST(Serialization, FilesRoundTripAndMissingFilesAreReported) {
  IoSetup& s = setup();
  const std::string path = ::testing::TempDir() + "hl_io_test_ct.bin";
  const hl::Ciphertext a = s.sk->encrypt(randomPlaintext(s.ctx, 7), s.prng);
  hl::io::saveToFile(path, a);
  EXPECT_EQ(s.sk->decrypt(hl::io::loadCiphertextFromFile(path, s.ctx)), s.sk->decrypt(a));
  std::remove(path.c_str());
  EXPECT_THROW(hl::io::loadCiphertextFromFile(path, s.ctx), std::runtime_error);
  // Keys and the context through files.
  const std::string dir = ::testing::TempDir();
  hl::io::saveToFile(dir + "hl_io_ctx.bin", *s.ctx);
  hl::io::saveToFile(dir + "hl_io_pk.bin", s.sk->publicKey(s.prng));
  hl::io::saveToFile(dir + "hl_io_ev.bin", *s.keys);
  hl::io::saveSecretKeyToFile(dir + "hl_io_sk.bin", *s.sk);
  const auto ctx = hl::io::loadContextFromFile(dir + "hl_io_ctx.bin");
  const hl::PublicKey pk = hl::io::loadPublicKeyFromFile(dir + "hl_io_pk.bin", ctx);
  const hl::EvaluationKeys ev = hl::io::loadEvaluationKeysFromFile(dir + "hl_io_ev.bin", ctx);
  const hl::SecretKey sk = hl::io::loadSecretKeyFromFile(dir + "hl_io_sk.bin", ctx);
  const hl::Plaintext x = randomPlaintext(ctx, 8);
  hl::Ciphertext c = pk.encrypt(x, s.prng);
  c.multiplyBy(c, ev);
  const bgvtest::Model model(*ctx);
  EXPECT_EQ(sk.decrypt(c), model.back(model.mul(model.of(x), model.of(x)), ctx));
  for (const char* f : {"hl_io_ctx.bin", "hl_io_pk.bin", "hl_io_ev.bin", "hl_io_sk.bin"}) {
    std::remove((dir + f).c_str());
  }
  EXPECT_THROW(hl::io::saveToFile("/nonexistent-dir/x.bin", a), std::runtime_error);
}

TEST(Serialization, TruncatedAndCorruptedInputIsRefused) {
  IoSetup& s = setup();
  const std::string good = bytesOf(s.sk->encrypt(randomPlaintext(s.ctx, 9), s.prng));
  // Every cut in the header, and a spread of cuts in the body and checksum.
  for (size_t cut = 0; cut < good.size(); cut += (cut < 80 ? 1 : 997)) {
    expectFormatError([&] { loadCt(good.substr(0, cut)); }, "");
  }
  // One flipped bit anywhere: the magic, the version, the type, the fingerprint, the length,
  // the body or the checksum.
  for (size_t pos : {size_t{0}, size_t{8}, size_t{10}, size_t{20}, size_t{45}, size_t{60},
                     good.size() / 2, good.size() - 1}) {
    std::string bad = good;
    bad[pos] = static_cast<char>(bad[pos] ^ 0x10);
    expectFormatError([&] { loadCt(bad); }, "");
  }
  expectFormatError([&] { loadCt(std::string(200, 'x')); }, "magic");
  std::string version = good;
  version[8] = 2;
  expectFormatError([&] { loadCt(version); }, "format version 2");
  // An empty stream.
  expectFormatError([&] { loadCt(""); }, "truncated");
}

TEST(Serialization, WrongContextTypeOrLengthIsRefused) {
  IoSetup& s = setup();
  const hl::Plaintext x = randomPlaintext(s.ctx, 11);
  // Another context: refused by fingerprint, before the body is read.
  {
    std::stringstream buf;
    hl::io::save(buf, s.sk->encrypt(x, s.prng));
    expectFormatError([&] { hl::io::loadCiphertext(buf, s.other); }, "another context");
  }
  // A plaintext where a ciphertext is expected, and the other way round.
  {
    std::stringstream buf;
    hl::io::save(buf, x);
    expectFormatError([&] { hl::io::loadCiphertext(buf, s.ctx); }, "expected a ciphertext");
    std::istringstream in(bytesOf(s.sk->encrypt(x, s.prng)));
    expectFormatError([&] { hl::io::loadPlaintext(in, s.ctx); }, "expected a plaintext");
  }
  // A length field of 2^60 bytes: refused before any allocation.
  std::string huge = bytesOf(s.sk->encrypt(x, s.prng));
  for (int i = 0; i < 8; ++i) huge[44 + i] = 0;
  huge[44 + 7] = 0x10;
  expectFormatError([&] { loadCt(huge); }, "more than this context allows");
}

TEST(Serialization, ForgedBodiesAreValidatedBehindTheChecksum) {
  IoSetup& s = setup();
  const std::string good = bytesOf(s.sk->encrypt(randomPlaintext(s.ctx, 13), s.prng));
  auto forge = [&](size_t offset, const void* value, size_t bytes) {
    std::string bad = good;
    std::memcpy(bad.data() + offset, value, bytes);
    reseal(bad);
    return bad;
  };
  const uint64_t big = ~uint64_t{0} >> 1;  // far above every prime
  // The first residue of part 0 (prime 0), and one of the last row.
  expectFormatError([&] { loadCt(forge(kBody + 32, &big, 8)); }, "is not below prime 0");
  expectFormatError([&] { loadCt(forge(good.size() - 32 - 8, &big, 8)); }, "is not below prime");
  const uint64_t zero = 0, even = 2;
  expectFormatError([&] { loadCt(forge(kBody + 8, &zero, 8)); }, "not a unit mod t");
  expectFormatError([&] { loadCt(forge(kBody + 8, &even, 8)); }, "not a unit mod t");
  const double nan = std::nan(""), huge = 1e6;
  expectFormatError([&] { loadCt(forge(kBody + 16, &nan, 8)); }, "noise bound");
  expectFormatError([&] { loadCt(forge(kBody + 16, &huge, 8)); }, "noise bound");
  const uint32_t four = 4, level0 = 0, level9 = 9;
  expectFormatError([&] { loadCt(forge(kBody + 24, &four, 4)); }, "2 or 3 parts");
  expectFormatError([&] { loadCt(forge(kBody + 28, &level0, 4)); }, "level 0");
  expectFormatError([&] { loadCt(forge(kBody + 28, &level9, 4)); }, "level 9");
  // A lower level than the rows hold: the body size no longer matches.
  const uint32_t level2 = 2;
  expectFormatError([&] { loadCt(forge(kBody + 28, &level2, 4)); }, "bytes of rows");
  // A plaintext coefficient of t or more.
  std::stringstream buf;
  hl::io::save(buf, randomPlaintext(s.ctx, 15));
  std::string pt = buf.str();
  const uint64_t t = s.ctx->t();
  std::memcpy(pt.data() + kBody + 8, &t, 8);
  reseal(pt);
  std::istringstream in(pt);
  expectFormatError([&] { hl::io::loadPlaintext(in, s.ctx); }, "not below t");
}

TEST(Serialization, KeysRoundTripSeededAndFull) {
  IoSetup& s = setup();
  const hl::Plaintext x = randomPlaintext(s.ctx, 21), y = randomPlaintext(s.ctx, 22);
  const hl::PublicKey pk = s.sk->publicKey(s.prng);
  hl::EvaluationKeys keys(s.ctx);
  keys.add(s.sk->relinearizationKey(s.prng));
  const uint64_t k1 = 3, k2 = s.ctx->ring().units()[100];
  keys.add(s.sk->automorphismKey(k1, s.prng));
  keys.add(s.sk->automorphismKey(k2, s.prng));
  size_t sizes[2] = {0, 0};
  for (hl::io::UniformParts u : {hl::io::UniformParts::kSeed, hl::io::UniformParts::kFull}) {
    std::stringstream pkBuf, evBuf;
    hl::io::save(pkBuf, pk, u);
    hl::io::save(evBuf, keys, u);
    sizes[static_cast<int>(u)] = evBuf.str().size();
    const hl::PublicKey pk2 = hl::io::loadPublicKey(pkBuf, s.ctx);
    EXPECT_EQ(pk2.b(), pk.b());
    EXPECT_EQ(pk2.a(), pk.a());  // expanded again from the seed, or read
    EXPECT_EQ(pk2.keyId(), pk.keyId());
    const hl::EvaluationKeys keys2 = hl::io::loadEvaluationKeys(evBuf, s.ctx);
    EXPECT_EQ(keys2.automorphisms(), keys.automorphisms());
    ASSERT_TRUE(keys2.hasRelinearization());
    for (size_t d = 0; d < keys.relinearization().digitCount(); ++d) {
      EXPECT_EQ(keys2.relinearization().b(d), keys.relinearization().b(d));
      EXPECT_EQ(keys2.relinearization().a(d), keys.relinearization().a(d));
      EXPECT_EQ(keys2.automorphism(k2).a(d), keys.automorphism(k2).a(d));
    }
    // The loaded keys work: encrypt with the loaded public key, multiply and rotate with the
    // loaded evaluation keys, decrypt against the model.
    const bgvtest::Model model(*s.ctx);
    hl::Ciphertext a = pk2.encrypt(x, s.prng);
    a.multiplyBy(pk2.encrypt(y, s.prng), keys2);
    a.automorph(k2, keys2);
    EXPECT_EQ(s.sk->decrypt(a), model.back(model.automorph(model.mul(model.of(x), model.of(y)), k2), s.ctx));
  }
  // Seeds halve the key set (the a parts are the other half).
  EXPECT_LT(sizes[0] * 1.9, sizes[1] * 1.0);
  std::printf("evaluation keys (relinearization + 2 automorphisms, m = 4369): %zu bytes seeded, "
              "%zu full\n", sizes[0], sizes[1]);
}

TEST(Serialization, SecretKeyRoundTripAndRefusals) {
  IoSetup& s = setup();
  std::stringstream buf;
  hl::io::saveSecretKey(buf, *s.sk);
  const std::string bytes = buf.str();
  EXPECT_EQ(bytes.size(), kBody + 8 + s.ctx->n() + 32);  // one byte per coefficient
  const hl::SecretKey back = hl::io::loadSecretKey(buf, s.ctx);
  EXPECT_EQ(back.id(), s.sk->id());
  const hl::Plaintext x = randomPlaintext(s.ctx, 31);
  EXPECT_EQ(back.decrypt(s.sk->encrypt(x, s.prng)), x);
  EXPECT_EQ(s.sk->decrypt(back.encrypt(x, s.prng)), x);
  // A coefficient of 2, with a valid checksum.
  std::string bad = bytes;
  bad[kBody + 8 + 5] = 2;
  reseal(bad);
  std::istringstream in(bad);
  expectFormatError([&] { hl::io::loadSecretKey(in, s.ctx); }, "not -1, 0 or 1");
  // A sparse context checks the weight.
  const auto sparse = hl::Context::create({.m = 4369, .p = 2, .r = 4, .primeBits = {50, 30, 40},
                                           .hammingWeight = 128, .allowInsecure = true});
  const hl::SecretKey sparseKey(sparse, s.prng);
  std::stringstream sbuf;
  hl::io::saveSecretKey(sbuf, sparseKey);
  EXPECT_EQ(hl::io::loadSecretKey(sbuf, sparse).id(), sparseKey.id());
  std::string heavy = sbuf.str();
  for (size_t i = 0; i < 300; ++i) heavy[kBody + 8 + i] = 1;
  reseal(heavy);
  std::istringstream hin(heavy);
  expectFormatError([&] { hl::io::loadSecretKey(hin, sparse); }, "weight");
}

TEST(Serialization, ForgedKeysAreRefused) {
  IoSetup& s = setup();
  std::stringstream buf;
  hl::io::save(buf, s.sk->automorphismKey(3, s.prng));
  const std::string good = buf.str();
  auto load = [&](const std::string& b) {
    std::istringstream in(b);
    return hl::io::loadKeySwitchKey(in, s.ctx);
  };
  EXPECT_EQ(load(good).automorphism(), 3u);
  auto forge = [&](size_t offset, const void* value, size_t bytes) {
    std::string bad = good;
    std::memcpy(bad.data() + offset, value, bytes);
    reseal(bad);
    return bad;
  };
  const uint64_t one = 1, notUnit = 17, big = 1u << 30;  // 17 divides 4369
  expectFormatError([&] { load(forge(kBody + 8, &one, 8)); }, "is not a unit");
  expectFormatError([&] { load(forge(kBody + 8, &notUnit, 8)); }, "is not a unit");
  expectFormatError([&] { load(forge(kBody + 8, &big, 8)); }, "is not a unit");
  const uint8_t storage = 7;
  expectFormatError([&] { load(forge(kBody + 48, &storage, 1)); }, "uniform parts");
  const uint32_t digits = 5;
  expectFormatError([&] { load(forge(kBody + 49, &digits, 4)); }, "digits");
  const uint64_t residue = ~uint64_t{0} >> 1;
  expectFormatError([&] { load(forge(kBody + 53, &residue, 8)); }, "not below prime");
  // An evaluation key set that claims more keys than Z_m has units.
  hl::EvaluationKeys keys(s.ctx);
  keys.add(s.sk->relinearizationKey(s.prng));
  std::stringstream ev;
  hl::io::save(ev, keys);
  std::string set = ev.str();
  const uint32_t many = 1u << 30;
  std::memcpy(set.data() + kBody + 8, &many, 4);
  // reseal the first record only (52 + 12 + 32 bytes)
  std::string head = set.substr(0, kBody + 12 + 32);
  reseal(head);
  set.replace(0, head.size(), head);
  std::istringstream evIn(set);
  expectFormatError([&] { hl::io::loadEvaluationKeys(evIn, s.ctx); }, "evaluation key set of");
  // A key of another secret key in the set.
  const hl::SecretKey other(s.ctx, s.prng);
  std::stringstream mixed;
  hl::io::save(mixed, keys);
  hl::io::save(mixed, other.automorphismKey(3, s.prng));
  std::string twoKeys = mixed.str();
  // Patch the count from 1 to 2.
  const uint32_t two = 2;
  std::memcpy(twoKeys.data() + kBody + 8, &two, 4);
  std::string head2 = twoKeys.substr(0, kBody + 12 + 32);
  reseal(head2);
  twoKeys.replace(0, head2.size(), head2);
  std::istringstream mixedIn(twoKeys);
  expectFormatError([&] { hl::io::loadEvaluationKeys(mixedIn, s.ctx); }, "another secret key");
}

TEST(Serialization, CompressedRecordsRoundTripAndForgeriesAreRefused) {
  IoSetup& s = setup();
  const hl::Plaintext x = randomPlaintext(s.ctx, 41);
  const hl::Ciphertext a = s.sk->encrypt(x, s.prng);
  std::stringstream buf;
  hl::io::save(buf, a, hl::io::Compression::kZstd);
  const std::string packed = buf.str();
  {
    std::istringstream in(packed);
    EXPECT_TRUE(hl::io::peekRecord(in).compressed);
  }
  const hl::Ciphertext back = loadCt(packed);
  EXPECT_EQ(back.part(0), a.part(0));
  EXPECT_EQ(back.part(1), a.part(1));
  EXPECT_EQ(s.sk->decrypt(back), x);
  // Residues below 2^50, 2^30 and 2^40 in 64-bit words: zstd takes the unused high bytes.
  EXPECT_LT(packed.size(), bytesOf(a).size() * 0.85);
  std::printf("ciphertext (m = 4369, 120 bits of Q): %zu bytes, %zu with zstd\n",
              bytesOf(a).size(), packed.size());
  // Keys too.
  hl::EvaluationKeys keys(s.ctx);
  keys.add(s.sk->relinearizationKey(s.prng));
  std::stringstream kb;
  hl::io::save(kb, keys, hl::io::UniformParts::kSeed, hl::io::Compression::kZstd);
  const hl::EvaluationKeys keys2 = hl::io::loadEvaluationKeys(kb, s.ctx);
  EXPECT_EQ(keys2.relinearization().b(0), keys.relinearization().b(0));
  // A declared size beyond what the context allows, and a frame that does not decompress,
  // both behind a valid checksum.
  std::string big = packed;
  const uint64_t huge = uint64_t{1} << 40;
  std::memcpy(big.data() + kBody, &huge, 8);
  reseal(big);
  expectFormatError([&] { loadCt(big); }, "declares");
  std::string broken = packed;
  for (size_t i = kBody + 20; i < kBody + 60; ++i) broken[i] = static_cast<char>(broken[i] ^ 0x5a);
  reseal(broken);
  expectFormatError([&] { loadCt(broken); }, "");
}

}  // namespace
