// The encrypted spam filter (apps/spam): mail parsing, features, the model and its files, and
// the encrypted scores against the clear integer model on a sample of the SpamAssassin corpus.
#include "spam_filter.h"

#include <gtest/gtest.h>
#include <xxhash.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "helib-like/io/serialization.h"

namespace fs = std::filesystem;
using namespace hl;
using namespace hl::spam;

namespace {

std::string corpusDir() {
  if (const char* d = std::getenv("HL_SPAM_CORPUS")) return d;
  return HL_SPAM_TEST_CORPUS;
}

uint32_t bucketOf(const std::string& key, int bits) {
  return static_cast<uint32_t>(XXH64(key.data(), key.size(), 0) & ((uint64_t{1} << bits) - 1));
}

bool contains(const std::vector<uint32_t>& v, uint32_t x) {
  return std::binary_search(v.begin(), v.end(), x);
}

fs::path tempDir(const std::string& name) {
  const fs::path p =
      fs::temp_directory_path() / ("hl-spam-test-" + name + "-" + std::to_string(::getpid()));
  fs::create_directories(p);
  return p;
}

}  // namespace

TEST(SpamMail, ParsesHeadersAndDecodesBodies) {
  const std::string raw =
      "From someone@example.com  Thu Aug 22 13:17:22 2002\n"
      "Subject: Cheap\n"
      "  Watches\n"
      "From: Seller <deals@shop.example>\n"
      "Content-Type: multipart/alternative; boundary=\"XYZ\"\n"
      "\n"
      "preamble\n"
      "--XYZ\n"
      "Content-Type: text/plain\n"
      "Content-Transfer-Encoding: quoted-printable\n"
      "\n"
      "Buy=20now=\n"
      "please\n"
      "--XYZ\n"
      "Content-Type: text/html\n"
      "Content-Transfer-Encoding: base64\n"
      "\n"
      "PGI+RlJFRTwvYj4=\n"
      "--XYZ\n"
      "Content-Type: application/zip\n"
      "\n"
      "PK...\n"
      "--XYZ--\n";
  const ParsedMail m = parseMail(raw);
  EXPECT_EQ(m.subject, "Cheap Watches");
  EXPECT_EQ(m.from, "Seller <deals@shop.example>");
  EXPECT_EQ(m.contentType, "multipart/alternative");
  EXPECT_NE(m.body.find("Buy nowplease"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("<b>FREE</b>"), std::string::npos) << m.body;
  EXPECT_EQ(m.body.find("preamble"), std::string::npos);
  EXPECT_EQ(m.attachments, 1u);
  EXPECT_EQ(m.parts, 4u);
}

TEST(SpamMail, RefusesEmptyAndHeaderlessInput) {
  EXPECT_THROW(parseMail(""), MailError);
  EXPECT_THROW(parseMail(" \r\n\n\t"), MailError);
  EXPECT_THROW(parseMail("just some text\nwithout any header\n\nbody"), MailError);
  EXPECT_THROW(parseMail(std::string("\0\0\0\xff", 4)), MailError);
  // Bytes that are not UTF-8 are fine.
  EXPECT_NO_THROW(parseMail("Subject: \xff\xfe\n\n\x80\x81 text"));
}

TEST(SpamFeatures, AreTheHashedTokensOfTheMessage) {
  const ParsedMail m = parseMail("Subject: Hello World\nFrom: a@b.org\n\nBUY cheap $$$ now!\n");
  FeatureConfig c;
  c.hashBits = 12;
  const auto x = extractFeatures(m, c);
  EXPECT_TRUE(std::is_sorted(x.begin(), x.end()));
  EXPECT_EQ(std::adjacent_find(x.begin(), x.end()), x.end());
  // An independent computation of some of the buckets.
  for (const char* key : {"subject:hello", "subject:world", "from:org", "buy", "cheap", "now", "$",
                          "!", "ct:none", "parts:1"}) {
    EXPECT_TRUE(contains(x, bucketOf(key, 12))) << key;
  }
  // Single letters are not tokens: only the header signals remain.
  const auto y = extractFeatures(parseMail("Subject: a\n\nb c"), c);
  std::vector<uint32_t> signals{bucketOf("ct:none", 12), bucketOf("parts:1", 12)};
  std::sort(signals.begin(), signals.end());
  EXPECT_EQ(y, signals);
}

TEST(SpamFeatures, AHugeMessageIsCappedNotRefused) {
  std::string raw = "Subject: big\n\n";
  for (int i = 0; i < 400000; ++i) raw += "w" + std::to_string(i) + " ";  // about 3.5 MB
  FeatureConfig c;
  const auto x = extractFeatures(parseMail(raw), c);
  EXPECT_EQ(x.size(), c.maxFeatures);
  MailLimits small;
  small.maxBytes = 1000;
  const ParsedMail cut = parseMail(raw, small);
  EXPECT_LE(cut.body.size(), 1000u);
}

TEST(SpamModel, QuantizedScoresAreTheIntegerSumsAndStayBounded) {
  FloatModel f;
  f.features.hashBits = 8;
  f.features.maxFeatures = 64;
  f.weights.resize(256);
  for (size_t i = 0; i < 256; ++i) f.weights[i] = std::sin(static_cast<double>(i)) * 2.5;
  f.bias = -0.3;
  const QuantizedModel q = quantize(f);
  EXPECT_EQ(q.maxWeight(), 31);
  int32_t maxAbs = 0;
  for (size_t i = 0; i < 256; ++i) {
    maxAbs = std::max(maxAbs, std::abs(q.weights[i]));
    EXPECT_LE(std::abs(q.weights[i] - f.weights[i] * q.scale), 0.5 + 1e-9);
  }
  EXPECT_EQ(maxAbs, 31);
  EXPECT_EQ(q.scoreBound(), 64 * 31 + q.maxBias());
  const std::vector<uint32_t> x{1, 7, 200};
  EXPECT_EQ(q.score(x), q.bias + q.weights[1] + q.weights[7] + q.weights[200]);
  QuantizedModel bad = q;
  bad.weights[3] = 32;
  EXPECT_THROW(bad.validate(), ModelError);
  bad = q;
  bad.bias = static_cast<int32_t>(q.maxBias() + 1);
  EXPECT_THROW(bad.validate(), ModelError);
  bad = q;
  bad.weights.pop_back();
  EXPECT_THROW(bad.validate(), ModelError);
}

TEST(SpamModel, FilesRoundTripAndForgedOnesAreRefused) {
  FloatModel f;
  f.features.hashBits = 8;
  f.weights.assign(256, 0.0);
  for (size_t i = 0; i < 256; ++i) f.weights[i] = (static_cast<double>(i % 17) - 8) / 3;
  f.features.maxFeatures = 100;
  const QuantizedModel q = quantize(f);
  const fs::path dir = tempDir("model");
  const fs::path good = dir / "model.json";
  saveModel(good, q, f);
  const QuantizedModel r = loadQuantizedModel(good);
  EXPECT_EQ(r.weights, q.weights);
  EXPECT_EQ(r.bias, q.bias);
  EXPECT_EQ(r.features, q.features);
  EXPECT_EQ(loadFloatModel(good).weights, f.weights);

  std::ifstream in(good);
  const nlohmann::json j = nlohmann::json::parse(in);
  auto writeAndLoad = [&](const std::string& text) {
    const fs::path p = dir / "forged.json";
    std::ofstream(p, std::ios::trunc) << text;
    return loadQuantizedModel(p);
  };
  auto forged = [&](auto edit) {
    nlohmann::json k = j;
    edit(k);
    return k.dump();
  };
  EXPECT_THROW(writeAndLoad(""), ModelError);
  EXPECT_THROW(writeAndLoad(j.dump().substr(0, 200)), ModelError);
  EXPECT_THROW(writeAndLoad("[1, 2, 3]"), ModelError);
  EXPECT_THROW(writeAndLoad(forged([](auto& k) { k["version"] = 2; })), ModelError);
  EXPECT_THROW(writeAndLoad(forged([](auto& k) { k["quantized"]["weights"][5] = 40; })),
               ModelError);
  EXPECT_THROW(writeAndLoad(forged([](auto& k) { k["quantized"]["weights"][5] = "x"; })),
               ModelError);
  EXPECT_THROW(writeAndLoad(forged([](auto& k) { k["quantized"]["bias"] = 5000; })), ModelError);
  EXPECT_THROW(writeAndLoad(forged([](auto& k) { k["quantized"]["weights"].erase(0); })),
               ModelError);
  EXPECT_THROW(writeAndLoad(forged([](auto& k) { k["features"]["hash_bits"] = 30; })), ModelError);
  EXPECT_THROW(writeAndLoad(forged([](auto& k) { k["features"]["max_features"] = 100000; })),
               ModelError);
  EXPECT_THROW(loadQuantizedModel(dir / "missing.json"), ModelError);
  fs::remove_all(dir);
}

TEST(SpamCorpus, LoadsTheGroupsAndSplitsEachClass) {
  const auto corpus = loadCorpus(corpusDir(), 10);
  ASSERT_EQ(corpus.size(), 50u);
  size_t spam = 0;
  for (const auto& m : corpus) {
    spam += m.spam;
    EXPECT_EQ(m.spam, m.group.rfind("spam", 0) == 0);
    EXPECT_FALSE(m.raw.empty());
  }
  EXPECT_EQ(spam, 20u);
  const Split s = stratifiedSplit(corpus, 0.2, 7);
  EXPECT_EQ(s.test.size(), 6u + 4u);  // floor(0.2 * 30) ham, floor(0.2 * 20) spam
  EXPECT_EQ(s.train.size() + s.test.size(), corpus.size());
  std::vector<size_t> all = s.train;
  all.insert(all.end(), s.test.begin(), s.test.end());
  std::sort(all.begin(), all.end());
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i], i);
  EXPECT_EQ(stratifiedSplit(corpus, 0.2, 7).test, s.test);  // deterministic
  EXPECT_THROW(loadCorpus(fs::temp_directory_path() / "no-such-corpus"), std::runtime_error);
}

// The whole flow on a sample: train in the clear, encrypt the held-out messages, score them
// without the secret key, decrypt: every encrypted score equals the clear integer score.
TEST(SpamEncrypted, ScoresEqualTheClearIntegerModel) {
  const auto corpus = loadCorpus(corpusDir(), 40);
  const Split split = stratifiedSplit(corpus);
  FeatureConfig config;
  std::vector<std::vector<uint32_t>> x;
  std::vector<bool> y;
  for (size_t i : split.train) {
    x.push_back(extractFeatures(parseMail(corpus[i].raw), config));
    y.push_back(corpus[i].spam);
  }
  const FloatModel f = trainLogistic(x, y, config, 4);
  const QuantizedModel q = quantize(f);
  // The trained model separates its own training data (a sanity check of the solver's sign).
  Metrics train;
  for (size_t i = 0; i < x.size(); ++i) train.add(f.score(x[i]) > 0, y[i]);
  EXPECT_GT(train.accuracy(), 0.95);

  auto ctx = Context::create(filterParameters());
  EXPECT_GE(ctx->securityLevel(), 128);
  SecretKey sk(ctx);
  const PublicKey pk = sk.publicKey();
  const EncryptedFilter filter(ctx, config);
  ASSERT_EQ(filter.ciphertextsPerMessage(), 2u);
  EvaluationKeys keys(ctx);
  filter.array().addKeys(keys, sk, filter.keyExponents());
  const auto prepared = filter.prepare(q);
  size_t positive = 0;
  for (size_t i : split.test) {
    const auto features = extractFeatures(parseMail(corpus[i].raw), config);
    const auto query = filter.encrypt(pk, features);
    const Ciphertext s = filter.score(query, prepared, keys);
    const int64_t clear = q.score(features);
    EXPECT_EQ(filter.decryptScore(sk, s), clear) << corpus[i].name;
    EXPECT_EQ(s.level(), 1u);
    positive += clear > 0;
  }
  EXPECT_GT(positive, 0u);
  EXPECT_LT(positive, split.test.size());

  // Extreme scores: every weight at +-31 and the most features a message may have.
  QuantizedModel extreme = q;
  for (auto& w : extreme.weights) w = -31;
  extreme.bias = -static_cast<int32_t>(extreme.maxBias());
  std::vector<uint32_t> many;
  for (uint32_t b = 0; b < config.maxFeatures; ++b) many.push_back(b * 13);
  const auto pe = filter.prepare(extreme);
  EXPECT_EQ(filter.decryptScore(sk, filter.score(filter.encrypt(pk, many), pe, keys)),
            -extreme.scoreBound());
}

TEST(SpamEncrypted, RefusesWhatDoesNotFit) {
  auto ctx = Context::create(filterParameters());
  SecretKey sk(ctx), other(ctx);
  FeatureConfig config;
  const EncryptedFilter filter(ctx, config);
  EvaluationKeys keys(ctx);
  filter.array().addKeys(keys, sk, filter.keyExponents());
  FloatModel f;
  f.features = config;
  f.weights.assign(size_t{1} << config.hashBits, 0.0);
  f.weights[3] = 1;
  const auto prepared = filter.prepare(quantize(f));
  const std::vector<uint32_t> x{3, 9};
  auto query = filter.encrypt(sk.publicKey(), x);
  // Wrong number of ciphertexts.
  EXPECT_THROW(filter.score({query[0]}, prepared, keys), std::invalid_argument);
  // A query under another key: the evaluation keys do not match it.
  EXPECT_THROW(filter.score(filter.encrypt(other.publicKey(), x), prepared, keys),
               std::invalid_argument);
  // A model for other features, or one whose scores could wrap.
  FloatModel g = f;
  g.features.hashBits = 12;
  g.weights.assign(4096, 0.5);
  EXPECT_THROW(filter.prepare(quantize(g)), ModelError);
  QuantizedModel wide = quantize(f);
  wide.features.maxFeatures = 4096;
  EncryptedFilter wideFilter(ctx, wide.features);
  EXPECT_THROW(wideFilter.prepare(wide), ModelError);
  // A query of another context.
  Parameters p = filterParameters();
  p.ciphertextBits = 140;
  auto ctx2 = Context::create(p);
  SecretKey sk2(ctx2);
  const EncryptedFilter filter2(ctx2, config);
  EXPECT_THROW(filter.score(filter2.encrypt(sk2.publicKey(), x), prepared, keys),
               std::invalid_argument);
}

TEST(SpamMessages, FilesRoundTripAndBadOnesAreRefused) {
  auto ctx = Context::create(filterParameters());
  SecretKey sk(ctx);
  const EncryptedFilter filter(ctx, FeatureConfig{});
  const std::vector<EncryptedMessage> msgs{{"a.txt", filter.encrypt(sk.publicKey(), {1, 2})},
                                           {"b.txt", filter.encrypt(sk.publicKey(), {5})}};
  std::stringstream s;
  writeMessages(s, msgs);
  const std::string bytes = s.str();
  std::istringstream in(bytes);
  const auto back = readMessages(in, ctx, 10, 2);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[1].name, "b.txt");
  EXPECT_EQ(filter.array().decrypt(sk, back[1].ciphertexts[1]).integers(),
            filter.array().decrypt(sk, msgs[1].ciphertexts[1]).integers());
  auto refused = [&](const std::string& b, size_t maxMessages = 10, size_t maxCts = 2) {
    std::istringstream i(b);
    EXPECT_THROW(readMessages(i, ctx, maxMessages, maxCts), FormatError);
  };
  refused("");
  refused("HLSPAMQ2" + bytes.substr(8));
  refused(bytes.substr(0, bytes.size() / 2));
  refused(bytes, 1);      // too many messages
  refused(bytes, 10, 1);  // too many ciphertexts per message
  std::string flipped = bytes;
  flipped[bytes.size() / 3] ^= 0x40;  // inside a ciphertext record: its checksum fails
  refused(flipped);
}
